import { ORDER_EVENT_SOURCE } from '../orders/order-events.js';

/**
 * What the shipping consumer subscribes to, and how it orders: read by the CDK stack (the
 * rule) and by the local runtime (local delivery), so the two cannot drift apart.
 */
export const SHIPPING_SUBSCRIPTION = {
  sources: [ORDER_EVENT_SOURCE],
  detailTypes: ['OrderConfirmed', 'OrderCancelled'],
  orderPolicy: 'skip-stale',
} as const;
