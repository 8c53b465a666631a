/**
 * DynamoDB limits the writer checks before any call. The PutEvents limits live with the
 * entry they bound, in `put-events-entry.ts`.
 */

/** DynamoDB item size limit. @internal */
export const MAX_ITEM_BYTES = 400 * 1024;
/** TransactWriteItems accepts at most this many items. @internal */
export const MAX_TRANSACTION_ITEMS = 100;
/** TransactWriteItems accepts at most this many bytes in total. @internal */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** DynamoDB partition key limit. @internal */
export const MAX_PARTITION_KEY_BYTES = 2048;
