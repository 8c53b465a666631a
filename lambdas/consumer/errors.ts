/**
 * Base class of the consumer kit's errors: the kit refused or could not yet record an
 * event, as opposed to a failure of the consumer's own handler.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { ConsumerError, eventBridgeOutboxConsumer, Inbox } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'shipping' });
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = Inbox.fromEnvironment({ client });
 * const consume = eventBridgeOutboxConsumer(inbox, async (envelope) => {
 *   logger.info('shipping order', { orderId: envelope.aggregateId });
 * });
 *
 * export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
 *   try {
 *     await consume(event);
 *   } catch (error) {
 *     // The kit refused the event (out of order, contention, not an outbox event): a
 *     // warning; only a failure of shipping's own code should alert.
 *     if (error instanceof ConsumerError) logger.warn('event refused, retried', { error });
 *     else logger.error('shipping failed', { error: error as Error });
 *     throw error;
 *   }
 * };
 * ```
 */
export class ConsumerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerError';
  }
}

/**
 * The inbox was configured with a bad value (a bad variable for `Inbox.fromEnvironment()`,
 * a non-positive `ttlDays`): thrown at the cold start of a handler that creates its inbox
 * at module scope, so the function fails before it consumes anything.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { ConsumerConfigError, Inbox } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * try {
 *   Inbox.fromEnvironment({ client }, { INBOX_TABLE_NAME: 'inbox', ORDER_POLICY: 'strict' });
 * } catch (error) {
 *   // "invalid inbox environment: ORDER_POLICY: must be 'apply', 'skip-stale' or 'fail'"
 *   if (error instanceof ConsumerConfigError) console.error(error.message);
 * }
 * ```
 */
export class ConsumerConfigError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerConfigError';
  }
}

/**
 * The message is not an outbox event (no envelope): retrying cannot help.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { eventBridgeOutboxConsumer, Inbox, InvalidOutboxEventError } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'shipping' });
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = Inbox.fromEnvironment({ client });
 * const consume = eventBridgeOutboxConsumer(inbox, async (envelope) => {
 *   logger.info('shipping order', { orderId: envelope.aggregateId });
 * });
 *
 * export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
 *   try {
 *     await consume(event);
 *   } catch (error) {
 *     // Not from the outbox (a hand-sent test event?): drop it, since Lambda's retries
 *     // would fail the same way and only fill the on-failure destination.
 *     if (error instanceof InvalidOutboxEventError) {
 *       logger.error('not an outbox event, dropped', { id: event.id, error });
 *       return;
 *     }
 *     throw error;
 *   }
 * };
 * ```
 */
export class InvalidOutboxEventError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidOutboxEventError';
  }
}

/**
 * The event is not one this consumer subscribed to: its `source`, `detail-type` or
 * envelope `aggregateType` is outside what the handler was told to `expect`. Anyone who
 * can publish to the bus (or send to the consumer's queue) could have sent it, so it is
 * refused — never applied, never recorded — and, retried in vain, ends in the dead-letter
 * queue, where the alarm shows it.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { eventBridgeOutboxConsumer, Inbox, UnexpectedEventError } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'billing' });
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = Inbox.fromEnvironment({ client });
 * const consume = eventBridgeOutboxConsumer(
 *   inbox,
 *   async (envelope) => logger.info('billing order', { orderId: envelope.aggregateId }),
 *   { logger, expect: { sources: ['com.example.orders'], detailTypes: ['OrderConfirmed'] } },
 * );
 *
 * export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
 *   try {
 *     await consume(event);
 *   } catch (error) {
 *     // Not what billing subscribed to: someone else published it. Page, do not apply.
 *     if (error instanceof UnexpectedEventError) {
 *       logger.error('unexpected event', { field: error.field, value: error.value });
 *     }
 *     throw error;
 *   }
 * };
 * ```
 */
export class UnexpectedEventError extends ConsumerError {
  /** What did not match: the event's `source`, its `detail-type`, or the envelope's `aggregateType`. */
  readonly field: 'source' | 'detail-type' | 'aggregateType';
  /** The value the event carried (the expected ones are in the message). */
  readonly value: string;

  constructor(
    field: 'source' | 'detail-type' | 'aggregateType',
    value: string,
    expected: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `unexpected ${field} ${JSON.stringify(value)}: this consumer expects ${expected.map((e) => JSON.stringify(e)).join(', ')}`,
      options,
    );
    this.name = 'UnexpectedEventError';
    this.field = field;
    this.value = value;
  }
}

/**
 * The event arrived before an earlier one of its aggregate and the policy is `fail`:
 * the delivery should be retried later, once the gap is filled.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { eventBridgeOutboxConsumer, Inbox, OutOfOrderEventError } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'billing' });
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * // Billing receives every event of an order and needs them in order: policy 'fail'.
 * const inbox = new Inbox({ client, tableName: process.env.INBOX_TABLE_NAME ?? '', policy: 'fail' });
 * const consume = eventBridgeOutboxConsumer(inbox, async (envelope) => {
 *   logger.info('billing order', { orderId: envelope.aggregateId, sequence: envelope.sequence });
 * });
 *
 * export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
 *   try {
 *     await consume(event);
 *   } catch (error) {
 *     // An earlier event of the order is still on its way: rethrow, so that Lambda retries
 *     // this one later, by when the gap is likely filled.
 *     if (error instanceof OutOfOrderEventError) {
 *       logger.info('waiting for an earlier event', {
 *         expected: error.expectedSequence,
 *         received: error.sequence,
 *       });
 *     }
 *     throw error;
 *   }
 * };
 * ```
 */
export class OutOfOrderEventError extends ConsumerError {
  readonly expectedSequence: number;
  readonly sequence: number;

  constructor(
    aggregate: string,
    expectedSequence: number,
    sequence: number,
    options?: ErrorOptions,
  ) {
    super(
      `event ${sequence} of ${aggregate} arrived before ${expectedSequence}; retry later`,
      options,
    );
    this.name = 'OutOfOrderEventError';
    this.expectedSequence = expectedSequence;
    this.sequence = sequence;
  }
}

/**
 * Another delivery of the same aggregate moved its cursor meanwhile: retry the event (its
 * next decision reads the new cursor). In plain mode the inbox's own record of the event
 * failed; in transactional mode the handler's transaction was cancelled by the cursor
 * item, and nothing of it was written. The cancellation is the `cause`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { consumeOutboxEvent, Inbox, InboxContentionError, type OutboxEventHandler } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = new Inbox({ client, tableName: process.env.INBOX_TABLE_NAME ?? '', policy: 'skip-stale' });
 * // Plain mode: setting the status again is harmless, so the handler may run twice.
 * const cancelShipment: OutboxEventHandler = async (envelope) => {
 *   await client.send(new UpdateCommand({
 *     TableName: 'shipments',
 *     Key: { orderId: envelope.aggregateId },
 *     UpdateExpression: 'SET #status = :cancelled',
 *     ExpressionAttributeNames: { '#status': 'status' },
 *     ExpressionAttributeValues: { ':cancelled': 'CANCELLED' },
 *   }));
 * };
 *
 * export const handler = async (event: EventBridgeEvent<string, unknown>) => {
 *   for (let attempt = 1; ; attempt++) {
 *     try {
 *       return await consumeOutboxEvent(inbox, event, cancelShipment);
 *     } catch (error) {
 *       // Another event of the same order was recorded meanwhile: decide again at once,
 *       // sooner than Lambda's own retry.
 *       if (!(error instanceof InboxContentionError) || attempt === 3) throw error;
 *     }
 *   }
 * };
 * ```
 */
export class InboxContentionError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InboxContentionError';
  }
}
