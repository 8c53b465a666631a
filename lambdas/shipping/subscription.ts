import { ORDER_EVENT_SOURCE } from '../orders/order-events.js';
import { ORDER_AGGREGATE_TYPE } from '../orders/orders-table.js';

/**
 * What the shipping consumer subscribes to, and how it orders: read by the CDK stack (the
 * rule), by the local runtime (local delivery) and by the handler itself (`expect`), so
 * the three cannot drift apart.
 */
export const SHIPPING_SUBSCRIPTION = {
  sources: [ORDER_EVENT_SOURCE],
  detailTypes: ['OrderConfirmed', 'OrderCancelled'],
  aggregateTypes: [ORDER_AGGREGATE_TYPE],
  orderPolicy: 'skip-stale',
} as const;
