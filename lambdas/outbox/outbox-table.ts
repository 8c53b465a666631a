import { OutboxAttribute, TTL_ATTRIBUTE } from './outbox-attributes.js';
import { PK, SK } from './outbox-keys.js';
import { PENDING_INDEX_NAME } from './pending-shards.js';

/** A key attribute as a table definition describes it. */
export interface KeyAttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index as a table definition describes it. */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

/** A table layout free of CDK and SDK, so the construct and local mode create the same table. */
export interface TableDefinition {
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute?: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE';
}

/** The outbox table: stream of new images, a keys-only sparse index of pending records. */
export const outboxTableDefinition: TableDefinition = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: PENDING_INDEX_NAME,
      partitionKey: { name: OutboxAttribute.pendingShard, type: 'N' },
      sortKey: { name: OutboxAttribute.createdAt, type: 'S' },
      // Keys suffice: the sweeper re-reads each aggregate consistently, as ordering needs anyway.
      projection: 'KEYS_ONLY',
    },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
  // The relay publishes the events from the new image.
  stream: 'NEW_IMAGE',
};
