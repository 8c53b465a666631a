import type { ConsumeContext, OutboxEventHandler } from '../consumer/index.js';
import type { EventEnvelope } from '../outbox/envelope.js';

/**
 * The example consumer: shipping reacts to order events. OrderConfirmed opens a shipment,
 * OrderCancelled closes it. The handler returns its write; the consumer kit commits it in
 * one transaction with the inbox record of the event, so a redelivered event is never
 * applied twice.
 *
 * It subscribes to two event types only, so it sees gaps in an order's sequence by
 * design: its inbox policy is `skip-stale` — a confirmation arriving after the
 * cancellation of the same order is stale and skipped, never shipped.
 *
 * The order is the envelope's `aggregateId`, never a copy inside `data`: the relay
 * publishes an event only under its record's key (`Order#<aggregateId>`), so the envelope
 * names the order the writer was allowed to write; `data` is whatever the writer put there.
 */
export function shippingHandler(shipmentsTableName: string): OutboxEventHandler {
  return async (envelope: EventEnvelope, context: ConsumeContext) => {
    const orderId = envelope.aggregateId;
    const now = new Date().toISOString();
    // The shipment as this event leaves it; other event types are not this consumer's
    // and are only recorded, so they are not retried.
    const shipment =
      context.event.detailType === 'OrderConfirmed'
        ? { status: 'READY', total: envelope.data.total, confirmedSequence: envelope.sequence }
        : context.event.detailType === 'OrderCancelled'
          ? { status: 'CANCELLED', reason: envelope.data.reason ?? null }
          : undefined;
    // Returned, not sent: the kit commits them with the inbox's record, atomically.
    return shipment === undefined
      ? []
      : [
          {
            Put: { TableName: shipmentsTableName, Item: { orderId, ...shipment, updatedAt: now } },
          },
        ];
  };
}
