import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  type ConsumeOptions,
  type ConsumeOutcome,
  consumeOptions,
  consumeOutboxEvent,
  type OutboxEventHandler,
} from './consume.js';
import { UnexpectedEventError } from './errors.js';
import type { Inbox } from './inbox.js';

/**
 * A Lambda handler for an SQS queue that an EventBridge rule fills (the construct's
 * buffer): each message is one event, consumed once in effect; failures are reported per
 * message (`ReportBatchItemFailures`) so the others are not redelivered. Messages are
 * processed one after the other, in the order SQS handed them over. On a FIFO queue (the
 * Custom Event Bus's FIFO subscriber fills one, a group per aggregate), a failed message
 * holds its group: the later messages of that group in the batch are reported failed
 * unprocessed, so they are redelivered after it and never overtake it; other groups go on
 * (Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError`). A message outside
 * `options.expect` is refused like a failure: never applied, it reaches the buffer's
 * dead-letter queue after `maxReceiveCount` deliveries.
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
 * }, {
 *   logger,
 *   // What the rule subscribes to, checked again: the rule is a filter, not an authentication.
 *   expect: { sources: ['com.example.orders'], detailTypes: ['OrderCreated', 'OrderCancelled'] },
 * });
 *
 * // Only the messages listed in its batchItemFailures are redelivered.
 * export const handler = middy<SQSEvent, SQSBatchResponse>()
 *   .use(injectLambdaContext(logger, { resetKeys: true }))
 *   .handler(consume);
 * ```
 */
export function sqsOutboxConsumer(
  inbox: Inbox,
  handler: OutboxEventHandler,
  options?: Logger | ConsumeOptions,
) {
  // Built at cold start: a bad `expect` fails the function before it consumes anything.
  const resolved = consumeOptions(options);
  const { logger } = resolved;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    const heldGroups = new Set<string>();
    for (const record of event.Records) {
      const group = record.attributes?.MessageGroupId;
      if (group !== undefined && heldGroups.has(group)) {
        // A FIFO group whose earlier message failed: this one must not overtake it.
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        const body: unknown = JSON.parse(record.body);
        const outcome = await consumeOutboxEvent(inbox, body, handler, resolved);
        logger?.debug('message consumed', { messageId: record.messageId, outcome });
      } catch (error) {
        logFailure(logger, record.messageId, error);
        batchItemFailures.push({ itemIdentifier: record.messageId });
        if (group !== undefined) heldGroups.add(group);
      }
    }
    return { batchItemFailures };
  };
}

/** A refused event is an error (someone sent what this consumer never subscribed to); others retry. */
function logFailure(logger: Logger | undefined, messageId: string, error: unknown): void {
  if (error instanceof UnexpectedEventError) {
    logger?.error('unexpected event refused; after its retries it goes to the dead-letter queue', {
      messageId,
      error,
    });
    return;
  }
  logger?.warn('message failed; it will be redelivered', { messageId, error: error as Error });
}

/**
 * A Lambda handler for an EventBridge rule target (asynchronous invocation): the event is
 * consumed once in effect; an error makes Lambda retry it (and send it to the function's
 * on-failure destination after its retries) — an event outside `options.expect` too.
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
  options?: Logger | ConsumeOptions,
) {
  const resolved = consumeOptions(options);
  return (event: EventBridgeEvent<string, unknown>): Promise<ConsumeOutcome> =>
    consumeOutboxEvent(inbox, event, handler, resolved);
}
