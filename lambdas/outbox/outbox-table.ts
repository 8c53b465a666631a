import { OutboxAttribute, TTL_ATTRIBUTE } from './outbox-attributes.js';
import { PK, SK } from './outbox-keys.js';
import { PENDING_INDEX_NAME } from './pending-shards.js';

/**
 * A key attribute as the table definition describes it.
 */
export interface KeyAttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/**
 * A global secondary index as the table definition describes it.
 */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

/**
 * A DynamoDB table layout, independent of CDK and of the SDK, so that the construct and
 * the local runtime create the very same table.
 */
export interface TableDefinition {
  readonly partitionKey: KeyAttributeDefinition;
  readonly sortKey?: KeyAttributeDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute?: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'OLD_IMAGE';
}

/**
 * The outbox table. The stream carries new images (the relay needs the events); the
 * pending index projects keys only: the sweeper reads the records themselves with a
 * consistent query per aggregate, which it needs for ordering anyway.
 */
export const outboxTableDefinition: TableDefinition = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: PENDING_INDEX_NAME,
      partitionKey: { name: OutboxAttribute.pendingShard, type: 'N' },
      sortKey: { name: OutboxAttribute.createdAt, type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
  stream: 'NEW_IMAGE',
};
