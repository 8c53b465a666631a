export { createOutboxFunction, lambdaEntry, type OutboxFunctionProps } from './node-function.js';
export { OrdersServiceStack, type OrdersServiceStackProps } from './orders-service-stack.js';
export {
  type CustomOutboxBusProps,
  type ImportedCustomBusOptions,
  OutboxBus,
  type OutboxBusDefinition,
  type OutboxBusKind,
  WrongBusKindError,
} from './outbox-bus.js';
export {
  type OutboxBusPolicyProps,
  OutboxBusPolicySid,
  outboxBusPolicyDocument,
  outboxBusPolicyResourceProps,
  outboxBusPolicyStatements,
} from './outbox-bus-policy.js';
export { OutboxConsumer, type OutboxConsumerProps } from './outbox-consumer.js';
export {
  OUTBOX_METRICS_NAMESPACE,
  type OutboxWriterGrantOptions,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from './transactional-outbox.js';
