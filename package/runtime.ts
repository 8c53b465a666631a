/**
 * The runtime of dynamo-outbox, for Lambda code: the {@link OutboxWriter} every command
 * handler writes through (with its input, result and error types), the event envelope
 * consumers receive, the outbox table's layout, the poison-record message the relay
 * quarantines, and the consumer kit ({@link Inbox}, {@link sqsOutboxConsumer},
 * {@link eventBridgeOutboxConsumer}). It needs no CDK: import it from your handlers,
 * bundled by `NodejsFunction`.
 *
 * The relay and the sweeper are not part of it: the `TransactionalOutbox` construct deploys them
 * from this package's own files.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * // Once per container; table, shards and size limit as `outbox.addWriter(fn)` set them.
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * export const writer = OutboxWriter.fromEnvironment({ client });
 * ```
 *
 * @module dynamo-outbox/runtime
 */

// Consumers: idempotent, ordered handling of the outbox's events.
export {
  type ConsumeContext,
  type ConsumeOptions,
  type ConsumeOutcome,
  consumeOutboxEvent,
  type OutboxEventHandler,
} from '../lambdas/consumer/consume.js';
export {
  ConsumerConfigError,
  ConsumerError,
  InboxContentionError,
  InvalidOutboxEventError,
  OutOfOrderEventError,
  UnexpectedEventError,
} from '../lambdas/consumer/errors.js';
export type { ExpectedEvents } from '../lambdas/consumer/expected-events.js';
export { eventBridgeOutboxConsumer, sqsOutboxConsumer } from '../lambdas/consumer/handlers.js';
export {
  Inbox,
  type InboxDecision,
  type InboxOptions,
  type OrderPolicy,
} from '../lambdas/consumer/inbox.js';
export { inboxTableDefinition } from '../lambdas/consumer/inbox-schema.js';
export { type OutboxEvent, parseOutboxEvent } from '../lambdas/consumer/outbox-event.js';
// Writers: the entity change and its events in one transaction.
export type { TransactionItemRole } from '../lambdas/outbox/cancellation.js';
export type { EventEnvelope, EventMetadata } from '../lambdas/outbox/envelope.js';
export {
  AdditionalItemConditionError,
  AggregateAlreadyExistsError,
  AggregateNotFoundError,
  IdempotencyKeyReusedError,
  OutboxConfigError,
  OutboxError,
  OutboxValidationError,
  SequenceConflictError,
  type ValidationIssue,
  VersionConflictError,
  WriteContentionError,
} from '../lambdas/outbox/errors.js';
export type { OutboxEventInput } from '../lambdas/outbox/event-input.js';
export type { IdempotencyInput } from '../lambdas/outbox/idempotency.js';
export type { OutboxRecord, StoredEvent } from '../lambdas/outbox/outbox-record.js';
export {
  type OutboxWriteResult,
  OutboxWriter,
  type OutboxWriterOptions,
  type PreparedWrite,
} from '../lambdas/outbox/outbox-writer.js';
export type {
  CompressedQuarantineMessage,
  PublishFailure,
  QuarantineMessage,
} from '../lambdas/outbox/quarantine.js';
export {
  type IndexDefinition,
  type KeyAttributeDefinition,
  OUTBOX_STREAM_FILTER_PATTERN,
  OutboxStatus,
  outboxTableDefinition,
  RecordType,
  type TableDefinition,
} from '../lambdas/outbox/schema.js';
export type {
  EntityCreate,
  EntityUpdate,
  EntityWrite,
  OutboxWriteInput,
} from '../lambdas/outbox/write-input.js';
