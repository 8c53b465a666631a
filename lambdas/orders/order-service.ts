import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  AggregateAlreadyExistsError,
  AggregateNotFoundError,
  VersionConflictError,
} from '../outbox/errors.js';
import type { OutboxWriter } from '../outbox/outbox-writer.js';
import {
  ConcurrentModificationError,
  OrderNotFoundError,
  PreconditionFailedError,
} from './errors.js';
import {
  applyTransition,
  type CreateOrderBody,
  isOwnedBy,
  newOrder,
  type OrderAction,
  type OrderItem,
  type OrderView,
  toView,
} from './order.js';
import { orderCreated, orderTransitioned } from './order-events.js';
import { ORDER_AGGREGATE_TYPE, ORDER_KEY } from './orders-table.js';

/** What the Orders core needs; the handlers create these once, at module scope. */
export interface OrdersDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly writer: OutboxWriter;
  readonly ordersTableName: string;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** Makes a command idempotent (see `IdempotencyInput` of the outbox writer). */
export interface CommandIdempotency {
  readonly key: string;
  /** What identifies the request: method, path and body. */
  readonly request: unknown;
  /** Namespace of the key, e.g. the caller's identity. */
  readonly scope?: string;
}

/** The outcome of a command: the order after it, and whether it was a replay. */
export interface CommandResult {
  readonly order: OrderView;
  /** True when an earlier request with the same idempotency key is being answered again. */
  readonly replayed: boolean;
}

/** Attempts of a read-modify-write that lost a race without If-Match. */
const MAX_ATTEMPTS = 3;

/**
 * Creates an order and emits `OrderCreated`, atomically.
 */
export async function createOrder(
  deps: OrdersDependencies,
  command: {
    readonly body: CreateOrderBody;
    /** The caller, who will own the order; none for a caller without identity. */
    readonly caller?: string | undefined;
    readonly correlationId: string;
    readonly idempotency?: CommandIdempotency;
  },
): Promise<CommandResult> {
  const replay = await findReplay(deps, command.idempotency);
  if (replay) return replay;
  const order = newOrder(deps.newId(), command.body, deps.clock(), command.caller);
  const { lastEventSeq: _seq, version: _version, ...attributes } = order;
  try {
    const result = await deps.writer.write({
      aggregate: { type: ORDER_AGGREGATE_TYPE, id: order.id },
      entity: {
        type: 'create',
        tableName: deps.ordersTableName,
        key: { [ORDER_KEY]: order.id },
        item: attributes,
      },
      events: [orderCreated(order, command)],
      ...idempotencyFor(command.idempotency, order),
    });
    if (result.outcome === 'replayed')
      return { order: result.response as OrderView, replayed: true };
  } catch (error) {
    // Only a clashing generated id gets here; the client may simply retry.
    if (error instanceof AggregateAlreadyExistsError)
      throw new ConcurrentModificationError(order.id, { cause: error });
    throw error;
  }
  return { order: toView(order), replayed: false };
}

/**
 * Reads an order of the caller, consistently (a client that just wrote it sees its write).
 *
 * @throws OrderNotFoundError also when the order is another caller's
 */
export async function getOrder(
  deps: OrdersDependencies,
  id: string,
  caller?: string,
): Promise<OrderView> {
  return toView(await loadOrder(deps, id, caller));
}

/**
 * Confirms, cancels or ships an order and emits the matching event, atomically.
 * Without `ifMatch`, a lost race is retried on fresh state (the transition is checked
 * again); with it, a lost race is a failed precondition.
 *
 * @throws OrderNotFoundError (also for another caller's order), InvalidTransitionError,
 *   PreconditionFailedError, ConcurrentModificationError
 */
export async function transitionOrder(
  deps: OrdersDependencies,
  command: {
    readonly id: string;
    readonly action: OrderAction;
    /** Who asks: only the order's owner may change it (none: only an order of no one). */
    readonly caller?: string | undefined;
    readonly reason?: string;
    /** Versions the client accepts (`If-Match`); `'*'` accepts any. */
    readonly ifMatch?: readonly number[] | '*';
    readonly correlationId: string;
    readonly idempotency?: CommandIdempotency;
  },
): Promise<CommandResult> {
  const replay = await findReplay(deps, command.idempotency);
  if (replay) return replay;
  for (let attempt = 1; ; attempt++) {
    const current = await loadOrder(deps, command.id, command.caller);
    if (Array.isArray(command.ifMatch) && !command.ifMatch.includes(current.version)) {
      throw new PreconditionFailedError(command.id, current.version);
    }
    const next = applyTransition(current, command.action, deps.clock(), command.reason);
    try {
      const result = await deps.writer.write({
        aggregate: { type: ORDER_AGGREGATE_TYPE, id: command.id },
        entity: {
          type: 'update',
          tableName: deps.ordersTableName,
          key: { [ORDER_KEY]: command.id },
          expectedVersion: current.version,
          lastEventSeq: current.lastEventSeq,
          set: {
            status: next.status,
            updatedAt: next.updatedAt,
            ...(next.cancelReason === undefined ? {} : { cancelReason: next.cancelReason }),
          },
        },
        events: [orderTransitioned(command.action, current, next, command)],
        ...idempotencyFor(command.idempotency, next),
      });
      if (result.outcome === 'replayed')
        return { order: result.response as OrderView, replayed: true };
      return { order: toView(next), replayed: false };
    } catch (error) {
      if (error instanceof AggregateNotFoundError)
        throw new OrderNotFoundError(command.id, { cause: error });
      if (!(error instanceof VersionConflictError)) throw error;
      if (Array.isArray(command.ifMatch)) {
        throw new PreconditionFailedError(command.id, error.actualVersion ?? current.version + 1, {
          cause: error,
        });
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new ConcurrentModificationError(command.id, { cause: error });
    }
  }
}

/**
 * The order, if the caller owns it. Another caller's order is "not found", exactly like a
 * missing one, so that no caller learns which ids exist. The owner never changes, and every
 * write is conditioned on the version read here: the check holds until the write.
 */
async function loadOrder(
  deps: OrdersDependencies,
  id: string,
  caller: string | undefined,
): Promise<OrderItem> {
  const { Item } = await deps.documentClient.send(
    new GetCommand({
      TableName: deps.ordersTableName,
      Key: { [ORDER_KEY]: id },
      ConsistentRead: true,
    }),
  );
  const order = Item as OrderItem | undefined;
  if (order === undefined || !isOwnedBy(order, caller)) throw new OrderNotFoundError(id);
  return order;
}

async function findReplay(
  deps: OrdersDependencies,
  idempotency: CommandIdempotency | undefined,
): Promise<CommandResult | undefined> {
  if (idempotency === undefined) return undefined;
  const stored = await deps.writer.findIdempotentResponse(idempotency);
  return stored && { order: stored.response as OrderView, replayed: true };
}

function idempotencyFor(idempotency: CommandIdempotency | undefined, order: OrderItem) {
  return idempotency === undefined
    ? {}
    : { idempotency: { ...idempotency, response: toView(order) } };
}
