import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { interpretCancellation, type TransactionItemRole } from './cancellation.js';
import { buildEnvelope } from './envelope.js';
import {
  IdempotencyKeyReusedError,
  OutboxConfigError,
  OutboxValidationError,
  type ValidationIssue,
} from './errors.js';
import {
  buildIdempotencyRecord,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  type IdempotencyInput,
  idempotencyPk,
  isLive,
  requestHash,
} from './idempotency.js';
import { dynamoItemSize } from './item-size.js';
import { DEFAULT_MAX_REQUEST_BYTES, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES } from './limits.js';
import type { OutboxRecord, StoredEvent } from './outbox-record.js';
import { storedEventSize } from './put-events-entry.js';
import { retryTransientCancellations } from './retryable-cancellation.js';
import {
  aggregateKey,
  DEFAULT_PENDING_SHARDS,
  formatSeq,
  IDEMPOTENCY_SK,
  MAX_PENDING_SHARDS,
  OutboxStatus,
  PK,
  pendingShardOf,
  RecordType,
  SK,
} from './schema.js';
import {
  type EntityWrite,
  formatPath,
  idempotencyKeyShape,
  type OutboxWriteInput,
  outboxWriteInputSchema,
} from './write-input.js';
import {
  type WriterEnvironmentOptions,
  writerOptionsFromEnvironment,
} from './writer-environment.js';
import * as z from './zod.js';

/** A look-up's key and scope, checked like a write's `idempotency`. */
const idempotencyLookupSchema = z.strictObject(idempotencyKeyShape);

/**
 * Configuration of an {@link OutboxWriter}. A bad value throws `OutboxConfigError` in the
 * constructor.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxWriter, type OutboxWriterOptions } from 'dynamo-outbox/runtime';
 *
 * const options: OutboxWriterOptions = {
 *   // One client per container, reused by every invocation.
 *   client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
 *   tableName: process.env.OUTBOX_TABLE_NAME ?? '',
 *   // The account is still on 256 KB PutEvents (the construct's `maxRequestBytes: 262_144`):
 *   // reject an event too large at write time, not when the relay publishes it.
 *   maxEntryBytes: 262_144,
 *   // Mobile clients retry from an offline queue for up to a week.
 *   idempotencyTtlSeconds: 7 * 24 * 60 * 60,
 * };
 *
 * export const writer = new OutboxWriter(options);
 * ```
 */
export interface OutboxWriterOptions {
  /**
   * The document client to write with; create it once, at module scope. The writer adds a
   * middleware to it that marks transient transaction cancellations retryable, so every
   * `TransactWriteItems` sent through this client gets the SDK's retries for them.
   */
  readonly client: DynamoDBDocumentClient;
  /** Name of the outbox table (the construct's `table.tableName`). */
  readonly tableName: string;
  /**
   * Largest PutEvents entry accepted, by the documented entry-size formula.
   * @default - 1 MB (1,048,576 bytes); use 262,144 where the 256 KB limit still applies
   */
  readonly maxEntryBytes?: number;
  /**
   * Number of pending-index shards; must match what the sweeper queries.
   * @default - 16
   */
  readonly pendingShards?: number;
  /**
   * The only sources events may carry: those the outbox's bus accepts (the construct's
   * `eventSources`). An event with another source is refused at write time, before it
   * could reach the relay and be refused by the bus.
   * @default - any source
   */
  readonly eventSources?: readonly string[];
  /**
   * How long an idempotent response is replayed, in seconds.
   * @default - 86,400 (24 hours)
   */
  readonly idempotencyTtlSeconds?: number;
  /**
   * Entity attribute holding the optimistic-concurrency version.
   * @default - 'version'
   */
  readonly versionAttribute?: string;
  /**
   * Entity attribute holding the sequence of the aggregate's last event.
   * @default - 'lastEventSeq'
   */
  readonly lastEventSeqAttribute?: string;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - UUIDv7 (time-sortable) */
  readonly newEventId?: () => string;
}

/**
 * The result of a write.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { OutboxWriter, type OutboxWriteResult } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function createOrder(
 *   body: { customerId: string; total: number },
 *   idempotencyKey: string,
 * ): Promise<APIGatewayProxyResult> {
 *   const id = randomUUID();
 *   const order = { id, ...body, status: 'PENDING' };
 *   const tableName = process.env.ORDERS_TABLE_NAME ?? '';
 *   const result: OutboxWriteResult = await writer.write({
 *     aggregate: { type: 'Order', id },
 *     entity: { type: 'create', tableName, key: { id }, item: order },
 *     events: [{ source: 'com.example.orders', detailType: 'OrderCreated', detail: order }],
 *     idempotency: { key: idempotencyKey, request: body, response: { ...order, version: 1 } },
 *   });
 *   if (result.outcome === 'replayed') {
 *     // A retry of this request committed first: answer what it answered (its order, not `id`).
 *     return { statusCode: 201, body: JSON.stringify(result.response) };
 *   }
 *   return {
 *     statusCode: 201,
 *     headers: { ETag: `"${result.version}"` },
 *     body: JSON.stringify({ ...order, version: result.version }),
 *   };
 * }
 * ```
 */
export type OutboxWriteResult =
  | {
      readonly outcome: 'committed';
      /** The entity's version after the write. */
      readonly version: number;
      /** The sequence of the last event written. */
      readonly lastEventSeq: number;
      /** The outbox record as written. */
      readonly record: OutboxRecord;
    }
  | {
      /** The same idempotent request committed before: nothing was written. */
      readonly outcome: 'replayed';
      readonly response: unknown;
    };

/**
 * A transaction ready to send, and what each of its items is: what
 * {@link OutboxWriter.prepare} returns.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxWriter, type PreparedWrite } from 'dynamo-outbox/runtime';
 *
 * // A unit test of a command: prepare() builds the transaction without calling DynamoDB.
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
 * const writer = new OutboxWriter({ client, tableName: 'outbox' });
 *
 * const prepared: PreparedWrite = writer.prepare({
 *   aggregate: { type: 'Order', id: 'o-1' },
 *   entity: {
 *     type: 'update',
 *     tableName: 'orders',
 *     key: { id: 'o-1' },
 *     expectedVersion: 3,
 *     lastEventSeq: 2,
 *     set: { status: 'CANCELLED' },
 *   },
 *   events: [{ source: 'com.example.orders', detailType: 'OrderCancelled', detail: { orderId: 'o-1' } }],
 * });
 * assert.equal(prepared.version, 4);
 * assert.equal(prepared.record.events[0]?.sequence, 3);
 * assert.deepEqual(prepared.roles.map((r) => r.role), ['entity', 'outbox']);
 * ```
 */
export interface PreparedWrite {
  readonly command: TransactWriteCommandInput;
  readonly record: OutboxRecord;
  readonly version: number;
  readonly roles: readonly TransactionItemRole[];
}

/**
 * Writes an entity change and the events it causes in one `TransactWriteItems`: both
 * commit, or neither does. The relay later publishes the events, in order per aggregate.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * // Created once per container, reused by every invocation.
 * const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = new OutboxWriter({
 *   client: documentClient,
 *   tableName: process.env.OUTBOX_TABLE_NAME ?? '',
 * });
 *
 * const id = randomUUID();
 * await writer.write({
 *   aggregate: { type: 'Order', id },
 *   entity: {
 *     type: 'create',
 *     tableName: process.env.ORDERS_TABLE_NAME ?? '',
 *     key: { id },
 *     item: { status: 'PENDING', total: 1200 },
 *   },
 *   events: [{ source: 'com.example.orders', detailType: 'OrderCreated', detail: { id, total: 1200 } }],
 * });
 * ```
 */
export class OutboxWriter {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly maxEntryBytes: number;
  private readonly pendingShards: number;
  private readonly eventSources: readonly string[] | undefined;
  private readonly idempotencyTtlSeconds: number;
  private readonly versionAttribute: string;
  private readonly lastEventSeqAttribute: string;
  private readonly clock: () => Date;
  private readonly newEventId: () => string;

  /**
   * Creates a writer for the outbox `TransactionalOutbox.addWriter()` configured this
   * Lambda for: the table name, the pending-index shards the sweeper queries, the
   * largest entry the relay can publish and the sources the bus accepts come from the
   * environment, so they cannot drift from the deployment. Create it once, at module scope.
   *
   * @param env - where to read `OUTBOX_TABLE_NAME`, `OUTBOX_PENDING_SHARDS`,
   *   `OUTBOX_MAX_ENTRY_BYTES` and `OUTBOX_EVENT_SOURCES`; `process.env` unless given
   * @throws OutboxConfigError naming each missing or bad variable
   *
   * @example
   * ```ts
   * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
   * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
   * import { OutboxWriter } from 'dynamo-outbox/runtime';
   *
   * // In the stack: outbox.addWriter(createOrderFunction) sets the variables it reads.
   * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
   * export const writer = OutboxWriter.fromEnvironment({ client });
   * ```
   */
  static fromEnvironment(
    options: Omit<OutboxWriterOptions, keyof WriterEnvironmentOptions>,
    env: NodeJS.ProcessEnv = process.env,
  ): OutboxWriter {
    return new OutboxWriter({ ...options, ...writerOptionsFromEnvironment(env) });
  }

  constructor(options: OutboxWriterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.pendingShards = options.pendingShards ?? DEFAULT_PENDING_SHARDS;
    this.eventSources = options.eventSources;
    this.idempotencyTtlSeconds = options.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
    this.versionAttribute = options.versionAttribute ?? 'version';
    this.lastEventSeqAttribute = options.lastEventSeqAttribute ?? 'lastEventSeq';
    this.clock = options.clock ?? (() => new Date());
    this.newEventId = options.newEventId ?? uuidv7;
    if (!this.tableName) throw new OutboxConfigError('tableName must not be empty');
    if (this.eventSources?.length === 0) {
      throw new OutboxConfigError('eventSources must not be empty: leave it out to allow any');
    }
    positiveInteger('maxEntryBytes', this.maxEntryBytes);
    positiveInteger('pendingShards', this.pendingShards);
    if (this.pendingShards > MAX_PENDING_SHARDS) {
      throw new OutboxConfigError(
        `pendingShards must be at most ${MAX_PENDING_SHARDS} (the sweeper's limit), got ${this.pendingShards}`,
      );
    }
    positiveInteger('idempotencyTtlSeconds', this.idempotencyTtlSeconds);
    if (
      !this.versionAttribute ||
      !this.lastEventSeqAttribute ||
      this.versionAttribute === this.lastEventSeqAttribute
    ) {
      throw new OutboxConfigError(
        `versionAttribute and lastEventSeqAttribute must be distinct, non-empty names, got '${this.versionAttribute}' and '${this.lastEventSeqAttribute}'`,
      );
    }
    retryTransientCancellations(this.client);
  }

  /**
   * Commits the entity change and its events atomically.
   *
   * @throws OutboxValidationError before any call, when the input breaks a rule
   * @throws VersionConflictError, AggregateNotFoundError, AggregateAlreadyExistsError,
   *   IdempotencyKeyReusedError, SequenceConflictError, AdditionalItemConditionError
   *   when the transaction is cancelled for that reason
   * @throws WriteContentionError when contention outlasted the SDK's retries
   */
  async write(input: OutboxWriteInput): Promise<OutboxWriteResult> {
    const prepared = this.prepare(input);
    try {
      await this.client.send(new TransactWriteCommand(prepared.command));
    } catch (error) {
      const outcome = await interpretCancellation(error, prepared.roles, {
        aggregateKey: prepared.record.pk,
        versionAttribute: this.versionAttribute,
        lastEventSeqAttribute: this.lastEventSeqAttribute,
        now: this.clock(),
        loadEntity: () => this.loadEntity(input.entity),
      });
      if (outcome instanceof Error) throw outcome;
      return { outcome: 'replayed', response: outcome.response };
    }
    return {
      outcome: 'committed',
      version: prepared.version,
      lastEventSeq: prepared.record.events.at(-1)?.sequence ?? 0,
      record: prepared.record,
    };
  }

  /**
   * Looks up the stored response of an idempotent request, before doing any work.
   *
   * @returns the stored response, or undefined when the key is unused (or expired)
   * @throws OutboxValidationError before any call, when the key or the scope breaks the
   *   rules of a write's `idempotency`
   * @throws IdempotencyKeyReusedError when the key was used for a different request
   *
   * @example
   * ```ts
   * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
   * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
   * import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
   * import { OutboxWriter } from 'dynamo-outbox/runtime';
   *
   * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
   * const writer = OutboxWriter.fromEnvironment({ client });
   *
   * // Before doing any work: a retry of a committed POST /orders gets its answer again.
   * export async function replay(
   *   event: APIGatewayProxyEvent,
   * ): Promise<APIGatewayProxyResult | undefined> {
   *   const key = event.headers['Idempotency-Key'] ?? event.headers['idempotency-key'];
   *   if (key === undefined) return undefined;
   *   const body: unknown = JSON.parse(event.body ?? 'null');
   *   const previous = await writer.findIdempotentResponse({
   *     key,
   *     request: { method: event.httpMethod, path: event.path, body },
   *   });
   *   if (previous) return { statusCode: 201, body: JSON.stringify(previous.response) };
   *   return undefined; // first time: create the order, passing the same key and request
   * }
   * ```
   */
  async findIdempotentResponse(
    input: Pick<IdempotencyInput, 'key' | 'request' | 'scope'>,
  ): Promise<{ readonly response: unknown } | undefined> {
    // The same rules as a write's, so a bad key is a 4xx here too, not a DynamoDB error.
    const lookup = idempotencyLookupSchema.safeParse({ key: input.key, scope: input.scope });
    if (!lookup.success) {
      throw new OutboxValidationError(
        lookup.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      );
    }
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: idempotencyPk(input.key, input.scope), [SK]: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined || !isLive(Item, this.clock())) return undefined;
    if (Item.requestHash !== requestHash(input.request))
      throw new IdempotencyKeyReusedError(input.key);
    return { response: Item.response };
  }

  /**
   * Validates the input and builds the transaction without sending it.
   *
   * @throws OutboxValidationError when the input breaks a rule
   */
  prepare(input: OutboxWriteInput): PreparedWrite {
    const parsed = outboxWriteInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new OutboxValidationError(
        parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      );
    }
    const issues = [...this.entityIssues(input.entity), ...this.sourceIssues(input)];
    if (issues.length > 0) throw new OutboxValidationError(issues);

    const now = this.clock();
    const { type, id } = input.aggregate;
    const key = aggregateKey(type, id);
    const prevSeq = input.entity.type === 'create' ? 0 : input.entity.lastEventSeq;
    const events = input.events.map((event, i): StoredEvent => {
      const occurredAt = (event.time ?? now).toISOString();
      const eventId = this.newEventId();
      const envelope = buildEnvelope({
        eventId,
        aggregateType: type,
        aggregateId: id,
        sequence: prevSeq + i + 1,
        occurredAt,
        data: event.detail,
        correlationId: event.correlationId,
        causationId: event.causationId,
      });
      return {
        eventId,
        sequence: prevSeq + i + 1,
        source: event.source,
        detailType: event.detailType,
        detail: JSON.stringify(envelope),
        time: occurredAt,
        ...(event.resources === undefined ? {} : { resources: [...event.resources] }),
        ...(event.traceHeader === undefined ? {} : { traceHeader: event.traceHeader }),
      };
    });
    const lastSeq = prevSeq + events.length;
    const record: OutboxRecord = {
      pk: key,
      sk: formatSeq(lastSeq),
      recordType: RecordType.outbox,
      aggregateType: type,
      aggregateId: id,
      prevSeq,
      events,
      eventCount: events.length,
      status: OutboxStatus.pending,
      createdAt: now.toISOString(),
      pendingShard: pendingShardOf(key, this.pendingShards),
    };
    this.checkSizes(record);

    const version = input.entity.type === 'create' ? 1 : input.entity.expectedVersion + 1;
    const items: TransactWriteItem[] = [
      this.entityItem(input.entity, version, lastSeq),
      {
        Put: {
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        },
      },
    ];
    const roles: TransactionItemRole[] = [
      input.entity.type === 'create'
        ? { role: 'entity', change: 'create' }
        : {
            role: 'entity',
            change: 'update',
            expectedVersion: input.entity.expectedVersion,
            lastEventSeq: input.entity.lastEventSeq,
          },
      { role: 'outbox', sequence: lastSeq },
    ];
    if (input.idempotency) {
      const idempotencyRecord = buildIdempotencyRecord(
        input.idempotency,
        now,
        this.idempotencyTtlSeconds,
      );
      items.push({
        Put: {
          TableName: this.tableName,
          Item: idempotencyRecord,
          // An expired record may linger until TTL deletes it; it does not block the key.
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
      roles.push({
        role: 'idempotency',
        key: input.idempotency.key,
        requestHash: idempotencyRecord.requestHash,
      });
    }
    (input.additionalItems ?? []).forEach((item, index) => {
      items.push(item);
      roles.push({ role: 'additional', index });
    });
    this.checkTransactionSize(items);
    return { command: { TransactItems: items }, record, version, roles };
  }

  private entityIssues(entity: EntityWrite): ValidationIssue[] {
    const reserved = new Set([
      this.versionAttribute,
      this.lastEventSeqAttribute,
      ...Object.keys(entity.key),
    ]);
    const issues: ValidationIssue[] = [];
    const names =
      entity.type === 'create'
        ? Object.keys(entity.item).map((name) => ({ name, path: `entity.item.${name}` }))
        : [
            ...Object.keys(entity.set ?? {}).map((name) => ({ name, path: `entity.set.${name}` })),
            ...(entity.remove ?? []).map((name, i) => ({ name, path: `entity.remove[${i}]` })),
          ];
    for (const { name, path } of names) {
      if (!reserved.has(name)) continue;
      const own = name === this.versionAttribute || name === this.lastEventSeqAttribute;
      // A create may repeat its key in the item, as long as the values agree.
      if (!own && entity.type === 'create' && entity.item[name] === entity.key[name]) continue;
      issues.push({
        path,
        message: own
          ? `'${name}' is maintained by the outbox writer and must not be set`
          : `'${name}' is part of the key and cannot be changed`,
      });
    }
    if (entity.type === 'update') {
      const removed = new Set(entity.remove ?? []);
      for (const name of Object.keys(entity.set ?? {})) {
        if (removed.has(name)) {
          issues.push({ path: `entity.set.${name}`, message: `'${name}' is both set and removed` });
        }
      }
    }
    return issues;
  }

  /** Events whose source the outbox's bus would refuse (and the relay fail on, loudly). */
  private sourceIssues(input: OutboxWriteInput): ValidationIssue[] {
    const allowed = this.eventSources;
    if (allowed === undefined) return [];
    return input.events.flatMap((event, i) =>
      allowed.includes(event.source)
        ? []
        : [
            {
              path: `events[${i}].source`,
              message: `'${event.source}' is not a source of this outbox: ${allowed.map((s) => `'${s}'`).join(', ')}`,
            },
          ],
    );
  }

  private checkSizes(record: OutboxRecord): void {
    const issues: ValidationIssue[] = [];
    record.events.forEach((event, i) => {
      const size = storedEventSize(event);
      if (size > this.maxEntryBytes) {
        issues.push({
          path: `events[${i}]`,
          message: `PutEvents entry would be ${size} bytes; the limit is ${this.maxEntryBytes}`,
        });
      }
    });
    const itemBytes = dynamoItemSize(record as unknown as Record<string, unknown>);
    if (itemBytes > MAX_ITEM_BYTES) {
      issues.push({
        path: 'events',
        message: `outbox record would be ${itemBytes} bytes; DynamoDB items are limited to ${MAX_ITEM_BYTES}`,
      });
    }
    if (issues.length > 0) throw new OutboxValidationError(issues);
  }

  private checkTransactionSize(items: readonly TransactWriteItem[]): void {
    let total = 0;
    for (const item of items) {
      const body =
        item.Put?.Item ??
        item.Update?.ExpressionAttributeValues ??
        item.Delete?.Key ??
        item.ConditionCheck?.Key;
      total += body ? dynamoItemSize(body) : 0;
    }
    if (total > MAX_TRANSACTION_BYTES) {
      throw new OutboxValidationError([
        {
          path: '',
          message: `transaction would be about ${total} bytes; the limit is ${MAX_TRANSACTION_BYTES}`,
        },
      ]);
    }
  }

  private entityItem(entity: EntityWrite, version: number, lastSeq: number): TransactWriteItem {
    if (entity.type === 'create') {
      const firstKey = Object.keys(entity.key)[0] as string;
      return {
        Put: {
          TableName: entity.tableName,
          Item: {
            ...entity.item,
            ...entity.key,
            [this.versionAttribute]: version,
            [this.lastEventSeqAttribute]: lastSeq,
          },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': firstKey },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
    }
    const names: Record<string, string> = {
      '#version': this.versionAttribute,
      '#lastEventSeq': this.lastEventSeqAttribute,
    };
    const values: Record<string, unknown> = {
      ':version': version,
      ':lastEventSeq': lastSeq,
      ':prevSeq': entity.lastEventSeq,
    };
    // Version 0 is an entity that predates the outbox (no version attribute): it must exist
    // (a key attribute is always present) and still have no version.
    let versionCondition = '#version = :expectedVersion';
    if (entity.expectedVersion === 0) {
      names['#key'] = Object.keys(entity.key)[0] as string;
      versionCondition = 'attribute_exists(#key) AND attribute_not_exists(#version)';
    } else {
      values[':expectedVersion'] = entity.expectedVersion;
    }
    // The sequence is checked with the version: a stale lastEventSeq would otherwise
    // commit duplicate sequences and a prevSeq that points at no record. An entity that
    // predates the outbox has no lastEventSeq yet, which counts as 0.
    const sequenceCondition =
      entity.lastEventSeq === 0
        ? '(attribute_not_exists(#lastEventSeq) OR #lastEventSeq = :prevSeq)'
        : '#lastEventSeq = :prevSeq';
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
    return {
      Update: {
        TableName: entity.tableName,
        Key: { ...entity.key },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: `${versionCondition} AND ${sequenceCondition}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private async loadEntity(entity: EntityWrite): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: entity.tableName, Key: { ...entity.key }, ConsistentRead: true }),
    );
    return Item;
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutboxConfigError(`${name} must be a positive integer, got ${value}`);
  }
}
