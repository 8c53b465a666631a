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
 * export const handler = middy().handler(sqsOutboxConsumer(inbox, async (envelope, ctx) => { … }));
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
 * export const handler = eventBridgeOutboxConsumer(inbox, async (envelope) => { … });
 */
export function eventBridgeOutboxConsumer(
  inbox: Inbox,
  handler: OutboxEventHandler,
  logger?: Logger,
) {
  return (event: EventBridgeEvent<string, unknown>): Promise<ConsumeOutcome> =>
    consumeOutboxEvent(inbox, event, handler, logger);
}
