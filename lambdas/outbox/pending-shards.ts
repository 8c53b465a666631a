/**
 * The sparse index of pending records. Its partition key is present only while a record
 * is PENDING, so the index holds exactly the records the sweeper may have to deliver.
 * Sharding spreads write load: one index partition per shard instead of one hot key.
 * @internal
 */
export const PENDING_INDEX_NAME = 'pending-by-age';
/** Number of pending-index shards. A record's shard is a hash of its aggregate key. @internal */
export const DEFAULT_PENDING_SHARDS = 16;
/** Most pending-index shards the sweeper queries (one query per shard per run). @internal */
export const MAX_PENDING_SHARDS = 1_000;

/**
 * The pending-index shard of an aggregate: FNV-1a of its key, so that all records of
 * one aggregate share a shard and the sweeper finds them together.
 * @internal
 */
export function pendingShardOf(key: string, shards: number = DEFAULT_PENDING_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
