import type { OutboxEventInput } from '../outbox/event-input.js';
import { type OrderAction, type OrderItem, TRANSITIONS } from './order.js';

/** EventBridge `Source` of the example service's events. */
export const ORDER_EVENT_SOURCE = 'com.example.orders';

/** Metadata every event of a request carries. */
export interface EventContext {
  readonly correlationId: string;
}

/** `OrderCreated`: the full order, so consumers need no call back. */
export function orderCreated(order: OrderItem, context: EventContext): OutboxEventInput {
  return {
    source: ORDER_EVENT_SOURCE,
    detailType: 'OrderCreated',
    detail: {
      orderId: order.id,
      customerId: order.customerId,
      items: order.items.map((line) => ({ ...line })),
      currency: order.currency,
      total: order.total,
      status: order.status,
    },
    time: new Date(order.createdAt),
    correlationId: context.correlationId,
  };
}

/** `OrderConfirmed` / `OrderCancelled` / `OrderShipped`, from the order after the transition. */
export function orderTransitioned(
  action: OrderAction,
  before: OrderItem,
  after: OrderItem,
  context: EventContext,
): OutboxEventInput {
  return {
    source: ORDER_EVENT_SOURCE,
    detailType: TRANSITIONS[action].event,
    detail: {
      orderId: after.id,
      customerId: after.customerId,
      previousStatus: before.status,
      status: after.status,
      total: after.total,
      currency: after.currency,
      ...(after.cancelReason !== undefined && action === 'cancel'
        ? { reason: after.cancelReason }
        : {}),
    },
    time: new Date(after.updatedAt),
    correlationId: context.correlationId,
  };
}
