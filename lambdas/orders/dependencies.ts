import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { OutboxWriter } from '../outbox/outbox-writer.js';
import type { OrdersConfig } from './config.js';
import type { OrdersDependencies } from './order-service.js';

/**
 * Creates the SDK clients and the outbox writer, once per Lambda container. The SDK finds
 * its endpoint the standard way (e.g. `AWS_ENDPOINT_URL_DYNAMODB` in local mode).
 */
export function createOrdersDependencies(config: OrdersConfig): OrdersDependencies {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    documentClient,
    writer: new OutboxWriter({ client: documentClient, ...config.writer }),
    ordersTableName: config.ordersTableName,
    clock: () => new Date(),
    newId: uuidv7,
  };
}
