/** The attribute names of the outbox table's items, and the two kinds of item it holds. */

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

/** Attribute names of an idempotency record. */
export const IdempotencyAttribute = {
  requestHash: 'requestHash',
  response: 'response',
  createdAt: 'createdAt',
  expiresAt: 'expiresAt',
} as const;

/** The TTL attribute, epoch seconds. Set on delivered records and idempotency records only. */
export const TTL_ATTRIBUTE = OutboxAttribute.expiresAt;

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
