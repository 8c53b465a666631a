import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ConsumeOutcome, consumeOutboxEvent, type OutboxEventHandler } from './consume.js';
import type { Inbox } from './inbox.js';

/**
 * A Lambda handler for an SQS queue that an EventBridge rule fills (the construct's
 * buffer): each message is one event, consumed once in effect; failures are reported per
 * message (`ReportBatchItemFailures`) so the others are not redelivered. Messages are
 * processed one after the other, in the order SQS handed them over.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
 * import middy from '@middy/core';
 * import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
 * import { Inbox, sqsOutboxConsumer } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'shipping' });
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * // Shipping subscribes to OrderCreated and OrderCancelled only: gaps are normal.
 * const inbox = new Inbox({ client, tableName: process.env.INBOX_TABLE_NAME ?? '', policy: 'skip-stale' });
 *
 * const consume = sqsOutboxConsumer(inbox, async (envelope, context) => {
 *   const status = context.event.detailType === 'OrderCancelled' ? 'CANCELLED' : 'READY';
 *   const Item = { orderId: envelope.aggregateId, status };
 *   // The shipment and its inbox record commit together: applied once, even if redelivered.
 *   await client.send(new TransactWriteCommand({
 *     TransactItems: [{ Put: { TableName: 'shipments', Item } }, ...context.inTransaction()],
 *   }));
 * }, logger);
 *
 * // Only the messages listed in its batchItemFailures are redelivered.
 * export const handler = middy<SQSEvent, SQSBatchResponse>()
 *   .use(injectLambdaContext(logger, { resetKeys: true }))
 *   .handler(consume);
 * ```
 */
export function sqsOutboxConsumer(inbox: Inbox, handler: OutboxEventHandler, logger?: Logger) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      try {
        const outcome = await consumeOutboxEvent(inbox, JSON.parse(record.body), handler, logger);
        logger?.debug('message consumed', { messageId: record.messageId, outcome });
      } catch (error) {
        logger?.warn('message failed; it will be redelivered', {
          messageId: record.messageId,
          error: error as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/**
 * A Lambda handler for an EventBridge rule target (asynchronous invocation): the event is
 * consumed once in effect; an error makes Lambda retry it (and send it to the function's
 * on-failure destination after its retries).
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
 * import { eventBridgeOutboxConsumer, Inbox } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = new Inbox({ client, tableName: process.env.INBOX_TABLE_NAME ?? '', policy: 'skip-stale' });
 *
 * // The OrderCancelled rule's target. Plain mode: the inbox records the event after the
 * // update, which is idempotent, so a re-application after a crash is harmless.
 * export const handler = eventBridgeOutboxConsumer(inbox, async (envelope) => {
 *   await client.send(new UpdateCommand({
 *     TableName: 'shipments',
 *     Key: { orderId: envelope.aggregateId },
 *     UpdateExpression: 'SET #status = :cancelled',
 *     ExpressionAttributeNames: { '#status': 'status' },
 *     ExpressionAttributeValues: { ':cancelled': 'CANCELLED' },
 *   }));
 * });
 * ```
 */
export function eventBridgeOutboxConsumer(
  inbox: Inbox,
  handler: OutboxEventHandler,
  logger?: Logger,
) {
  return (event: EventBridgeEvent<string, unknown>): Promise<ConsumeOutcome> =>
    consumeOutboxEvent(inbox, event, handler, logger);
}
