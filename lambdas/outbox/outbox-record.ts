import type { OutboxStatus, RecordType } from './schema.js';

/**
 * One event inside an outbox record, stored exactly as the relay will send it: the
 * Detail is serialized once, at write time, so what was validated is what is published.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
 * import type { EventEnvelope, OutboxRecord, StoredEvent } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 *
 * // `detail` is the envelope exactly as consumers will receive it.
 * const envelopeOf = (event: StoredEvent) => JSON.parse(event.detail) as EventEnvelope;
 *
 * // The events of one order still in the outbox (delivered records expire after retention).
 * const { Items = [] } = await client.send(
 *   new QueryCommand({
 *     TableName: process.env.OUTBOX_TABLE_NAME ?? '',
 *     KeyConditionExpression: 'pk = :pk',
 *     ExpressionAttributeValues: { ':pk': 'Order#0193a8f2-7c1e-7d3a-9a55-2f0c1b6e8d41' },
 *   }),
 * );
 * for (const record of Items as OutboxRecord[]) {
 *   for (const event of record.events) {
 *     console.log(event.sequence, event.detailType, record.status, envelopeOf(event).data);
 *   }
 * }
 * ```
 */
export interface StoredEvent {
  readonly eventId: string;
  readonly sequence: number;
  readonly source: string;
  readonly detailType: string;
  /** The serialized {@link EventEnvelope}: PutEvents `Detail`, verbatim. */
  readonly detail: string;
  /** ISO-8601 `occurredAt`: PutEvents `Time`. */
  readonly time: string;
  readonly resources?: readonly string[];
  readonly traceHeader?: string;
}

/**
 * The outbox item of one committed transaction: every event it emitted, in order.
 * `prevSeq` is the sort key (as a number) of the aggregate's previous record, 0 for the
 * first: the relay publishes a record only once that predecessor is delivered.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { type OutboxRecord, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * // Log the record's key, to follow its events through the relay (or `dynamo-outbox inspect`).
 * const logCommitted = ({ pk, sk, eventCount, prevSeq }: OutboxRecord) =>
 *   console.log(`${pk}/${sk}: ${eventCount} event(s) after #${prevSeq}`);
 *
 * const orderId = randomUUID();
 * const result = await writer.write({
 *   aggregate: { type: 'Order', id: orderId },
 *   entity: {
 *     type: 'create',
 *     tableName: process.env.ORDERS_TABLE_NAME ?? '',
 *     key: { id: orderId },
 *     item: { status: 'PENDING', total: 1200, currency: 'EUR' },
 *   },
 *   events: [
 *     {
 *       source: 'com.example.orders',
 *       detailType: 'OrderCreated',
 *       detail: { orderId, total: 1200, currency: 'EUR' },
 *     },
 *   ],
 * });
 * if (result.outcome === 'committed') logCommitted(result.record);
 * ```
 */
export interface OutboxRecord {
  readonly pk: string;
  readonly sk: string;
  readonly recordType: typeof RecordType.outbox;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly prevSeq: number;
  readonly events: readonly StoredEvent[];
  readonly eventCount: number;
  readonly status: OutboxStatus;
  /** ISO-8601 commit time (the writer's clock). */
  readonly createdAt: string;
  /** Pending-index shard; present only while PENDING (sparse index). */
  readonly pendingShard?: number;
  readonly deliveredAt?: string;
  readonly failedAt?: string;
  readonly failure?: string;
  /** TTL, epoch seconds; set on delivery only. */
  readonly expiresAt?: number;
}
