/**
 * The CDK constructs of dynamo-outbox: the outbox table, the relay and the sweeper
 * ({@link TransactionalOutbox}), and consumers of the outbox's events
 * ({@link OutboxConsumer}). The Lambda code is in `dynamo-outbox/runtime`.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { Runtime } from 'aws-cdk-lib/aws-lambda';
 * import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
 * import { TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const outbox = new TransactionalOutbox(stack, 'Outbox');
 * const createOrder = new NodejsFunction(stack, 'CreateOrder', {
 *   entry: new URL('./create-order.ts', import.meta.url).pathname,
 *   runtime: Runtime.NODEJS_24_X,
 *   environment: { OUTBOX_TABLE_NAME: outbox.table.tableName },
 * });
 * outbox.grantWriteEvents(createOrder);
 * outbox.addConsumer('Shipping', {
 *   entry: new URL('./shipping.ts', import.meta.url).pathname,
 *   detailTypes: ['OrderConfirmed'],
 * });
 * ```
 *
 * @module dynamo-outbox
 */

export {
  type CustomOutboxBusProps,
  type ImportedCustomBusOptions,
  OutboxBus,
  type OutboxBusDefinition,
  type OutboxBusKind,
  WrongBusKindError,
} from '../lib/outbox-bus.js';
export {
  type OutboxBusPolicyProps,
  OutboxBusPolicySid,
  outboxBusPolicyDocument,
  outboxBusPolicyResourceProps,
  outboxBusPolicyStatements,
} from '../lib/outbox-bus-policy.js';
export { OutboxConsumer, type OutboxConsumerProps } from '../lib/outbox-consumer.js';
export type { OutboxMetricEmitter, OutboxMetricOptions } from '../lib/outbox-metric.js';
export {
  OUTBOX_METRICS_NAMESPACE,
  type OutboxWriterGrantOptions,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from '../lib/transactional-outbox.js';
