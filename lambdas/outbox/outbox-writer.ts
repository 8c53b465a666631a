import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { type Replay, replayOrThrow, type TransactionItemRole } from './cancellation.js';
import {
  type EntityAttributes,
  entityIssues,
  entityItem,
  entityRole,
  nextVersion,
  previousSequence,
} from './entity-item.js';
import { buildEnvelope } from './envelope.js';
import {
  IdempotencyKeyReusedError,
  OutboxConfigError,
  OutboxValidationError,
  type ValidationIssue,
} from './errors.js';
import type { OutboxEventInput } from './event-input.js';
import {
  buildIdempotencyRecord,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  type IdempotencyInput,
  idempotencyPk,
  isLive,
  requestHash,
} from './idempotency.js';
import { dynamoItemSize } from './item-size.js';
import { MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES } from './limits.js';
import { RecordType } from './outbox-attributes.js';
import { aggregateKey, IDEMPOTENCY_SK, PK, SK } from './outbox-keys.js';
import type { OutboxRecord, StoredEvent } from './outbox-record.js';
import { OutboxStatus } from './outbox-status.js';
import { DEFAULT_PENDING_SHARDS, MAX_PENDING_SHARDS, pendingShardOf } from './pending-shards.js';
import { DEFAULT_MAX_REQUEST_BYTES, storedEventSize } from './put-events-entry.js';
import { retryTransientCancellations } from './retryable-cancellation.js';
import { formatSeq } from './sequence.js';
import {
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
 */
export interface OutboxWriterOptions {
  /**
   * The document client to write with; create it once, at module scope. See
   * `retryTransientCancellations` for the one middleware the writer adds to it.
   */
  readonly client: DynamoDBDocumentClient;
  /**
   * Adds one middleware to `client` (and so to the `DynamoDBClient` it wraps) that marks a
   * transaction cancelled only by contention or throttling as retryable, so the client's
   * own retry strategy resends it (the SDK does not retry `TransactionCanceledException`).
   * It applies to every `TransactWriteItems` sent through that client, not only the
   * writer's. With `false` the client is left untouched and such a write fails at once
   * with `WriteContentionError`.
   * @default - true
   */
  readonly retryTransientCancellations?: boolean;
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
  private readonly attributes: EntityAttributes;
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
    this.attributes = {
      version: options.versionAttribute ?? 'version',
      lastEventSeq: options.lastEventSeqAttribute ?? 'lastEventSeq',
    };
    this.clock = options.clock ?? (() => new Date());
    this.newEventId = options.newEventId ?? uuidv7;
    const retry = options.retryTransientCancellations ?? true;
    this.validateConfiguration(retry);
    if (retry) retryTransientCancellations(this.client);
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
    const replay = await this.commit(prepared, input);
    if (replay) return { outcome: 'replayed', response: replay.response };
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
    this.validate(input);
    const now = this.clock();
    const record = this.buildRecord(input, now);
    this.checkRecordSize(record);
    const version = nextVersion(input.entity);
    const parts = this.transactionParts(input, record, version, now);
    const items = parts.map((part) => part.item);
    checkTransactionSize(items);
    return { command: { TransactItems: items }, record, version, roles: parts.map((p) => p.role) };
  }

  /** Sends the transaction; a cancellation throws its typed error, or returns a replay. */
  private async commit(
    prepared: PreparedWrite,
    input: OutboxWriteInput,
  ): Promise<Replay | undefined> {
    try {
      await this.client.send(new TransactWriteCommand(prepared.command));
      return undefined;
    } catch (error) {
      return replayOrThrow(error, prepared.roles, {
        aggregateKey: prepared.record.pk,
        versionAttribute: this.attributes.version,
        lastEventSeqAttribute: this.attributes.lastEventSeq,
        now: this.clock(),
        loadEntity: () => this.loadEntity(input),
      });
    }
  }

  /** Throws `OutboxConfigError` naming the first bad option. */
  private validateConfiguration(retry: unknown): void {
    if (!this.tableName) throw new OutboxConfigError('tableName must not be empty');
    positiveInteger('maxEntryBytes', this.maxEntryBytes);
    positiveInteger('pendingShards', this.pendingShards);
    if (this.pendingShards > MAX_PENDING_SHARDS) {
      throw new OutboxConfigError(
        `pendingShards must be at most ${MAX_PENDING_SHARDS} (the sweeper's limit), got ${this.pendingShards}`,
      );
    }
    if (this.eventSources?.length === 0) {
      throw new OutboxConfigError('eventSources must not be empty: leave it out to allow any');
    }
    positiveInteger('idempotencyTtlSeconds', this.idempotencyTtlSeconds);
    const { version, lastEventSeq } = this.attributes;
    if (!version || !lastEventSeq || version === lastEventSeq) {
      throw new OutboxConfigError(
        `versionAttribute and lastEventSeqAttribute must be distinct, non-empty names, got '${version}' and '${lastEventSeq}'`,
      );
    }
    if (typeof retry !== 'boolean') {
      throw new OutboxConfigError(
        `retryTransientCancellations must be true or false, got ${String(retry)}`,
      );
    }
  }

  /** Throws `OutboxValidationError` listing every rule the input breaks. */
  private validate(input: OutboxWriteInput): void {
    const parsed = outboxWriteInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new OutboxValidationError(
        parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      );
    }
    const issues = [...entityIssues(input.entity, this.attributes), ...this.sourceIssues(input)];
    if (issues.length > 0) throw new OutboxValidationError(issues);
  }

  /** The outbox record: the events numbered on from the entity's lastEventSeq, PENDING. */
  private buildRecord(input: OutboxWriteInput, now: Date): OutboxRecord {
    const { type, id } = input.aggregate;
    const key = aggregateKey(type, id);
    const prevSeq = previousSequence(input.entity);
    const events = input.events.map((event, i) =>
      this.storedEvent(input.aggregate, event, prevSeq + i + 1, now),
    );
    return {
      pk: key,
      sk: formatSeq(prevSeq + events.length),
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
  }

  /** One event as the relay will send it: its envelope serialized now, once. */
  private storedEvent(
    aggregate: OutboxWriteInput['aggregate'],
    event: OutboxEventInput,
    sequence: number,
    now: Date,
  ): StoredEvent {
    const occurredAt = (event.time ?? now).toISOString();
    const eventId = this.newEventId();
    const envelope = buildEnvelope({
      eventId,
      aggregateType: aggregate.type,
      aggregateId: aggregate.id,
      sequence,
      occurredAt,
      data: event.detail,
      correlationId: event.correlationId,
      causationId: event.causationId,
    });
    return {
      eventId,
      sequence,
      source: event.source,
      detailType: event.detailType,
      detail: JSON.stringify(envelope),
      time: occurredAt,
      ...(event.resources === undefined ? {} : { resources: [...event.resources] }),
      ...(event.traceHeader === undefined ? {} : { traceHeader: event.traceHeader }),
    };
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

  /** Each event's PutEvents entry within `maxEntryBytes`, the record within one item. */
  private checkRecordSize(record: OutboxRecord): void {
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

  /**
   * The transaction's items with their roles, in `TransactItems` order: the entity, the
   * outbox record, the idempotency record when asked for, then the caller's items.
   */
  private transactionParts(
    input: OutboxWriteInput,
    record: OutboxRecord,
    version: number,
    now: Date,
  ): TransactionPart[] {
    const lastSeq = lastSequence(record);
    const additional = (input.additionalItems ?? []).map(
      (item, index): TransactionPart => ({ item, role: { role: 'additional', index } }),
    );
    return [
      {
        item: entityItem(input.entity, this.attributes, version, lastSeq),
        role: entityRole(input.entity),
      },
      { item: this.outboxPut(record), role: { role: 'outbox', sequence: lastSeq } },
      ...(input.idempotency ? [this.idempotencyPart(input.idempotency, now)] : []),
      ...additional,
    ];
  }

  private outboxPut(record: OutboxRecord): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: record,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
  }

  private idempotencyPart(idempotency: IdempotencyInput, now: Date): TransactionPart {
    const record = buildIdempotencyRecord(idempotency, now, this.idempotencyTtlSeconds);
    const item: TransactWriteItem = {
      Put: {
        TableName: this.tableName,
        Item: record,
        // An expired record may linger until TTL deletes it; it does not block the key.
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
        ExpressionAttributeNames: { '#pk': PK, '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    const role: TransactionItemRole = {
      role: 'idempotency',
      key: idempotency.key,
      requestHash: record.requestHash,
    };
    return { item, role };
  }

  private async loadEntity(input: OutboxWriteInput): Promise<Record<string, unknown> | undefined> {
    const { tableName, key } = input.entity;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: tableName, Key: { ...key }, ConsistentRead: true }),
    );
    return Item;
  }
}

/** One item of the transaction and what it is. */
interface TransactionPart {
  readonly item: TransactWriteItem;
  readonly role: TransactionItemRole;
}

/** The sequence of the record's last event: what the entity's lastEventSeq becomes. */
function lastSequence(record: OutboxRecord): number {
  return record.prevSeq + record.eventCount;
}

/** The whole transaction within the 4 MB TransactWriteItems limit (item bodies only). */
function checkTransactionSize(items: readonly TransactWriteItem[]): void {
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

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutboxConfigError(`${name} must be a positive integer, got ${value}`);
  }
}
