/**
 * The core as the other folders (relay, sweeper, local, cli, bin) use it; helpers used only
 * inside lambdas/outbox stay out, and tests import those by their own module. Adopters
 * import `dynamo-outbox/runtime` instead.
 * @module
 */
export { fullJitterDelay } from './backoff.js';
export { busPublisher } from './bus-publisher.js';
export {
  BUS_KINDS,
  type BusKind,
  type BusTarget,
  busLabel,
  busTargetOf,
  CUSTOM_BUS_ARN_PATTERN,
  isCustomBusArn,
} from './bus-target.js';
export { type DeliveryTally, emptyTally, OutboxDelivery } from './delivery.js';
export {
  createOutboxDelivery,
  type DeliveryConfig,
  deliveryEnvSchema,
  deliveryProblems,
  toDeliveryConfig,
} from './delivery-config.js';
export { intVariable, parseEnvironment } from './environment.js';
export { type EventPattern, matchesPattern } from './event-pattern.js';
export { MAX_ITEM_BYTES } from './limits.js';
export { OrderedPublisher } from './ordered-publisher.js';
export { keyString, type RecordKey } from './ordering.js';
export type { OutboxRecord, StoredEvent } from './outbox-record.js';
export { OutboxWriter } from './outbox-writer.js';
export {
  DEFAULT_MAX_REQUEST_BYTES,
  MAX_DETAIL_TYPE_LENGTH,
  MAX_PUT_EVENTS_ENTRIES,
  putEventsEntrySize,
} from './put-events-entry.js';
export type { PublishFailure, QuarantineMessage } from './quarantine.js';
export {
  aggregateKey,
  DEFAULT_PENDING_SHARDS,
  formatSeq,
  MAX_PENDING_SHARDS,
  OUTBOX_STREAM_FILTER_PATTERN,
  OutboxAttribute,
  OutboxStatus,
  outboxTableDefinition,
  PENDING_INDEX_NAME,
  PK,
  parseSeq,
  pendingShardOf,
  RecordType,
  SK,
  type TableDefinition,
} from './schema.js';
export { type MarkOutcome, transitionStatus } from './status-transition.js';
export { WriterVariable } from './writer-environment.js';
