import type { OrderItem } from '../../lambdas/orders/index.js';

/** Table names the handlers read from the environment (set in vitest.config.ts). */
export const ORDERS_TABLE = 'orders-test';
export const OUTBOX_TABLE = 'outbox-test';

export const ORDER_ID = '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e0f';

/** A valid `POST /orders` body. */
export function aCreateBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'customer-1',
    items: [
      { sku: 'BOOK-1', quantity: 2, unitPrice: 1250 },
      { sku: 'PEN-7', quantity: 1, unitPrice: 300 },
    ],
    currency: 'EUR',
    ...overrides,
  };
}

/** A stored order, PENDING at version 1 unless told otherwise. */
export function anOrderItem(overrides: Partial<OrderItem> = {}): OrderItem {
  return {
    id: ORDER_ID,
    customerId: 'customer-1',
    items: [
      { sku: 'BOOK-1', quantity: 2, unitPrice: 1250 },
      { sku: 'PEN-7', quantity: 1, unitPrice: 300 },
    ],
    currency: 'EUR',
    total: 2800,
    status: 'PENDING',
    version: 1,
    lastEventSeq: 1,
    createdAt: '2026-11-25T09:00:00.000Z',
    updatedAt: '2026-11-25T09:00:00.000Z',
    ...overrides,
  };
}
