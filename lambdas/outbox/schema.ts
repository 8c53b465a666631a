/**
 * The outbox table schema, one concept per module: keys, attribute names, statuses,
 * sequences, the pending index and its shards, the table definition and the stream
 * filter. These modules are the one source of truth for the table layout: the construct,
 * the local runtime, the writer, the relay and the sweeper read them, and nothing else
 * spells an attribute name. This file lists them, so `./schema.js` imports keep working.
 */
export {
  IdempotencyAttribute,
  OutboxAttribute,
  RecordType,
  TTL_ATTRIBUTE,
} from './outbox-attributes.js';
export { aggregateKey, IDEMPOTENCY_PK_PREFIX, IDEMPOTENCY_SK, PK, SK } from './outbox-keys.js';
export { OutboxStatus } from './outbox-status.js';
export {
  type IndexDefinition,
  type KeyAttributeDefinition,
  outboxTableDefinition,
  type TableDefinition,
} from './outbox-table.js';
export {
  DEFAULT_PENDING_SHARDS,
  MAX_PENDING_SHARDS,
  PENDING_INDEX_NAME,
  pendingShardOf,
} from './pending-shards.js';
export { formatSeq, MAX_SEQ, parseSeq, SEQ_WIDTH, sequenceOf } from './sequence.js';
export { OUTBOX_STREAM_FILTER_PATTERN } from './stream-filter.js';
