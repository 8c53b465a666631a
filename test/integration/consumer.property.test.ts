import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumeOutboxEvent,
  Inbox,
  inboxTableDefinition,
  type OrderPolicy,
  type OutboxEventHandler,
} from '../../lambdas/consumer/index.js';
import { shipmentsTableDefinition } from '../../lambdas/shipping/shipments-table.js';
import { anOutboxEvent } from '../helpers/consumer-events.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-dynamo.js';

/**
 * The consumer kit under any delivery schedule: every event delivered one to three times,
 * in any order, some deliveries concurrent, handlers failing before their writes commit or
 * crashing after (before the ack), each failed delivery redelivered later as SQS would.
 * Whatever happens, the state must show each event applied at most once — exactly once
 * under `fail` (in sequence order) and `apply`, and only ever newer ones under
 * `skip-stale` — on a real DynamoDB (Local).
 */
let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = dynamo.client;
  await dynamo.createTable('inbox', inboxTableDefinition);
  await dynamo.createTable('state', shipmentsTableDefinition);
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
});

type Failure = 'none' | 'before-commit' | 'after-commit';
type Mode = 'returned-writes' | 'own-transaction';

interface Delivery {
  readonly aggregate: number;
  readonly sequence: number;
  readonly mode: Mode;
  /** Injected on the first attempt only, so that every event gets through eventually. */
  readonly failure: Failure;
}

const deliveryArb = (aggregates: readonly number[]) =>
  fc.tuple(...aggregates.map((events) => fc.constant(events))).chain((counts) => {
    const events = counts.flatMap((count, aggregate) =>
      Array.from({ length: count }, (_, i) => ({ aggregate, sequence: i + 1 })),
    );
    const copies = events.map((event) =>
      fc
        .array(
          fc.record({
            mode: fc.constantFrom<Mode>('returned-writes', 'own-transaction'),
            failure: fc.constantFrom<Failure>('none', 'none', 'before-commit', 'after-commit'),
          }),
          { minLength: 1, maxLength: 3 },
        )
        .map((attempts) => attempts.map((a) => ({ ...event, ...a }))),
    );
    return fc
      .tuple(...copies)
      .chain((all) => fc.shuffledSubarray(all.flat(), { minLength: all.flat().length }));
  });

const scenarioArb = fc
  .record({
    policy: fc.constantFrom<OrderPolicy>('fail', 'apply', 'skip-stale'),
    counts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
  })
  .chain((s) => deliveryArb(s.counts).map((deliveries) => ({ ...s, deliveries })));

/** The change that logs an application of an event on its aggregate's state item. */
const logApplication = (orderId: string, sequence: number): TransactWriteItem => ({
  Update: {
    TableName: 'state',
    Key: { orderId },
    UpdateExpression: 'SET #log = list_append(if_not_exists(#log, :empty), :seq)',
    ExpressionAttributeNames: { '#log': 'log' },
    ExpressionAttributeValues: { ':empty': [], ':seq': [sequence] },
  },
});

function handlerFor(delivery: Delivery, firstAttempt: boolean): OutboxEventHandler {
  const failure = firstAttempt ? delivery.failure : 'none';
  return async (envelope, context) => {
    if (failure === 'before-commit') throw new Error('injected: failed before committing');
    const change = logApplication(envelope.aggregateId, envelope.sequence);
    if (delivery.mode === 'returned-writes') {
      // The kit commits after the handler returns: a crash "after commit" cannot be
      // injected here, so it stays a plain success.
      return [change];
    }
    await client.send(
      new TransactWriteCommand({ TransactItems: [change, ...context.inTransaction()] }),
    );
    if (failure === 'after-commit') throw new Error('injected: crashed before the ack');
    return undefined;
  };
}

async function logOf(orderId: string): Promise<number[]> {
  const { Item } = await client.send(
    new GetCommand({ TableName: 'state', Key: { orderId }, ConsistentRead: true }),
  );
  return (Item?.log as number[] | undefined) ?? [];
}

describe('the consumer kit under any delivery schedule, on DynamoDB Local', () => {
  it('applies each event at most once, exactly once in order under "fail", and never goes back under "skip-stale"', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ policy, counts, concurrency, deliveries }) => {
        run++;
        const inbox = new Inbox({ client, tableName: 'inbox', policy });
        const orderId = (aggregate: number) => `run${run}-agg${aggregate}`;
        // A queue like SQS: a failed delivery comes back at the end.
        const queue = deliveries.map((delivery) => ({ delivery, attempt: 0 }));
        for (let rounds = 0; queue.length > 0; rounds++) {
          if (rounds > 400) throw new Error('the schedule did not drain: an event is stuck');
          const group = queue.splice(0, concurrency);
          const outcomes = await Promise.allSettled(
            group.map(({ delivery, attempt }) =>
              consumeOutboxEvent(
                inbox,
                anOutboxEvent(delivery.sequence, 'OrderConfirmed', orderId(delivery.aggregate)),
                handlerFor(delivery, attempt === 0),
              ),
            ),
          );
          outcomes.forEach((outcome, i) => {
            const entry = group[i];
            if (outcome.status === 'rejected' && entry)
              queue.push({ delivery: entry.delivery, attempt: entry.attempt + 1 });
          });
        }

        for (const [aggregate, count] of counts.entries()) {
          const log = await logOf(orderId(aggregate));
          const all = Array.from({ length: count }, (_, i) => i + 1);
          expect(new Set(log).size).toBe(log.length);
          if (policy === 'fail') expect(log).toEqual(all);
          if (policy === 'apply') expect([...log].sort((a, b) => a - b)).toEqual(all);
          if (policy === 'skip-stale') {
            expect(log).toEqual([...log].sort((a, b) => a - b));
            expect(log.at(-1)).toBe(count);
          }
        }
      }),
      { numRuns: 100 },
    );
  }, 180_000);
});
