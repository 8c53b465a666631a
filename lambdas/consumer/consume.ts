import type { Logger } from '@aws-lambda-powertools/logger';
import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../outbox/index.js';
import { OutOfOrderEventError } from './errors.js';
import { type Inbox, inboxConflict } from './inbox.js';
import { type OutboxEvent, parseOutboxEvent } from './outbox-event.js';

/** What a consumer's handler gets for one event. */
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

/** Applies one event: the consumer's own logic. */
export type OutboxEventHandler = (
  envelope: EventEnvelope,
  context: ConsumeContext,
) => Promise<void>;

/** What happened to one event. */
export type ConsumeOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Processes one delivered outbox event exactly once in effect: asks the inbox whether it
 * is new and in order (by the inbox's policy), runs the handler, and records it — in the
 * handler's own transaction when it asked for the items, on its own otherwise.
 *
 * A crash after the handler's transaction but before the ack is safe: the redelivery finds
 * the event recorded. In plain mode (no shared transaction) a crash between the handler's
 * writes and the record re-applies the event: make such handlers idempotent themselves.
 *
 * @throws OutOfOrderEventError (policy `fail`) and InboxContentionError: retry the delivery
 * @throws InvalidOutboxEventError when the message is not an outbox event
 * @example
 * const outcome = await consumeOutboxEvent(inbox, event, async (envelope, ctx) => { … });
 */
export async function consumeOutboxEvent(
  inbox: Inbox,
  rawEvent: unknown,
  handler: OutboxEventHandler,
  logger?: Logger,
): Promise<ConsumeOutcome> {
  const event = parseOutboxEvent(rawEvent);
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
  try {
    await handler(envelope, context);
  } catch (error) {
    // The handler's transaction held the inbox items and one of them failed: a concurrent
    // delivery applied this event first.
    if (transactional && inboxConflict(error) === 'event') return 'duplicate';
    throw error;
  }
  if (!transactional && (await inbox.record(envelope, decision)) === 'duplicate')
    return 'duplicate';
  return 'applied';
}
