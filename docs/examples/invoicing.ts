import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Inbox, sqsOutboxConsumer } from '../../lambdas/consumer/index.js';

// The inbox table, order policy and TTL come from what outbox.addConsumer() set.
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const inbox = Inbox.fromEnvironment({ client });

/** Keeps each order's latest status for invoicing: the write commits with the inbox record. */
export const handler = sqsOutboxConsumer(
  inbox,
  async (envelope, context) => [
    {
      Put: {
        TableName: process.env.INVOICES_TABLE_NAME ?? '',
        Item: { orderId: envelope.aggregateId, status: context.event.detailType },
      },
    },
  ],
  {
    expect: { sources: ['com.example.orders'], detailTypes: ['OrderConfirmed', 'OrderCancelled'] },
  },
);
