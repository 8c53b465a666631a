import { LONE_SURROGATE } from '../outbox/event-input.js';
import * as z from '../outbox/zod.js';
import { InvalidTransitionError } from './errors.js';
import { hasUnsafeCharacter } from './safe-text.js';

/** The states an order goes through. */
export const OrderStatus = {
  pending: 'PENDING',
  confirmed: 'CONFIRMED',
  cancelled: 'CANCELLED',
  shipped: 'SHIPPED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** What a client may do to an existing order. */
export type OrderAction = 'confirm' | 'cancel' | 'ship';

/** Allowed transitions: PENDING → CONFIRMED | CANCELLED, CONFIRMED → SHIPPED | CANCELLED. */
export const TRANSITIONS: Readonly<
  Record<
    OrderAction,
    { readonly from: readonly OrderStatus[]; readonly to: OrderStatus; readonly event: string }
  >
> = {
  confirm: { from: [OrderStatus.pending], to: OrderStatus.confirmed, event: 'OrderConfirmed' },
  cancel: {
    from: [OrderStatus.pending, OrderStatus.confirmed],
    to: OrderStatus.cancelled,
    event: 'OrderCancelled',
  },
  ship: { from: [OrderStatus.confirmed], to: OrderStatus.shipped, event: 'OrderShipped' },
};

/** An id or a free text: non-empty, bounded, valid Unicode, no control or bidi characters. */
const text = (max: number) =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((s) => !LONE_SURROGATE.test(s), 'must be valid Unicode'),
    z.refine(
      (s) => !hasUnsafeCharacter(s),
      'must not contain control characters (U+0000–U+001F, U+007F–U+009F, line separators) ' +
        'or bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, …)',
    ),
  );

/** Largest quantity per line and unit price (cents): keeps every total an exact integer. */
export const MAX_QUANTITY = 10_000;
export const MAX_UNIT_PRICE = 100_000_000;
export const MAX_LINES = 100;

/** Body of `POST /orders`. */
export const createOrderBodySchema = z.strictObject({
  customerId: text(128),
  items: z
    .array(
      z.strictObject({
        sku: text(64),
        quantity: z
          .int('must be an integer')
          .check(
            z.gte(1, 'must be at least 1'),
            z.lte(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
          ),
        unitPrice: z
          .int('must be an integer number of cents')
          .check(
            z.gte(0, 'must not be negative'),
            z.lte(MAX_UNIT_PRICE, `must be at most ${MAX_UNIT_PRICE} cents`),
          ),
      }),
    )
    .check(
      z.minLength(1, 'must hold at least one item'),
      z.maxLength(MAX_LINES, `must hold at most ${MAX_LINES} items`),
    ),
  currency: z._default(
    z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"')),
    'USD',
  ),
});
export type CreateOrderBody = z.infer<typeof createOrderBodySchema>;

/** Body of `POST /orders/{id}/cancel` (optional). */
export const cancelOrderBodySchema = z.strictObject({ reason: z.optional(text(500)) });
/** Body of `POST /orders/{id}/confirm` and `/ship` (optional, and empty). */
export const emptyBodySchema = z.strictObject({});

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

/** An order as stored, including the outbox bookkeeping attributes. */
export interface OrderItem {
  readonly id: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly currency: string;
  /** Sum of quantity × unitPrice, in cents. */
  readonly total: number;
  readonly status: OrderStatus;
  readonly version: number;
  readonly lastEventSeq: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly cancelReason?: string;
  /**
   * Who created the order (the caller's namespaced identity, e.g. `iam:<arn>`): only they
   * may read or change it. Absent for an order created without identity.
   */
  readonly owner?: string;
}

/** An order as the API returns it: without the bookkeeping, and without whose it is. */
export type OrderView = Omit<OrderItem, 'lastEventSeq' | 'owner'>;

/** The API's view of a stored order. */
export function toView(order: OrderItem): OrderView {
  const { lastEventSeq: _internal, owner: _owner, ...view } = order;
  return view;
}

/** True when `caller` may see the order: its owner, or, for an order without one, a caller without identity. */
export function isOwnedBy(order: Pick<OrderItem, 'owner'>, caller: string | undefined): boolean {
  return order.owner === caller;
}

/**
 * A new order, PENDING, version 1, owned by its creator (none: an order of no one).
 */
export function newOrder(
  id: string,
  body: CreateOrderBody,
  now: Date,
  owner: string | undefined,
): OrderItem {
  const items = body.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice }));
  return {
    id,
    customerId: body.customerId,
    items,
    currency: body.currency,
    total: items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0),
    status: OrderStatus.pending,
    version: 1,
    lastEventSeq: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(owner === undefined ? {} : { owner }),
  };
}

/**
 * The order after `action`, one version and one event later.
 *
 * @throws InvalidTransitionError when the action is not allowed from the current status
 */
export function applyTransition(
  order: OrderItem,
  action: OrderAction,
  now: Date,
  reason?: string,
): OrderItem {
  const transition = TRANSITIONS[action];
  if (!transition.from.includes(order.status))
    throw new InvalidTransitionError(order.id, action, order.status);
  return {
    ...order,
    status: transition.to,
    version: order.version + 1,
    lastEventSeq: order.lastEventSeq + 1,
    updatedAt: now.toISOString(),
    ...(action === 'cancel' && reason !== undefined ? { cancelReason: reason } : {}),
  };
}
