/**
 * The Detail of every event the relay publishes. Consumers de-duplicate on `eventId` and
 * detect gaps or reordering with `sequence`, which is contiguous per aggregate.
 *
 * @example
 * ```ts
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import type { EventEnvelope } from 'dynamo-outbox/runtime';
 *
 * // The `detail` the Orders service puts in its OrderCreated events.
 * interface OrderCreated {
 *   readonly orderId: string;
 *   readonly customerId: string;
 *   readonly total: number;
 *   readonly currency: string;
 * }
 *
 * // Shipping, target of a rule on source 'com.example.orders', detail-type 'OrderCreated'.
 * // EventBridge may deliver twice and out of order: an Inbox (eventBridgeOutboxConsumer)
 * // de-duplicates on eventId and orders by sequence.
 * export const handler = async (
 *   event: EventBridgeEvent<'OrderCreated', EventEnvelope<OrderCreated>>,
 * ): Promise<void> => {
 *   const { eventId, aggregateId, sequence, occurredAt, data } = event.detail;
 *   console.log(`order ${aggregateId} #${sequence} (${eventId}), ${occurredAt}`);
 *   console.log(`prepare a shipment worth ${data.total} ${data.currency}`);
 * };
 * ```
 */
export interface EventEnvelope<TData = Record<string, unknown>> {
  /** Stable, time-sortable id (UUIDv7); the same on every re-delivery. */
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Per-aggregate sequence: 1, 2, 3 … with no gap. */
  readonly sequence: number;
  /** ISO-8601 time the event happened; also the PutEvents `Time`. */
  readonly occurredAt: string;
  /** The domain payload. */
  readonly data: TData;
  readonly metadata: EventMetadata;
}

/**
 * Tracing fields that travel with an event.
 *
 * @example
 * ```ts
 * import type { EventEnvelope, EventMetadata, OutboxEventInput } from 'dynamo-outbox/runtime';
 *
 * // The shipping service's own events carry the order flow's correlation id on, and name the
 * // order event that caused them, so that a trace joins both services.
 * function causedBy(cause: EventEnvelope): EventMetadata {
 *   const { correlationId } = cause.metadata;
 *   return correlationId === undefined
 *     ? { causationId: cause.eventId }
 *     : { correlationId, causationId: cause.eventId };
 * }
 *
 * function shipmentOpened(cause: EventEnvelope, shipmentId: string): OutboxEventInput {
 *   return {
 *     source: 'com.example.shipping',
 *     detailType: 'ShipmentOpened',
 *     detail: { shipmentId, orderId: cause.aggregateId },
 *     ...causedBy(cause),
 *   };
 * }
 * ```
 */
export interface EventMetadata {
  /** Id of the request or flow that caused the event. */
  readonly correlationId?: string;
  /** Id of the message (command or event) that directly caused this event. */
  readonly causationId?: string;
}

/**
 * Builds an envelope; omits metadata fields that are not set, so the Detail carries no
 * `null`s.
 *
 * @example
 * buildEnvelope({ eventId, aggregateType: 'Order', aggregateId: id, sequence: 1,
 *   occurredAt: new Date().toISOString(), data: { total: 1200 }, correlationId: 'req-1' });
 */
export function buildEnvelope<TData>(input: {
  eventId: string;
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  occurredAt: string;
  data: TData;
  correlationId?: string | undefined;
  causationId?: string | undefined;
}): EventEnvelope<TData> {
  const metadata: { correlationId?: string; causationId?: string } = {};
  if (input.correlationId !== undefined) metadata.correlationId = input.correlationId;
  if (input.causationId !== undefined) metadata.causationId = input.causationId;
  return {
    eventId: input.eventId,
    aggregateType: input.aggregateType,
    aggregateId: input.aggregateId,
    sequence: input.sequence,
    occurredAt: input.occurredAt,
    data: input.data,
    metadata,
  };
}
