/** Service limits the outbox validates against before any call. */

/** PutEvents accepts at most this many entries per request. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
/** Request (and so entry) size limit of PutEvents since January 2026: 1 MB. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** The limit that older accounts and regions still apply: 256 KB. */
export const LEGACY_MAX_REQUEST_BYTES = 256 * 1024;
/** EventBridge DetailType length limit. */
export const MAX_DETAIL_TYPE_LENGTH = 128;
/** EventBridge processes Detail JSON only up to this nesting depth; keep a margin below. */
export const MAX_DETAIL_DEPTH = 1000;
/** DynamoDB item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** TransactWriteItems limits. */
export const MAX_TRANSACTION_ITEMS = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** DynamoDB partition key limit. */
export const MAX_PARTITION_KEY_BYTES = 2048;
