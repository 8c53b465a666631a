import fc from 'fast-check';
import type { OrderItem } from '../../lambdas/orders/index.js';

/** Table names the handlers read from the environment (set in vitest.config.ts). */
export const ORDERS_TABLE = 'orders-test';
export const OUTBOX_TABLE = 'outbox-test';

export const ORDER_ID = '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e0f';

/** The IAM caller who owns {@link anOrderItem}'s order, and its namespaced identity. */
export const OWNER_ARN = 'arn:aws:iam::123456789012:user/alice';
export const OWNER = `iam:${OWNER_ARN}`;
/** Another IAM caller of the same account, who owns nothing. */
export const OTHER_ARN = 'arn:aws:iam::123456789012:user/mallory';

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

/** A stored order of {@link OWNER}, PENDING at version 1 unless told otherwise. */
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
    owner: OWNER,
    ...overrides,
  };
}

/**
 * A character the API refuses in ids and free text: a C0 or C1 control (NUL, line breaks,
 * ESC, DEL …), a line or paragraph separator, or a bidirectional formatting character
 * (LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI, LRM/RLM/ALM). Spelled out here, apart from the
 * implementation's pattern, so that the tests are an independent oracle.
 */
export const unsafeCharacter: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.integer({ min: 0x202a, max: 0x202e }),
    fc.integer({ min: 0x2066, max: 0x2069 }),
    fc.constantFrom(0x2028, 0x2029, 0x200e, 0x200f, 0x061c),
  )
  .map((code) => String.fromCodePoint(code));

/** `text` with `character` inserted at `at` (modulo its length + 1): start, middle or end. */
export function insertAt(text: string, character: string, at: number): string {
  const i = at % (text.length + 1);
  return text.slice(0, i) + character + text.slice(i);
}
