export { type BackoffOptions, fullJitterDelay } from './backoff.js';
export type { Replay, TransactionItemRole } from './cancellation.js';
export {
  type DeliveryOutcome,
  type DeliveryTally,
  emptyTally,
  OutboxDelivery,
} from './delivery.js';
export {
  createOutboxDelivery,
  type DeliveryConfig,
  DeliveryDefaults,
  DeliveryVariable,
  deliveryEnvSchema,
  toDeliveryConfig,
} from './delivery-config.js';
export { dynamoValueProblem, MAX_DYNAMO_DEPTH } from './dynamo-value.js';
export { buildEnvelope, type EventEnvelope, type EventMetadata } from './envelope.js';
export { intVariable, parseEnvironment } from './environment.js';
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
} from './errors.js';
export {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
} from './event-bridge-publisher.js';
export type { EventBusVerdict } from './event-bus-check.js';
export {
  isPlainObject,
  type JsonProblem,
  jsonProblem,
  LONE_SURROGATE,
  type OutboxEventInput,
  outboxEventInputSchema,
} from './event-input.js';
export { type EventPattern, matchesPattern } from './event-pattern.js';
export type {
  EntryResult,
  EventPublisher,
  PublishEntry,
  PublishLimits,
  PutOutcome,
} from './event-publisher.js';
export {
  buildIdempotencyRecord,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  IDEMPOTENCY_KEY_PATTERN,
  type IdempotencyInput,
  type IdempotencyRecord,
  idempotencyPk,
  isLive,
  requestHash,
} from './idempotency.js';
export { dynamoItemSize } from './item-size.js';
export {
  MAX_ITEM_BYTES,
  MAX_PARTITION_KEY_BYTES,
  MAX_TRANSACTION_BYTES,
  MAX_TRANSACTION_ITEMS,
} from './limits.js';
export {
  OrderedPublisher,
  type OrderedPublisherOptions,
  type PublishHooks,
  type PublishReport,
} from './ordered-publisher.js';
export {
  type DeliveryPlan,
  keyString,
  planDelivery,
  predecessorKey,
  type RecordKey,
  type RecordState,
} from './ordering.js';
export type { OutboxRecord, StoredEvent } from './outbox-record.js';
export { OutboxStore, type OutboxStoreOptions } from './outbox-store.js';
export {
  type OutboxWriteResult,
  OutboxWriter,
  type OutboxWriterOptions,
  type PreparedWrite,
} from './outbox-writer.js';
export {
  classifyEntryError,
  classifyRequestError,
  type PublishFailureKind,
} from './publish-errors.js';
export {
  DEFAULT_MAX_REQUEST_BYTES,
  LEGACY_MAX_REQUEST_BYTES,
  MAX_DETAIL_DEPTH,
  MAX_DETAIL_TYPE_LENGTH,
  MAX_PUT_EVENTS_ENTRIES,
  putEventsEntrySize,
  type SizedEntry,
  storedEventSize,
  toPutEventsEntry,
} from './put-events-entry.js';
export {
  type CompressedQuarantineMessage,
  DEFAULT_MAX_DLQ_MESSAGE_BYTES,
  type PublishFailure,
  Quarantine,
  type QuarantineMessage,
} from './quarantine.js';
export {
  isTransientCancellation,
  retryableCancellationMiddleware,
  retryTransientCancellations,
} from './retryable-cancellation.js';
export {
  aggregateKey,
  DEFAULT_PENDING_SHARDS,
  formatSeq,
  IDEMPOTENCY_PK_PREFIX,
  IDEMPOTENCY_SK,
  IdempotencyAttribute,
  type IndexDefinition,
  type KeyAttributeDefinition,
  MAX_PENDING_SHARDS,
  MAX_SEQ,
  OUTBOX_STREAM_FILTER_PATTERN,
  OutboxAttribute,
  OutboxStatus,
  outboxTableDefinition,
  PENDING_INDEX_NAME,
  PK,
  parseSeq,
  pendingShardOf,
  RecordType,
  SEQ_WIDTH,
  SK,
  sequenceOf,
  type TableDefinition,
  TTL_ATTRIBUTE,
} from './schema.js';
export {
  type MarkOutcome,
  type StatusTransition,
  transitionStatus,
} from './status-transition.js';
export {
  type EntityCreate,
  type EntityUpdate,
  type EntityWrite,
  type OutboxWriteInput,
  outboxWriteInputSchema,
} from './write-input.js';
export {
  type WriterEnvironmentOptions,
  WriterVariable,
  writerOptionsFromEnvironment,
} from './writer-environment.js';
