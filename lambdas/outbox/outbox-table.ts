import { OutboxAttribute, TTL_ATTRIBUTE } from './outbox-attributes.js';
import { PK, SK } from './outbox-keys.js';
import { PENDING_INDEX_NAME } from './pending-shards.js';

/**
 * A key attribute as the table definition describes it.
 *
 * @example
 * ```ts
 * import type { AttributeDefinition } from '@aws-sdk/client-dynamodb';
 * import {
 *   type KeyAttributeDefinition,
 *   outboxTableDefinition,
 *   type TableDefinition,
 * } from 'dynamo-outbox/runtime';
 *
 * // CreateTable wants every key attribute (table and indexes) declared once, with its type.
 * function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
 *   const keys: KeyAttributeDefinition[] = [table.partitionKey];
 *   if (table.sortKey) keys.push(table.sortKey);
 *   for (const index of table.globalSecondaryIndexes) {
 *     keys.push(index.partitionKey, ...(index.sortKey ? [index.sortKey] : []));
 *   }
 *   const byName = new Map(keys.map((key) => [key.name, key.type]));
 *   return [...byName].map(([name, type]) => ({ AttributeName: name, AttributeType: type }));
 * }
 *
 * console.log(attributeDefinitions(outboxTableDefinition));
 * ```
 */
export interface KeyAttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/**
 * A global secondary index as the table definition describes it.
 *
 * @example
 * ```ts
 * import type { GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
 * import { type IndexDefinition, outboxTableDefinition } from 'dynamo-outbox/runtime';
 *
 * // The index as CreateTable takes it (on-demand billing: no throughput to set).
 * function toGlobalSecondaryIndex(index: IndexDefinition): GlobalSecondaryIndex {
 *   return {
 *     IndexName: index.indexName,
 *     KeySchema: [
 *       { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
 *       ...(index.sortKey
 *         ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
 *         : []),
 *     ],
 *     Projection: { ProjectionType: index.projection },
 *   };
 * }
 *
 * // The outbox's sparse pending index, which the sweeper queries.
 * const indexes = outboxTableDefinition.globalSecondaryIndexes.map(toGlobalSecondaryIndex);
 * ```
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
 *
 * @example
 * ```ts
 * import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
 * import {
 *   inboxTableDefinition,
 *   outboxTableDefinition,
 *   type TableDefinition,
 * } from 'dynamo-outbox/runtime';
 *
 * const dynamo = new DynamoDBClient({ endpoint: 'http://localhost:8000', region: 'us-east-1' });
 *
 * // CreateTable takes no TTL: turn it on once the table exists, as the construct does.
 * async function enableTtl(tableName: string, table: TableDefinition): Promise<void> {
 *   if (table.timeToLiveAttribute === undefined) return;
 *   await dynamo.send(
 *     new UpdateTimeToLiveCommand({
 *       TableName: tableName,
 *       TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
 *     }),
 *   );
 * }
 *
 * await enableTtl('orders-outbox', outboxTableDefinition);
 * await enableTtl('shipping-inbox', inboxTableDefinition);
 * ```
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
 *
 * @example
 * ```ts
 * import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { type KeyAttributeDefinition, outboxTableDefinition } from 'dynamo-outbox/runtime';
 *
 * // An integration test's outbox table in DynamoDB Local, laid out as the construct does it.
 * const dynamo = new DynamoDBClient({ endpoint: 'http://localhost:8000', region: 'us-east-1' });
 * const { partitionKey, sortKey, globalSecondaryIndexes, stream } = outboxTableDefinition;
 * const keySchema = (hash: KeyAttributeDefinition, range?: KeyAttributeDefinition) => [
 *   { AttributeName: hash.name, KeyType: 'HASH' as const },
 *   ...(range ? [{ AttributeName: range.name, KeyType: 'RANGE' as const }] : []),
 * ];
 * // Every key attribute once, with its type: the table's and the pending index's.
 * const indexKeys = globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]);
 * const keys = [partitionKey, sortKey, ...indexKeys].filter((key) => key !== undefined);
 * const types = new Map(keys.map((key) => [key.name, key.type]));
 * await dynamo.send(
 *   new CreateTableCommand({
 *     TableName: 'orders-outbox',
 *     BillingMode: 'PAY_PER_REQUEST',
 *     KeySchema: keySchema(partitionKey, sortKey),
 *     AttributeDefinitions: [...types].map(([name, type]) => ({
 *       AttributeName: name,
 *       AttributeType: type,
 *     })),
 *     GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
 *       IndexName: index.indexName,
 *       KeySchema: keySchema(index.partitionKey, index.sortKey),
 *       Projection: { ProjectionType: index.projection },
 *     })),
 *     // The relay's tests read new images from the stream, as in AWS.
 *     ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
 *   }),
 * );
 * ```
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
