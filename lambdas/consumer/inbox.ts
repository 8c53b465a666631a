import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../outbox/envelope.js';
import { MAX_TRANSACTION_ITEMS } from '../outbox/limits.js';
import { ConsumerConfigError, ConsumerError, InboxContentionError } from './errors.js';
import { type InboxEnvironmentOptions, inboxOptionsFromEnvironment } from './inbox-environment.js';
import {
  APPLIED_AT_ATTRIBUTE,
  cursorKey,
  eventKey,
  INBOX_PK,
  INBOX_TTL_ATTRIBUTE,
  LAST_SEQUENCE_ATTRIBUTE,
} from './inbox-schema.js';

/**
 * What to do with an event that is not the next one of its aggregate.
 * - `apply`: apply every event once, in whatever order it arrives (duplicates skipped by
 *   `eventId`); the cursor only moves forward.
 * - `skip-stale`: apply an event only if it is newer than the last applied one; older
 *   ones (late arrivals, duplicates) are skipped. For "latest state wins" consumers.
 * - `fail`: apply only the next sequence; a later one fails so that the delivery is
 *   retried once the gap is filled; an older one is skipped as a duplicate.
 */
export type OrderPolicy = 'apply' | 'skip-stale' | 'fail';

/**
 * The inbox's verdict on an event, from {@link Inbox.decide}: `apply` it (`gap` when it
 * is not the next one of its aggregate), `skip` it, or `retry` it later (policy `fail`,
 * an earlier event is missing). `lastSequence` is the aggregate's cursor as read.
 */
export type InboxDecision =
  | { readonly action: 'apply'; readonly lastSequence: number; readonly gap: boolean }
  | {
      readonly action: 'skip';
      readonly reason: 'duplicate' | 'stale';
      readonly lastSequence: number;
    }
  | { readonly action: 'retry'; readonly lastSequence: number };

/**
 * Configuration of an {@link Inbox}.
 */
export interface InboxOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default - 'fail': strict order, gaps retried */
  readonly policy?: OrderPolicy;
  /**
   * How long an applied event is remembered, in days (duplicates later than this are not
   * detected by id; the cursor still catches them under `skip-stale` and `fail`).
   * @default - 7
   */
  readonly ttlDays?: number;
  /** @default - the system clock */
  readonly clock?: () => Date;
}

/**
 * A consumer's memory of what it applied: an item per event id (conditional put, so a
 * duplicate cannot be recorded twice) and a cursor per aggregate (the last applied
 * sequence, moved with a condition on its previous value).
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { EventBridgeEvent } from 'aws-lambda';
 * import { Inbox, parseOutboxEvent } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * // One inbox per consumer, on the table OutboxConsumer created for it.
 * const inbox = new Inbox({
 *   client,
 *   tableName: process.env.INBOX_TABLE_NAME ?? '',
 *   policy: 'fail',
 * });
 *
 * // Usually handed to sqsOutboxConsumer; asked directly, it tells what was applied. Under
 * // 'fail' the cursor only passes applied events, so anything skipped was applied.
 * export async function wasApplied(event: EventBridgeEvent<string, unknown>): Promise<boolean> {
 *   const decision = await inbox.decide(parseOutboxEvent(event).envelope);
 *   return decision.action === 'skip';
 * }
 * ```
 */
export class Inbox {
  readonly policy: OrderPolicy;
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly ttlSeconds: number;
  private readonly clock: () => Date;

  constructor(options: InboxOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.policy = options.policy ?? 'fail';
    this.ttlSeconds = Math.round((options.ttlDays ?? 7) * 86_400);
    this.clock = options.clock ?? (() => new Date());
    if (!this.tableName) throw new ConsumerConfigError('tableName must not be empty');
    if (!(this.ttlSeconds > 0)) {
      throw new ConsumerConfigError(`ttlDays must be positive, got ${options.ttlDays}`);
    }
  }

  /**
   * Creates the inbox `OutboxConsumer` configured this Lambda for: its table, its order
   * policy (`orderPolicy`) and how long applied events are remembered (`inboxTtl`) come
   * from the environment the construct sets. Create it once, at module scope.
   *
   * @param env - where to read `INBOX_TABLE_NAME`, `ORDER_POLICY` and `INBOX_TTL_DAYS`;
   *   `process.env` unless given
   * @throws ConsumerConfigError naming each missing or bad variable
   *
   * @example
   * ```ts
   * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
   * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
   * import { Inbox, sqsOutboxConsumer } from 'dynamo-outbox/runtime';
   *
   * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
   * const inbox = Inbox.fromEnvironment({ client });
   * export const handler = sqsOutboxConsumer(inbox, async (envelope) => {
   *   console.info('order event', envelope.aggregateId, envelope.sequence);
   * });
   * ```
   */
  static fromEnvironment(
    options: Omit<InboxOptions, keyof InboxEnvironmentOptions>,
    env: NodeJS.ProcessEnv = process.env,
  ): Inbox {
    return new Inbox({ ...options, ...inboxOptionsFromEnvironment(env) });
  }

  /** Reads (consistently) whether the event was applied and where its aggregate's cursor is. */
  async decide(envelope: EventEnvelope): Promise<InboxDecision> {
    const keys = [
      eventKey(envelope.eventId),
      cursorKey(envelope.aggregateType, envelope.aggregateId),
    ];
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: { Keys: keys.map((k) => ({ [INBOX_PK]: k })), ConsistentRead: true },
        },
      }),
    );
    const items = new Map(
      (Responses?.[this.tableName] ?? []).map((item) => [String(item[INBOX_PK]), item]),
    );
    const seen = items.has(keys[0] as string);
    const lastSequence = Number(items.get(keys[1] as string)?.[LAST_SEQUENCE_ATTRIBUTE] ?? 0);
    const next = lastSequence + 1;
    if (seen) return { action: 'skip', reason: 'duplicate', lastSequence };
    if (envelope.sequence === next) return { action: 'apply', lastSequence, gap: false };
    if (envelope.sequence < next) {
      // Older than the cursor and not recorded by id: a late arrival (or an old duplicate).
      return this.policy === 'apply'
        ? { action: 'apply', lastSequence, gap: true }
        : { action: 'skip', reason: this.policy === 'fail' ? 'duplicate' : 'stale', lastSequence };
    }
    return this.policy === 'fail'
      ? { action: 'retry', lastSequence }
      : { action: 'apply', lastSequence, gap: true };
  }

  /**
   * The items that record the event, to commit in the consumer's own transaction (e.g. as
   * `additionalItems` of the `OutboxWriter`): the state change and the record of it then
   * commit together, so a redelivery after a crash finds the event recorded.
   */
  transactionItems(
    envelope: EventEnvelope,
    decision: Extract<InboxDecision, { action: 'apply' }>,
  ): TransactWriteItem[] {
    const now = this.clock();
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            [INBOX_PK]: eventKey(envelope.eventId),
            aggregate: `${envelope.aggregateType}#${envelope.aggregateId}`,
            sequence: envelope.sequence,
            [APPLIED_AT_ATTRIBUTE]: now.toISOString(),
            [INBOX_TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + this.ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': INBOX_PK },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    if (envelope.sequence > decision.lastSequence) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: { [INBOX_PK]: cursorKey(envelope.aggregateType, envelope.aggregateId) },
          UpdateExpression: 'SET #seq = :seq',
          // Moves only from the value the decision read: a concurrent delivery of the
          // same aggregate cancels one of the two, which then decides again.
          ConditionExpression:
            decision.lastSequence === 0 ? 'attribute_not_exists(#seq)' : '#seq = :previous',
          ExpressionAttributeNames: { '#seq': LAST_SEQUENCE_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':seq': envelope.sequence,
            ...(decision.lastSequence === 0 ? {} : { ':previous': decision.lastSequence }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    }
    return items;
  }

  /**
   * Records an applied event, with `writes` in the same transaction when given (the
   * consumer's state change, returned by its handler): all of them commit, or none.
   *
   * @returns 'duplicate' when a concurrent delivery recorded it first (then none of
   *   `writes` was committed)
   * @throws InboxContentionError when the cursor moved meanwhile
   * @throws ConsumerError when `writes` and the inbox items exceed one transaction
   */
  async record(
    envelope: EventEnvelope,
    decision: Extract<InboxDecision, { action: 'apply' }>,
    writes: readonly TransactWriteItem[] = [],
  ): Promise<'recorded' | 'duplicate'> {
    const items = [...writes, ...this.transactionItems(envelope, decision)];
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new ConsumerError(
        `the handler returned ${writes.length} writes; with the inbox's ${items.length - writes.length} items that exceeds the ${MAX_TRANSACTION_ITEMS} items of one transaction`,
      );
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      const conflict = inboxConflict(error);
      if (conflict === 'event') return 'duplicate';
      if (conflict === 'cursor') throw cursorMoved(envelope, error);
      throw error;
    }
  }
}

/** The error for a transaction the aggregate's cursor cancelled: decide again. @internal */
export function cursorMoved(envelope: EventEnvelope, cause: unknown): InboxContentionError {
  return new InboxContentionError(
    `cursor of ${envelope.aggregateType}#${envelope.aggregateId} moved; retry`,
    { cause },
  );
}

/**
 * Whether an error is the cancellation of a transaction holding the inbox items, and which
 * of them failed: the event item (already applied) or the cursor (moved meanwhile).
 * @internal
 */
export function inboxConflict(error: unknown): 'event' | 'cursor' | undefined {
  let e = error as
    | {
        name?: string;
        CancellationReasons?: { Code?: string; Item?: Record<string, unknown> }[];
        cause?: unknown;
      }
    | undefined;
  // The OutboxWriter wraps failures of additional items; look through to the cancellation.
  for (let depth = 0; e && e.name !== 'TransactionCanceledException' && depth < 3; depth++) {
    e = e.cause as typeof e;
  }
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return classify(e.CancellationReasons ?? []);
}

function classify(
  reasons: readonly { Code?: string; Item?: Record<string, unknown> }[],
): 'event' | 'cursor' | undefined {
  // The inbox items ask for the old item on failure (ALL_OLD): its key says which failed,
  // and its attributes that it is the inbox's, not an item of the consumer's own table
  // in the same transaction whose key happens to look alike.
  for (const reason of reasons) {
    if (reason.Code !== 'ConditionalCheckFailed' || reason.Item === undefined) continue;
    const pk = reason.Item[INBOX_PK] as { S?: string } | string | undefined;
    const key = typeof pk === 'string' ? pk : pk?.S;
    if (key?.startsWith('EVENT#') && APPLIED_AT_ATTRIBUTE in reason.Item) return 'event';
    if (key?.startsWith('CURSOR#') && LAST_SEQUENCE_ATTRIBUTE in reason.Item) return 'cursor';
  }
  return undefined;
}
