import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsumeContext, OutboxEventHandler } from '../consumer/index.js';
import type { EventEnvelope } from '../outbox/envelope.js';

/**
 * The example consumer: shipping reacts to order events. OrderConfirmed opens a shipment,
 * OrderCancelled closes it. Each change commits in one transaction with the inbox record
 * of the event, so a redelivered event is never applied twice.
 *
 * It subscribes to two event types only, so it sees gaps in an order's sequence by
 * design: its inbox policy is `skip-stale` — a confirmation arriving after the
 * cancellation of the same order is stale and skipped, never shipped.
 *
 * @example
 * export const handler = sqsOutboxConsumer(inbox, shippingHandler(client, 'shipments'));
 */
export function shippingHandler(
  client: DynamoDBDocumentClient,
  shipmentsTableName: string,
): OutboxEventHandler {
  return async (envelope: EventEnvelope, context: ConsumeContext) => {
    const orderId = String(envelope.data.orderId ?? envelope.aggregateId);
    const now = new Date().toISOString();
    const inbox = context.inTransaction();
    // The shipment as this event leaves it; other event types are not this consumer's
    // and are only recorded, so they are not retried.
    const shipment =
      context.event.detailType === 'OrderConfirmed'
        ? { status: 'READY', total: envelope.data.total, confirmedSequence: envelope.sequence }
        : context.event.detailType === 'OrderCancelled'
          ? { status: 'CANCELLED', reason: envelope.data.reason ?? null }
          : undefined;
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          ...(shipment === undefined
            ? []
            : [
                {
                  Put: {
                    TableName: shipmentsTableName,
                    Item: { orderId, ...shipment, updatedAt: now },
                  },
                },
              ]),
          ...inbox,
        ],
      }),
    );
  };
}
