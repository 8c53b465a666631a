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
