import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderAction, TRANSITIONS } from '../../lambdas/orders/index.js';
import { LOCAL_CALLER_HEADER } from '../../local/api-server.js';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  type BusEvent,
  busEvents,
  call,
  eventsOf,
  orderBody,
  startTestRuntime,
  tableItemCounts,
  waitForEvents,
  waitUntilQuiet,
} from '../helpers/local-runtime.js';

// 100 concurrent conflicting requests on one order, over real HTTP against the local
// runtime: optimistic locking must let exactly the allowed writes through, each with its
// own version and its own event, and answer every loser with a 4xx, never a 5xx.

const CONCURRENCY = 100;

type Response = Awaited<ReturnType<typeof call>>;

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

/** Creates a PENDING order (version 1) and returns its id. */
async function createOrder(customerId: string): Promise<string> {
  const created = await call(runtime, 'POST', '/orders', orderBody(customerId));
  expect(created.status).toBe(201);
  const id = created.body.id;
  if (typeof id !== 'string') throw new Error(`no id in ${JSON.stringify(created.body)}`);
  return id;
}

/** `{ "200": 1, "412": 99 }`, for failure messages and the log. */
const histogram = (responses: readonly Response[]): Record<string, number> =>
  responses.reduce<Record<string, number>>((counts, r) => {
    const key = r.status >= 400 ? `${r.status} ${String(r.body.type ?? '')}` : String(r.status);
    counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }, {});

/** Waits until the aggregate has at least `count` events and the relay is quiet, then reads them. */
async function settledEventsOf(id: string, count: number): Promise<BusEvent[]> {
  await waitForEvents(runtime, (all) => eventsOf(all, id).length >= count);
  await waitUntilQuiet(runtime);
  return eventsOf(await busEvents(runtime), id);
}

function expectNoServerErrors(responses: readonly Response[]): void {
  const serverErrors = responses.filter((r) => r.status >= 500);
  expect(
    serverErrors.map(
      (r) => `${r.status} ${JSON.stringify(r.body)} retry-after=${r.headers.get('retry-after')}`,
    ),
    JSON.stringify(histogram(responses)),
  ).toEqual([]);
}

function expectProblems(responses: readonly Response[]): void {
  for (const response of responses) {
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: response.status, title: expect.any(String) });
  }
}

/** A shuffled copy. */
const shuffle = <T>(items: readonly T[]): T[] =>
  items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);

const log = (line: string) => process.stdout.write(`concurrency: ${line}\n`);

describe(`${CONCURRENCY} concurrent conflicting requests on one order, over HTTP`, () => {
  it('lets exactly one confirm with If-Match "1" win (version 2) and answers every other one 412', async () => {
    // Arrange
    const id = await createOrder(`race-if-match-${randomUUID()}`);

    // Act
    const responses = await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        call(runtime, 'POST', `/orders/${id}/confirm`, undefined, { 'If-Match': '"1"' }),
      ),
    );

    // Assert
    log(`If-Match "1" ×${CONCURRENCY}: ${JSON.stringify(histogram(responses))}`);
    expectNoServerErrors(responses);
    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status !== 200);
    expect(winners, JSON.stringify(histogram(responses))).toHaveLength(1);
    expect(winners[0]?.body).toMatchObject({ id, version: 2, status: 'CONFIRMED' });
    expect(winners[0]?.headers.get('etag')).toBe('"2"');
    expect(losers.every((r) => r.status === 412 || r.status === 409)).toBe(true);
    expectProblems(losers);
    // One write happened, so every 412 names version 2 as the current one.
    for (const loser of losers.filter((r) => r.status === 412)) {
      expect(loser.body.currentVersion).toBe(2);
      expect(loser.headers.get('etag')).toBe('"2"');
    }
    const read = await call(runtime, 'GET', `/orders/${id}`);
    expect(read.body).toMatchObject({ version: 2, status: 'CONFIRMED' });
    const events = await settledEventsOf(id, 2);
    expect(events.map((e) => [e.detailType, e.detail.sequence])).toEqual([
      ['OrderCreated', 1],
      ['OrderConfirmed', 2],
    ]);
  }, 60_000);

  it('gives the confirms, cancels and ships that win gap-free versions 2..n+1 and relays exactly their events, in version order', async () => {
    // Arrange
    const id = await createOrder(`race-mixed-${randomUUID()}`);
    const kinds: readonly OrderAction[] = ['confirm', 'cancel', 'ship'];
    // A third of each, shuffled: which ones win varies from run to run (logged below).
    const actions = shuffle(
      Array.from(
        { length: CONCURRENCY },
        (_, i): OrderAction => kinds[i % kinds.length] ?? 'confirm',
      ),
    );

    // Act
    const outcomes = await Promise.all(
      actions.map(async (action) => ({
        action,
        response: await call(runtime, 'POST', `/orders/${id}/${action}`),
      })),
    );

    // Assert: the answers
    const responses = outcomes.map((o) => o.response);
    log(`confirm/cancel/ship ×${CONCURRENCY}: ${JSON.stringify(histogram(responses))}`);
    expectNoServerErrors(responses);
    const successes = outcomes
      .filter((o) => o.response.status === 200)
      .map((o) => ({
        action: o.action,
        version: Number(o.response.body.version),
        status: o.response.body.status,
      }))
      .sort((a, b) => a.version - b.version);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    expect(successes.map((s) => s.version)).toEqual(
      Array.from({ length: successes.length }, (_, i) => i + 2),
    );
    const rejected = responses.filter((r) => r.status !== 200);
    expect(rejected.every((r) => r.status === 409)).toBe(true);
    expectProblems(rejected);

    // Assert: the successes follow the state machine, one transition per version
    let status = 'PENDING';
    for (const success of successes) {
      const transition = TRANSITIONS[success.action];
      expect(transition.from as readonly string[]).toContain(status);
      expect(success.status).toBe(transition.to);
      status = transition.to;
    }
    const read = await call(runtime, 'GET', `/orders/${id}`);
    expect(read.body).toMatchObject({ version: successes.length + 1, status });
    expect(read.headers.get('etag')).toBe(`"${successes.length + 1}"`);

    // Assert: exactly one event per success, in version order
    const events = await settledEventsOf(id, successes.length + 1);
    log(
      `mixed winners in version order: ${successes.map((s) => s.action).join(' → ')} (sent first: ${actions.slice(0, 5).join(', ')}, …)`,
    );
    expect(events.map((e) => e.detail.sequence)).toEqual(
      Array.from({ length: successes.length + 1 }, (_, i) => i + 1),
    );
    expect(events.map((e) => e.detailType)).toEqual([
      'OrderCreated',
      ...successes.map((s) => TRANSITIONS[s.action].event),
    ]);
    expect(events.slice(1).map((e) => e.detail.data.status)).toEqual(
      successes.map((s) => s.status),
    );
  }, 60_000);

  it('creates exactly one order and one OrderCreated for 100 concurrent creates with one Idempotency-Key', async () => {
    // Arrange
    const key = `race-${randomUUID()}`;
    const customerId = `race-idempotent-${randomUUID()}`;
    const before = await tableItemCounts(runtime);

    // Act
    const responses = await Promise.all(
      Array.from({ length: CONCURRENCY }, () =>
        call(runtime, 'POST', '/orders', orderBody(customerId), { 'Idempotency-Key': key }),
      ),
    );

    // Assert
    log(`create with one Idempotency-Key ×${CONCURRENCY}: ${JSON.stringify(histogram(responses))}`);
    expectNoServerErrors(responses);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    if (typeof id !== 'string')
      throw new Error(`no order id in ${JSON.stringify(responses[0]?.body)}`);
    for (const response of responses) expect(response.body).toEqual(responses[0]?.body);
    const firstAnswers = responses.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
    expect(firstAnswers).toHaveLength(1);
    const after = await tableItemCounts(runtime);
    expect(after.orders - before.orders).toBe(1);
    const events = await settledEventsOf(id, 1);
    expect(events.map((e) => [e.detailType, e.detail.sequence])).toEqual([['OrderCreated', 1]]);
    const created = (await busEvents(runtime)).filter(
      (e) => e.detailType === 'OrderCreated' && e.detail.data.customerId === customerId,
    );
    expect(created).toHaveLength(1);
  }, 60_000);

  it('keeps the key spaces of two callers apart: 100 concurrent creates with one Idempotency-Key, half by each, make one order each', async () => {
    // Arrange
    const key = `race-${randomUUID()}`;
    const callers = [
      'arn:aws:iam::000000000000:user/alice',
      'arn:aws:sts::000000000000:assumed-role/orders-client/bob',
    ];
    const customerId = `race-two-callers-${randomUUID()}`;
    const before = await tableItemCounts(runtime);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, i) => {
        const caller = callers[i % callers.length] ?? '';
        const response = await call(runtime, 'POST', '/orders', orderBody(customerId), {
          'Idempotency-Key': key,
          [LOCAL_CALLER_HEADER]: caller,
        });
        return { caller, response };
      }),
    );

    // Assert
    const responses = outcomes.map((o) => o.response);
    log(
      `create with one key by two callers ×${CONCURRENCY}: ${JSON.stringify(histogram(responses))}`,
    );
    expectNoServerErrors(responses);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const idsByCaller = callers.map(
      (caller) =>
        new Set(outcomes.filter((o) => o.caller === caller).map((o) => o.response.body.id)),
    );
    expect(idsByCaller.map((ids) => ids.size)).toEqual([1, 1]);
    const [aliceIds, bobIds] = idsByCaller;
    expect([...(aliceIds ?? [])][0]).not.toBe([...(bobIds ?? [])][0]);
    const after = await tableItemCounts(runtime);
    expect(after.orders - before.orders).toBe(2);
  }, 60_000);
});
