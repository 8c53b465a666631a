import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '../lambdas/outbox/index.js';

/**
 * Creates a table from the same definition the CDK construct uses (keys, indexes, stream,
 * TTL), unless it exists already (persisted data). Returns its stream ARN, if any.
 *
 * @example
 * const streamArn = await createTable(client, 'outbox', outboxTableDefinition);
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
): Promise<string | undefined> {
  const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  const indexKeys = definition.globalSecondaryIndexes.flatMap((i) => [
    i.partitionKey,
    ...(i.sortKey ? [i.sortKey] : []),
  ]);
  const attributes = [...new Map([...keys, ...indexKeys].map((k) => [k.name, k])).values()];
  const indexes: GlobalSecondaryIndex[] = definition.globalSecondaryIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: { ProjectionType: index.projection },
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((a) => ({
          AttributeName: a.name,
          AttributeType: a.type,
        })),
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          ...(definition.sortKey
            ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }]
            : []),
        ],
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        ...(definition.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }
          : {}),
      }),
    );
    if (definition.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.LatestStreamArn;
}
