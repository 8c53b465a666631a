import type { Logger } from '@aws-lambda-powertools/logger';
import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../outbox/envelope.js';
import { ConsumerError, OutOfOrderEventError } from './errors.js';
import {
  assertExpectedEvent,
  type ExpectedEvents,
  validateExpectedEvents,
} from './expected-events.js';
import { cursorMoved, type Inbox, inboxConflict } from './inbox.js';
import { type OutboxEvent, parseOutboxEvent } from './outbox-event.js';

/**
 * What a consumer's handler gets for one event: the EventBridge event it came in, whether
 * it is out of order, and the inbox items for transactional mode.
 */
export interface ConsumeContext {
  readonly event: OutboxEvent;
  /** True when the event arrives after a later one of its aggregate (policy `apply`), or after a gap. */
  readonly outOfOrder: boolean;
  /**
   * The inbox items to commit in the handler's own transaction (e.g. `additionalItems` of
   * the OutboxWriter, or extra `TransactItems`). Calling it switches to transactional
   * mode: the event counts as recorded only if that transaction commits.
   */
  inTransaction(): TransactWriteItem[];
}

/**
 * Applies one event: the consumer's own logic. Three ways, from the simplest:
 * - return its DynamoDB writes: the kit commits them with the inbox's record of the event
 *   in one transaction (a duplicate commits none of them);
 * - commit the inbox items (`context.inTransaction()`) in its own transaction;
 * - return nothing (plain mode): the inbox records the event after it returns, so the
 *   handler must be idempotent itself.
 * Throwing leaves the event unrecorded, to be redelivered.
 */
export type OutboxEventHandler = (
  envelope: EventEnvelope,
  context: ConsumeContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is a Promise<void>, which undefined would refuse
) => Promise<void | readonly TransactWriteItem[]>;

/**
 * What happened to one event: `applied` (the handler ran and the event is recorded),
 * `duplicate` (already applied, or applied by a concurrent delivery) or `stale` (older than
 * the last applied event of its aggregate, under policy `skip-stale`). The handler did not
 * run for `stale` nor, usually, for `duplicate`: a concurrent delivery may find out only
 * after the handler ran — its transaction then was cancelled (transactional mode), or its
 * change was made a second time (plain mode).
 */
export type ConsumeOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Options of {@link consumeOutboxEvent}, {@link sqsOutboxConsumer} and
 * {@link eventBridgeOutboxConsumer}. (A `Logger` alone is still accepted in their place.)
 */
export interface ConsumeOptions {
  /**
   * Where the kit logs skipped, refused and failed events.
   * @default - no logging
   */
  readonly logger?: Logger;
  /**
   * What the consumer subscribed to: an event outside it fails with
   * `UnexpectedEventError`, before the inbox or the handler sees it.
   * @default - any event that carries an outbox envelope
   */
  readonly expect?: ExpectedEvents;
}

/**
 * The options from what a caller passed: options, a bare Logger (the older form), or nothing.
 * @internal
 */
export function consumeOptions(value: Logger | ConsumeOptions | undefined): ConsumeOptions {
  if (value === undefined) return {};
  // A Logger is a class instance with methods; options are a plain object of data.
  const options =
    typeof (value as Logger).info === 'function' ? { logger: value as Logger } : value;
  validateExpectedEvents((options as ConsumeOptions).expect);
  return options as ConsumeOptions;
}

/**
 * Processes one delivered outbox event exactly once in effect: asks the inbox whether it
 * is new and in order (by the inbox's policy), runs the handler, and records it — in the
 * handler's own transaction when it asked for the items, on its own otherwise.
 *
 * A crash after the handler's transaction but before the ack is safe: the redelivery finds
 * the event recorded. In plain mode (no shared transaction) a crash between the handler's
 * writes and the record re-applies the event, and so can two concurrent deliveries of it
 * (the second then reports `'duplicate'` although its handler ran): make such handlers
 * idempotent themselves. A handler that calls `context.inTransaction()` must commit the
 * items it gets, or the event is not recorded and a redelivery applies it again.
 *
 * @throws OutOfOrderEventError (policy `fail`) and InboxContentionError: retry the delivery
 * @throws InvalidOutboxEventError when the message is not an outbox event
 * @throws UnexpectedEventError when it is outside `options.expect`: never applied
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
 * import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
 * import { consumeOutboxEvent, Inbox } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const inbox = Inbox.fromEnvironment({ client });
 *
 * // A trigger the kit has no wrapper for: a Kinesis stream an EventBridge rule feeds.
 * export const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
 *   for (const record of event.Records) {
 *     try {
 *       const body = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
 *       await consumeOutboxEvent(inbox, body, async (envelope, context) => {
 *         const Item = { orderId: envelope.aggregateId, status: 'READY' };
 *         await client.send(new TransactWriteCommand({
 *           TransactItems: [{ Put: { TableName: 'shipments', Item } }, ...context.inTransaction()],
 *         }));
 *       });
 *     } catch {
 *       // Kinesis resumes from the first failure: stop here so later events keep their order.
 *       return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
 *     }
 *   }
 *   return { batchItemFailures: [] };
 * };
 * ```
 */
export async function consumeOutboxEvent(
  inbox: Inbox,
  rawEvent: unknown,
  handler: OutboxEventHandler,
  options?: Logger | ConsumeOptions,
): Promise<ConsumeOutcome> {
  const { logger, expect } = consumeOptions(options);
  const event = parseOutboxEvent(rawEvent);
  assertExpectedEvent(event, expect);
  const { envelope } = event;
  const decision = await inbox.decide(envelope);
  if (decision.action === 'skip') {
    logger?.info('event skipped', {
      eventId: envelope.eventId,
      sequence: envelope.sequence,
      reason: decision.reason,
    });
    return decision.reason;
  }
  if (decision.action === 'retry') {
    throw new OutOfOrderEventError(
      `${envelope.aggregateType}#${envelope.aggregateId}`,
      decision.lastSequence + 1,
      envelope.sequence,
    );
  }
  let transactional = false;
  const context: ConsumeContext = {
    event,
    outOfOrder: decision.gap,
    inTransaction: () => {
      transactional = true;
      return inbox.transactionItems(envelope, decision);
    },
  };
  // biome-ignore lint/suspicious/noConfusingVoidType: what an OutboxEventHandler resolves to
  let writes: void | readonly TransactWriteItem[];
  try {
    writes = await handler(envelope, context);
  } catch (error) {
    // The handler's transaction held the inbox items and one of them failed: a concurrent
    // delivery applied this event first, or moved the aggregate's cursor (decide again).
    const conflict = transactional ? inboxConflict(error) : undefined;
    if (conflict === 'event') return 'duplicate';
    if (conflict === 'cursor') throw cursorMoved(envelope, error);
    throw error;
  }
  if (writes !== undefined && transactional) {
    throw new ConsumerError(
      'the handler both took the inbox items (context.inTransaction()) and returned writes: return the writes, or commit them with the inbox items yourself',
    );
  }
  if (transactional) return 'applied';
  // Returned writes commit with the inbox's record, atomically; without, plain mode.
  return (await inbox.record(envelope, decision, writes ?? [])) === 'duplicate'
    ? 'duplicate'
    : 'applied';
}
