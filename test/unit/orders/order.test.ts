import { describe, expect, it } from 'vitest';
import {
  applyTransition,
  cancelOrderBodySchema,
  createOrderBodySchema,
  InvalidTransitionError,
  isOwnedBy,
  newOrder,
  type OrderAction,
  type OrderStatus,
  toView,
} from '../../../lambdas/orders/index.js';
import { aCreateBody, anOrderItem, ORDER_ID } from '../../helpers/orders-fixtures.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const OWNER = 'iam:arn:aws:iam::123456789012:user/alice';

describe('newOrder', () => {
  it('creates a PENDING order at version 1 whose total is the sum of its lines', () => {
    const body = createOrderBodySchema.parse(aCreateBody());

    const order = newOrder(ORDER_ID, body, NOW, OWNER);

    expect(order).toMatchObject({
      id: ORDER_ID,
      status: 'PENDING',
      version: 1,
      lastEventSeq: 1,
      total: 2 * 1250 + 300,
    });
    expect(order.createdAt).toBe(NOW.toISOString());
  });

  it('is owned by its creator', () => {
    const body = createOrderBodySchema.parse(aCreateBody());

    expect(newOrder(ORDER_ID, body, NOW, OWNER).owner).toBe(OWNER);
  });

  it('has no owner when created without identity', () => {
    const body = createOrderBodySchema.parse(aCreateBody());

    expect(newOrder(ORDER_ID, body, NOW, undefined)).not.toHaveProperty('owner');
  });

  it('defaults the currency to USD', () => {
    const body = createOrderBodySchema.parse(aCreateBody({ currency: undefined }));

    expect(newOrder(ORDER_ID, body, NOW, OWNER).currency).toBe('USD');
  });

  it('keeps totals exact at the largest accepted order', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      sku: `S${i}`,
      quantity: 10_000,
      unitPrice: 100_000_000,
    }));
    const body = createOrderBodySchema.parse(aCreateBody({ items }));

    const order = newOrder(ORDER_ID, body, NOW, OWNER);

    expect(order.total).toBe(100 * 10_000 * 100_000_000);
    expect(Number.isSafeInteger(order.total)).toBe(true);
  });
});

describe('applyTransition', () => {
  const allowed: [OrderStatus, OrderAction, OrderStatus][] = [
    ['PENDING', 'confirm', 'CONFIRMED'],
    ['PENDING', 'cancel', 'CANCELLED'],
    ['CONFIRMED', 'ship', 'SHIPPED'],
    ['CONFIRMED', 'cancel', 'CANCELLED'],
  ];
  it.each(allowed)('moves a %s order on %s to %s', (from, action, to) => {
    const next = applyTransition(anOrderItem({ status: from }), action, NOW);

    expect(next).toMatchObject({
      status: to,
      version: 2,
      lastEventSeq: 2,
      updatedAt: NOW.toISOString(),
    });
  });

  const statuses: OrderStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED', 'SHIPPED'];
  const actions: OrderAction[] = ['confirm', 'cancel', 'ship'];
  const forbidden = statuses.flatMap((s) =>
    actions
      .filter((a) => !allowed.some(([from, action]) => from === s && action === a))
      .map((a) => [s, a] as const),
  );
  it.each(forbidden)(
    'fails if a %s order is asked to %s, naming the current status',
    (status, action) => {
      const act = () => applyTransition(anOrderItem({ status }), action, NOW);

      expect(act).toThrow(InvalidTransitionError);
      expect(act).toThrow(`it is ${status}`);
    },
  );

  it('records the reason of a cancellation', () => {
    expect(applyTransition(anOrderItem(), 'cancel', NOW, 'changed my mind').cancelReason).toBe(
      'changed my mind',
    );
  });
});

describe('the request schemas', () => {
  it.each([
    ['an unknown property', { extra: true }],
    ['an empty item list', { items: [] }],
    ['a zero quantity', { items: [{ sku: 'A', quantity: 0, unitPrice: 1 }] }],
    ['a fractional quantity', { items: [{ sku: 'A', quantity: 1.5, unitPrice: 1 }] }],
    ['a negative price', { items: [{ sku: 'A', quantity: 1, unitPrice: -1 }] }],
    ['a fractional price', { items: [{ sku: 'A', quantity: 1, unitPrice: 9.99 }] }],
    ['a lower-case currency', { currency: 'eur' }],
    ['an empty customer id', { customerId: '' }],
    ['a lone surrogate in the customer id', { customerId: 'a\ud800' }],
    ['a NUL in the customer id', { customerId: 'a\u0000b' }],
    ['a right-to-left override in the customer id', { customerId: 'cust\u202Eomer' }],
    ['a line break in a sku', { items: [{ sku: 'A\nB', quantity: 1, unitPrice: 1 }] }],
    ['a C1 control in a sku', { items: [{ sku: 'A\u009BB', quantity: 1, unitPrice: 1 }] }],
    ['a first-strong isolate in a sku', { items: [{ sku: '\u2068A', quantity: 1, unitPrice: 1 }] }],
    [
      '101 items',
      { items: Array.from({ length: 101 }, () => ({ sku: 'A', quantity: 1, unitPrice: 1 })) },
    ],
  ])('rejects a create body with %s', (_, overrides) => {
    expect(createOrderBodySchema.safeParse(aCreateBody(overrides)).success).toBe(false);
  });

  it('accepts ids and text in any script, emoji sequences included', () => {
    const body = aCreateBody({
      customerId: 'לקוח-العميل-客户',
      items: [{ sku: '👩‍👩‍👧‍👦-e\u0301', quantity: 1, unitPrice: 1 }],
    });

    expect(createOrderBodySchema.safeParse(body).success).toBe(true);
    expect(cancelOrderBodySchema.safeParse({ reason: 'נגמר במלאי 📦' }).success).toBe(true);
  });

  it.each([
    ['a tab', 'out\tof stock'],
    ['a line separator', 'out\u2028of stock'],
    ['a pop-directional-isolate', 'out of stock\u2069'],
    ['an escape sequence', '\u001B[31mout of stock'],
  ])('rejects a cancel reason with %s', (_, reason) => {
    expect(cancelOrderBodySchema.safeParse({ reason }).success).toBe(false);
  });

  it('accepts a cancel body without a reason, and rejects a non-string reason', () => {
    expect(cancelOrderBodySchema.safeParse({}).success).toBe(true);
    expect(cancelOrderBodySchema.safeParse({ reason: 42 }).success).toBe(false);
  });
});

describe('toView', () => {
  it('hides the outbox bookkeeping', () => {
    expect(toView(anOrderItem())).not.toHaveProperty('lastEventSeq');
  });

  it('hides whose the order is', () => {
    expect(toView(anOrderItem({ owner: OWNER }))).not.toHaveProperty('owner');
  });
});

describe('isOwnedBy', () => {
  it('lets the owner see the order, and no one else', () => {
    const order = anOrderItem({ owner: OWNER });

    expect(isOwnedBy(order, OWNER)).toBe(true);
    expect(isOwnedBy(order, 'iam:arn:aws:iam::123456789012:user/bob')).toBe(false);
    expect(isOwnedBy(order, undefined)).toBe(false);
  });

  it('lets only callers without identity see an order created without one', () => {
    const order = anOrderItem({ owner: undefined });

    expect(isOwnedBy(order, undefined)).toBe(true);
    expect(isOwnedBy(order, OWNER)).toBe(false);
  });
});
