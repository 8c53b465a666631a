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

/** Discriminates the two kinds of item the outbox table holds. */
export const RecordType = {
  /** A transaction's events, to be relayed. The stream filter passes only these. */
  outbox: 'OUTBOX',
  /** The stored response of an idempotent command. Never relayed. */
  idempotency: 'IDEMPOTENCY',
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Lifecycle of an outbox record: PENDING → DELIVERED, or PENDING → FAILED (quarantined). */
export const OutboxStatus = {
  pending: 'PENDING',
  delivered: 'DELIVERED',
  failed: 'FAILED',
} as const;
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];

/**
 * The sparse index of pending records. Its partition key is present only while a record
 * is PENDING, so the index holds exactly the records the sweeper may have to deliver.
 * Sharding spreads write load: one index partition per shard instead of one hot key.
 */
export const PENDING_INDEX_NAME = 'pending-by-age';
/** Number of pending-index shards. A record's shard is a hash of its aggregate key. */
export const DEFAULT_PENDING_SHARDS = 16;

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
  const seq = /^\d{1,16}$/.test(sk) ? Number(sk) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw new RangeError(`not an outbox sequence: '${sk}'`);
  return seq;
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

/** A key attribute as the table definition describes it. */
export interface KeyAttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index as the table definition describes it. */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

/**
 * A DynamoDB table layout, independent of CDK and of the SDK, so that the construct and
 * the local runtime create the very same table.
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
 */
export const OUTBOX_STREAM_FILTER_PATTERN = {
  dynamodb: {
    NewImage: {
      [OutboxAttribute.recordType]: { S: [RecordType.outbox] },
      [OutboxAttribute.status]: { S: [OutboxStatus.pending] },
    },
  },
} as const;
