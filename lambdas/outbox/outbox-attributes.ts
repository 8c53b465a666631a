/** The attribute names of the outbox table's items, and the two kinds of item it holds. */

/** Attribute names of an outbox record. @internal */
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

/** Attribute names of an idempotency record. @internal */
export const IdempotencyAttribute = {
  requestHash: 'requestHash',
  response: 'response',
  createdAt: 'createdAt',
  expiresAt: 'expiresAt',
} as const;

/**
 * The TTL attribute, epoch seconds. Set on delivered records and idempotency records only.
 * @internal
 */
export const TTL_ATTRIBUTE = OutboxAttribute.expiresAt;

/** The two kinds of item the outbox table holds (its `recordType` attribute). */
export const RecordType = {
  /** A transaction's events, to be relayed. The stream filter passes only these. */
  outbox: 'OUTBOX',
  /** The stored response of an idempotent command. Never relayed. */
  idempotency: 'IDEMPOTENCY',
} as const;
/** The `recordType` of an outbox table item: `'OUTBOX'` or `'IDEMPOTENCY'`. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];
