export { loadOrdersConfig, type OrdersConfig, OrdersConfigError } from './config.js';
export { createOrdersDependencies } from './dependencies.js';
export {
  ConcurrentModificationError,
  InvalidTransitionError,
  OrderError,
  OrderNotFoundError,
  PreconditionFailedError,
} from './errors.js';
export {
  applyTransition,
  cancelOrderBodySchema,
  createOrderBodySchema,
  isOwnedBy,
  newOrder,
  type OrderAction,
  type OrderItem,
  type OrderLine,
  OrderStatus,
  type OrderView,
  TRANSITIONS,
  toView,
} from './order.js';
export { ORDER_EVENT_SOURCE, orderCreated, orderTransitioned } from './order-events.js';
export {
  type CommandIdempotency,
  type CommandResult,
  createOrder,
  getOrder,
  type OrdersDependencies,
  transitionOrder,
} from './order-service.js';
export { ORDER_AGGREGATE_TYPE, ORDER_KEY, ordersTableDefinition } from './orders-table.js';
export {
  type ApiRoute,
  matchRoute,
  ORDER_ROUTES,
  type OrdersHandlerName,
  type RouteMatch,
} from './routes.js';
