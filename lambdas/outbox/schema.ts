/**
 * The outbox table schema: key and attribute names, statuses, the pending index.
 *
 * This file is the one source of truth for the table layout. The CDK construct, the
 * local runtime, the writer, the relay and the sweeper all read it; nothing else spells
 * an attribute name.
 */

/** Partition key: the aggregate key, `<aggregateType>#<aggregateId>`. */
export const PK = 'pk';
/** Sort key: the zero-padded sequence of the record's last event. */
export const SK = 'sk';

/** Attribute names of an outbox record. */
export const OutboxAttribute = {
  recordType: 'recordType',
  aggregateType: 'aggregateType',
  aggregateId: 'aggregateId',
  prevSeq: 'prevSeq',
  events: 'events',
  eventCount: 'eventCount',
  status: 'status',
  createdAt: 'createdAt',
  pendingShard: 'pendingShard',
  deliveredAt: 'deliveredAt',
  failedAt: 'failedAt',
  failure: 'failure',
  expiresAt: 'expiresAt',
} as const;

/**
 * Discriminates the two kinds of item the outbox table holds.
 *
 * @example
 * ```ts
 * import type { AttributeValue } from '@aws-sdk/client-dynamodb';
 * import { unmarshall } from '@aws-sdk/util-dynamodb';
 * import type { DynamoDBStreamEvent } from 'aws-lambda';
 * import { type OutboxRecord, RecordType } from 'dynamo-outbox/runtime';
 *
 * // An audit Lambda on the outbox table's stream. The table also holds the stored
 * // responses of idempotent commands: only OUTBOX items carry events.
 * export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
 *   for (const { eventName, dynamodb } of event.Records) {
 *     if (eventName !== 'INSERT' || dynamodb?.NewImage === undefined) continue;
 *     const item = unmarshall(dynamodb.NewImage as Record<string, AttributeValue>);
 *     if (item.recordType !== RecordType.outbox) continue;
 *     const record = item as OutboxRecord;
 *     console.log(`${record.pk}: ${record.eventCount} event(s) committed at ${record.createdAt}`);
 *   }
 * };
 * ```
 */
export const RecordType = {
  /** A transaction's events, to be relayed. The stream filter passes only these. */
  outbox: 'OUTBOX',
  /** The stored response of an idempotent command. Never relayed. */
  idempotency: 'IDEMPOTENCY',
} as const;
/**
 * The `recordType` of an item of the outbox table: `'OUTBOX'` or `'IDEMPOTENCY'`.
 *
 * @example
 * ```ts
 * import { RecordType } from 'dynamo-outbox/runtime';
 *
 * // What an item of the outbox table is, e.g. in a script that reads a table export.
 * function describeItem(item: { readonly pk: string; readonly recordType: RecordType }): string {
 *   return item.recordType === RecordType.outbox
 *     ? `events of ${item.pk}, relayed to EventBridge`
 *     : `stored response of an idempotent command (${item.pk}), never relayed`;
 * }
 *
 * console.log(describeItem({ pk: 'Order#42', recordType: RecordType.outbox }));
 * ```
 */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/**
 * Lifecycle of an outbox record: PENDING → DELIVERED, or PENDING → FAILED (quarantined).
 *
 * @example
 * ```ts
 * import { type OutboxRecord, OutboxStatus } from 'dynamo-outbox/runtime';
 *
 * // What a support script says about one transaction's events.
 * function explain(record: OutboxRecord): string {
 *   switch (record.status) {
 *     case OutboxStatus.pending:
 *       return `${record.pk}/${record.sk}: waiting for the relay (or the sweeper)`;
 *     case OutboxStatus.delivered:
 *       return `${record.pk}/${record.sk}: published at ${record.deliveredAt ?? '?'}`;
 *     case OutboxStatus.failed:
 *       // Quarantined: the whole record is in the poison-record DLQ.
 *       return `${record.pk}/${record.sk}: quarantined (${record.failure ?? ''})`;
 *   }
 * }
 * ```
 */
export const OutboxStatus = {
  pending: 'PENDING',
  delivered: 'DELIVERED',
  failed: 'FAILED',
} as const;
/**
 * The `status` of an outbox record: `'PENDING'`, `'DELIVERED'` or `'FAILED'`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
 * import type { OutboxRecord, OutboxStatus } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 *
 * // undefined: no such record, or it was delivered and has expired (TTL) since.
 * async function statusOf(
 *   key: Pick<OutboxRecord, 'pk' | 'sk'>,
 * ): Promise<OutboxStatus | undefined> {
 *   const { Item } = await client.send(
 *     new GetCommand({
 *       TableName: process.env.OUTBOX_TABLE_NAME ?? '',
 *       Key: { pk: key.pk, sk: key.sk },
 *       ConsistentRead: true,
 *     }),
 *   );
 *   return (Item as OutboxRecord | undefined)?.status;
 * }
 * ```
 */
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];

/**
 * The sparse index of pending records. Its partition key is present only while a record
 * is PENDING, so the index holds exactly the records the sweeper may have to deliver.
 * Sharding spreads write load: one index partition per shard instead of one hot key.
 */
export const PENDING_INDEX_NAME = 'pending-by-age';
/** Number of pending-index shards. A record's shard is a hash of its aggregate key. */
export const DEFAULT_PENDING_SHARDS = 16;
/** Most pending-index shards the sweeper queries (one query per shard per run). */
export const MAX_PENDING_SHARDS = 1_000;

/** Attribute names of an idempotency record. */
export const IdempotencyAttribute = {
  requestHash: 'requestHash',
  response: 'response',
  createdAt: 'createdAt',
  expiresAt: 'expiresAt',
} as const;

/** Sort key value of every idempotency record. */
export const IDEMPOTENCY_SK = 'IDEMPOTENCY';
/** Prefix of an idempotency record's partition key; cannot clash with an aggregate key. */
export const IDEMPOTENCY_PK_PREFIX = 'IDEMPOTENCY#';

/** The TTL attribute, epoch seconds. Set on delivered records and idempotency records only. */
export const TTL_ATTRIBUTE = OutboxAttribute.expiresAt;

/** Width of a zero-padded sequence: wide enough for every safe integer, so keys sort numerically. */
export const SEQ_WIDTH = 16;
/** Largest sequence: the largest integer a JavaScript number holds exactly (16 digits). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * Formats a per-aggregate sequence as an outbox sort key.
 *
 * @example
 * formatSeq(42); // '0000000000000042'
 */
export function formatSeq(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) {
    throw new RangeError(`sequence must be an integer in 0..${MAX_SEQ}, got ${seq}`);
  }
  return seq.toString().padStart(SEQ_WIDTH, '0');
}

/**
 * Parses an outbox sort key back to its sequence.
 *
 * @example
 * parseSeq('0000000000000042'); // 42
 */
export function parseSeq(sk: string): number {
  const seq = sequenceOf(sk);
  if (seq === undefined) throw new RangeError(`not an outbox sequence: '${sk}'`);
  return seq;
}

/**
 * The sequence an outbox sort key holds, or undefined for anything else (a malformed
 * image's key may be of any type).
 *
 * @example
 * sequenceOf('0000000000000042'); // 42
 * sequenceOf('not-a-sequence'); // undefined
 */
export function sequenceOf(sk: unknown): number | undefined {
  const seq = typeof sk === 'string' && /^\d{1,16}$/.test(sk) ? Number(sk) : Number.NaN;
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/**
 * The outbox partition key of an aggregate.
 *
 * @example
 * aggregateKey('Order', '0193...'); // 'Order#0193...'
 */
export function aggregateKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}#${aggregateId}`;
}

/**
 * The pending-index shard of an aggregate: FNV-1a of its key, so that all records of
 * one aggregate share a shard and the sweeper finds them together.
 *
 * @example
 * pendingShardOf('Order#42', 16); // a stable integer in 0..15
 */
export function pendingShardOf(key: string, shards: number = DEFAULT_PENDING_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * A key attribute as the table definition describes it.
 *
 * @example
 * ```ts
 * import type { AttributeDefinition } from '@aws-sdk/client-dynamodb';
 * import {
 *   type KeyAttributeDefinition,
 *   outboxTableDefinition,
 *   type TableDefinition,
 * } from 'dynamo-outbox/runtime';
 *
 * // CreateTable wants every key attribute (table and indexes) declared once, with its type.
 * function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
 *   const keys: KeyAttributeDefinition[] = [table.partitionKey];
 *   if (table.sortKey) keys.push(table.sortKey);
 *   for (const index of table.globalSecondaryIndexes) {
 *     keys.push(index.partitionKey, ...(index.sortKey ? [index.sortKey] : []));
 *   }
 *   const byName = new Map(keys.map((key) => [key.name, key.type]));
 *   return [...byName].map(([name, type]) => ({ AttributeName: name, AttributeType: type }));
 * }
 *
 * console.log(attributeDefinitions(outboxTableDefinition));
 * ```
 */
export interface KeyAttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/**
 * A global secondary index as the table definition describes it.
 *
 * @example
 * ```ts
 * import type { GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
 * import { type IndexDefinition, outboxTableDefinition } from 'dynamo-outbox/runtime';
 *
 * // The index as CreateTable takes it (on-demand billing: no throughput to set).
 * function toGlobalSecondaryIndex(index: IndexDefinition): GlobalSecondaryIndex {
 *   return {
 *     IndexName: index.indexName,
 *     KeySchema: [
 *       { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
 *       ...(index.sortKey
 *         ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
 *         : []),
 *     ],
 *     Projection: { ProjectionType: index.projection },
 *   };
 * }
 *
 * // The outbox's sparse pending index, which the sweeper queries.
 * const indexes = outboxTableDefinition.globalSecondaryIndexes.map(toGlobalSecondaryIndex);
 * ```
 */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

/**
 * A DynamoDB table layout, independent of CDK and of the SDK, so that the construct and
 * the local runtime create the very same table.
 *
 * @example
 * ```ts
 * import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
 * import {
 *   inboxTableDefinition,
 *   outboxTableDefinition,
 *   type TableDefinition,
 * } from 'dynamo-outbox/runtime';
 *
 * const dynamo = new DynamoDBClient({ endpoint: 'http://localhost:8000', region: 'us-east-1' });
 *
 * // CreateTable takes no TTL: turn it on once the table exists, as the construct does.
 * async function enableTtl(tableName: string, table: TableDefinition): Promise<void> {
 *   if (table.timeToLiveAttribute === undefined) return;
 *   await dynamo.send(
 *     new UpdateTimeToLiveCommand({
 *       TableName: tableName,
 *       TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
 *     }),
 *   );
 * }
 *
 * await enableTtl('orders-outbox', outboxTableDefinition);
 * await enableTtl('shipping-inbox', inboxTableDefinition);
 * ```
 */
export interface TableDefinition {
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute?: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE';
}

/**
 * The outbox table. The stream carries new images (the relay needs the events); the
 * pending index projects keys only: the sweeper reads the records themselves with a
 * consistent query per aggregate, which it needs for ordering anyway.
 *
 * @example
 * ```ts
 * import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { type KeyAttributeDefinition, outboxTableDefinition } from 'dynamo-outbox/runtime';
 *
 * // An integration test's outbox table in DynamoDB Local, laid out as the construct does it.
 * const dynamo = new DynamoDBClient({ endpoint: 'http://localhost:8000', region: 'us-east-1' });
 * const { partitionKey, sortKey, globalSecondaryIndexes, stream } = outboxTableDefinition;
 * const keySchema = (hash: KeyAttributeDefinition, range?: KeyAttributeDefinition) => [
 *   { AttributeName: hash.name, KeyType: 'HASH' as const },
 *   ...(range ? [{ AttributeName: range.name, KeyType: 'RANGE' as const }] : []),
 * ];
 * // Every key attribute once, with its type: the table's and the pending index's.
 * const indexKeys = globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]);
 * const keys = [partitionKey, sortKey, ...indexKeys].filter((key) => key !== undefined);
 * const types = new Map(keys.map((key) => [key.name, key.type]));
 * await dynamo.send(
 *   new CreateTableCommand({
 *     TableName: 'orders-outbox',
 *     BillingMode: 'PAY_PER_REQUEST',
 *     KeySchema: keySchema(partitionKey, sortKey),
 *     AttributeDefinitions: [...types].map(([name, type]) => ({
 *       AttributeName: name,
 *       AttributeType: type,
 *     })),
 *     GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
 *       IndexName: index.indexName,
 *       KeySchema: keySchema(index.partitionKey, index.sortKey),
 *       Projection: { ProjectionType: index.projection },
 *     })),
 *     // The relay's tests read new images from the stream, as in AWS.
 *     ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
 *   }),
 * );
 * ```
 */
export const outboxTableDefinition: TableDefinition = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: PENDING_INDEX_NAME,
      partitionKey: { name: OutboxAttribute.pendingShard, type: 'N' },
      sortKey: { name: OutboxAttribute.createdAt, type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
  stream: 'NEW_IMAGE',
};

/**
 * The Lambda event-filter pattern that passes exactly the stream records the relay needs:
 * outbox items that appear PENDING. Lambda's DynamoDB filtering documents only the
 * `dynamodb` key, so the pattern does not rely on `eventName`: an INSERT of an outbox
 * record carries `status = PENDING`; our own marking (MODIFY) carries DELIVERED or FAILED;
 * a TTL deletion (REMOVE) has no new image; idempotency records have another
 * `recordType`. The relay still checks `eventName` itself.
 *
 * @example
 * ```ts
 * import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
 * import { OUTBOX_STREAM_FILTER_PATTERN } from 'dynamo-outbox/runtime';
 *
 * // A second reader of the outbox stream (an audit trail of committed events) that is
 * // invoked for the relay's records only: no markings, TTL deletions or idempotency items.
 * await new LambdaClient({}).send(
 *   new CreateEventSourceMappingCommand({
 *     FunctionName: 'orders-outbox-audit',
 *     EventSourceArn: process.env.OUTBOX_STREAM_ARN ?? '',
 *     StartingPosition: 'LATEST',
 *     FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_STREAM_FILTER_PATTERN) }] },
 *   }),
 * );
 * ```
 */
export const OUTBOX_STREAM_FILTER_PATTERN = {
  dynamodb: {
    NewImage: {
      [OutboxAttribute.recordType]: { S: [RecordType.outbox] },
      [OutboxAttribute.status]: { S: [OutboxStatus.pending] },
    },
  },
} as const;
