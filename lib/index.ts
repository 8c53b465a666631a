export { createOutboxFunction, lambdaEntry, type OutboxFunctionProps } from './node-function.js';
export { OrdersServiceStack, type OrdersServiceStackProps } from './orders-service-stack.js';
export {
  OUTBOX_METRICS_NAMESPACE,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from './transactional-outbox.js';
