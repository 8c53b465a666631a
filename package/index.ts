/**
 * The CDK constructs of dynamo-outbox: the outbox table, the relay and the sweeper
 * ({@link TransactionalOutbox}), and consumers of the outbox's events
 * ({@link OutboxConsumer}). The Lambda code is in `dynamo-outbox/runtime`.
 *
 * @example
 * ```ts
 * import { TransactionalOutbox } from 'dynamo-outbox';
 *
 * const outbox = new TransactionalOutbox(this, 'Outbox');
 * outbox.grantWriteEvents(createOrderFunction);
 * createOrderFunction.addEnvironment('OUTBOX_TABLE_NAME', outbox.table.tableName);
 * ```
 *
 * @module dynamo-outbox
 */
export { OutboxConsumer, type OutboxConsumerProps } from '../lib/outbox-consumer.js';
export {
  OUTBOX_METRICS_NAMESPACE,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from '../lib/transactional-outbox.js';
