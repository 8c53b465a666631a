import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '../../lambdas/outbox/schema.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { freePort } from '../../local/ports.js';
import { createTable } from '../../local/tables.js';

/** DynamoDB Local on a free port, and the real SDK's document client pointed at it. */
export interface LocalDynamo {
  readonly client: DynamoDBDocumentClient;
  /** Creates a table from one of the project's definitions. */
  createTable(name: string, definition: TableDefinition): Promise<void>;
  /** Destroys the client and stops Java. */
  stop(): Promise<void>;
}

/** Starts DynamoDB Local for an integration test file (call it in `beforeAll`). */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const db = await startDynamoDbLocal({ port: await freePort() });
  const raw = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    client: DynamoDBDocumentClient.from(raw),
    createTable: async (name, definition) => {
      await createTable(raw, name, definition);
    },
    stop: async () => {
      raw.destroy();
      await db.stop();
    },
  };
}
