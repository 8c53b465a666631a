/**
 * The entity's part of a write: the rules its attributes follow, its transaction item
 * (a conditional Put for a create, a conditional Update for an update) and that item's role.
 */
import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import type { TransactionItemRole } from './cancellation.js';
import type { ValidationIssue } from './errors.js';
import type { EntityCreate, EntityUpdate, EntityWrite } from './write-input.js';

/** The entity attributes the writer maintains, by their configured names. @internal */
export interface EntityAttributes {
  readonly version: string;
  readonly lastEventSeq: string;
}

/** An expression fragment with the names and values it refers to. */
interface Expression {
  readonly text: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

/** What is wrong with the attributes an entity write touches (empty when nothing is). @internal */
export function entityIssues(entity: EntityWrite, attributes: EntityAttributes): ValidationIssue[] {
  return [...reservedNameIssues(entity, attributes), ...setAndRemovedIssues(entity)];
}

/**
 * The entity's transaction item, conditioned so that a concurrent change cancels the write.
 * @internal
 */
export function entityItem(
  entity: EntityWrite,
  attributes: EntityAttributes,
  version: number,
  lastSeq: number,
): TransactWriteItem {
  return entity.type === 'create'
    ? createItem(entity, attributes, version, lastSeq)
    : updateItem(entity, attributes, version, lastSeq);
}

/** What the entity's item is, for telling its failed condition from the others'. @internal */
export function entityRole(entity: EntityWrite): TransactionItemRole {
  if (entity.type === 'create') return { role: 'entity', change: 'create' };
  return {
    role: 'entity',
    change: 'update',
    expectedVersion: entity.expectedVersion,
    lastEventSeq: entity.lastEventSeq,
  };
}

/**
 * The entity's version after the write: 1 for a create, one more than expected otherwise.
 * @internal
 */
export function nextVersion(entity: EntityWrite): number {
  return entity.type === 'create' ? 1 : entity.expectedVersion + 1;
}

/** The sequence of the aggregate's last event before the write (0 for a new entity). @internal */
export function previousSequence(entity: EntityWrite): number {
  return entity.type === 'create' ? 0 : entity.lastEventSeq;
}

/** Names the write touches that are the writer's own or part of the key. */
function reservedNameIssues(entity: EntityWrite, attributes: EntityAttributes): ValidationIssue[] {
  const own = new Set([attributes.version, attributes.lastEventSeq]);
  const key = new Set(Object.keys(entity.key));
  return touchedNames(entity).flatMap(({ name, path }): ValidationIssue[] => {
    if (own.has(name)) {
      return [
        { path, message: `'${name}' is maintained by the outbox writer and must not be set` },
      ];
    }
    // A create may repeat its key in the item, as long as the values agree.
    const repeatsKey = entity.type === 'create' && entity.item[name] === entity.key[name];
    if (!key.has(name) || repeatsKey) return [];
    return [{ path, message: `'${name}' is part of the key and cannot be changed` }];
  });
}

/** Every attribute name the write sets or removes, with where it is in the input. */
function touchedNames(entity: EntityWrite): { name: string; path: string }[] {
  if (entity.type === 'create') {
    return Object.keys(entity.item).map((name) => ({ name, path: `entity.item.${name}` }));
  }
  return [
    ...Object.keys(entity.set ?? {}).map((name) => ({ name, path: `entity.set.${name}` })),
    ...(entity.remove ?? []).map((name, i) => ({ name, path: `entity.remove[${i}]` })),
  ];
}

/** An update may not set an attribute it also removes. */
function setAndRemovedIssues(entity: EntityWrite): ValidationIssue[] {
  if (entity.type === 'create') return [];
  const removed = new Set(entity.remove ?? []);
  return Object.keys(entity.set ?? {})
    .filter((name) => removed.has(name))
    .map((name) => ({ path: `entity.set.${name}`, message: `'${name}' is both set and removed` }));
}

function createItem(
  entity: EntityCreate,
  attributes: EntityAttributes,
  version: number,
  lastSeq: number,
): TransactWriteItem {
  return {
    Put: {
      TableName: entity.tableName,
      Item: {
        ...entity.item,
        ...entity.key,
        [attributes.version]: version,
        [attributes.lastEventSeq]: lastSeq,
      },
      ConditionExpression: 'attribute_not_exists(#key)',
      ExpressionAttributeNames: { '#key': firstKeyName(entity) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

function updateItem(
  entity: EntityUpdate,
  attributes: EntityAttributes,
  version: number,
  lastSeq: number,
): TransactWriteItem {
  const condition = versionCondition(entity);
  const changes = changesOf(entity);
  return {
    Update: {
      TableName: entity.tableName,
      Key: { ...entity.key },
      UpdateExpression: changes.text,
      ConditionExpression: `${condition.text} AND ${sequenceCondition(entity)}`,
      ExpressionAttributeNames: {
        '#version': attributes.version,
        '#lastEventSeq': attributes.lastEventSeq,
        ...condition.names,
        ...changes.names,
      },
      ExpressionAttributeValues: {
        ':version': version,
        ':lastEventSeq': lastSeq,
        ':prevSeq': entity.lastEventSeq,
        ...condition.values,
        ...changes.values,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * Optimistic concurrency. Version 0 is an entity that predates the outbox (no version
 * attribute): it must exist (a key attribute is always present) and still have no version.
 */
function versionCondition(entity: EntityUpdate): Expression {
  if (entity.expectedVersion === 0) {
    return {
      text: 'attribute_exists(#key) AND attribute_not_exists(#version)',
      names: { '#key': firstKeyName(entity) },
      values: {},
    };
  }
  const values = { ':expectedVersion': entity.expectedVersion };
  return { text: '#version = :expectedVersion', names: {}, values };
}

/**
 * The sequence is checked with the version: a stale lastEventSeq would otherwise commit
 * duplicate sequences and a prevSeq that points at no record. An entity that predates the
 * outbox has no lastEventSeq yet, which counts as 0.
 */
function sequenceCondition(entity: EntityUpdate): string {
  return entity.lastEventSeq === 0
    ? '(attribute_not_exists(#lastEventSeq) OR #lastEventSeq = :prevSeq)'
    : '#lastEventSeq = :prevSeq';
}

/** The update expression: the writer's attributes, then the caller's set and remove. */
function changesOf(entity: EntityUpdate): Expression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = ['#version = :version', '#lastEventSeq = :lastEventSeq'];
  Object.entries(entity.set ?? {}).forEach(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  const removes = (entity.remove ?? []).map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  const remove = removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : '';
  return { text: `SET ${sets.join(', ')}${remove}`, names, values };
}

function firstKeyName(entity: EntityWrite): string {
  return Object.keys(entity.key)[0] as string;
}
