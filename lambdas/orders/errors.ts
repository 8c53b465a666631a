import type { OrderAction, OrderStatus } from './order.js';

/** Base class of the Orders service's domain errors. */
export class OrderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrderError';
  }
}

/** No order has this id. */
export class OrderNotFoundError extends OrderError {
  readonly orderId: string;

  constructor(orderId: string, options?: ErrorOptions) {
    super(`order ${orderId} does not exist`, options);
    this.name = 'OrderNotFoundError';
    this.orderId = orderId;
  }
}

/** The action is not allowed from the order's current status. */
export class InvalidTransitionError extends OrderError {
  readonly orderId: string;
  readonly action: OrderAction;
  readonly currentStatus: OrderStatus;

  constructor(
    orderId: string,
    action: OrderAction,
    currentStatus: OrderStatus,
    options?: ErrorOptions,
  ) {
    super(`cannot ${action} order ${orderId}: it is ${currentStatus}`, options);
    this.name = 'InvalidTransitionError';
    this.orderId = orderId;
    this.action = action;
    this.currentStatus = currentStatus;
  }
}

/** The client's `If-Match` does not name the order's current version. */
export class PreconditionFailedError extends OrderError {
  readonly orderId: string;
  readonly currentVersion: number;

  constructor(orderId: string, currentVersion: number, options?: ErrorOptions) {
    super(
      `order ${orderId} is at version ${currentVersion}, which If-Match does not name`,
      options,
    );
    this.name = 'PreconditionFailedError';
    this.orderId = orderId;
    this.currentVersion = currentVersion;
  }
}

/** Concurrent writers kept changing the order; the request may be retried. */
export class ConcurrentModificationError extends OrderError {
  readonly orderId: string;

  constructor(orderId: string, options?: ErrorOptions) {
    super(`order ${orderId} was modified concurrently; retry the request`, options);
    this.name = 'ConcurrentModificationError';
    this.orderId = orderId;
  }
}
