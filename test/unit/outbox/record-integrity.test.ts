import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import { keyMismatch } from '../../../lambdas/outbox/record-integrity.js';
import { relayStreamBatch } from '../../../lambdas/relay/index.js';
import { sweepPendingRecords } from '../../../lambdas/sweeper/index.js';
import {
  lambdaTime,
  type RelayHarness,
  recordsOf,
  relayHarness,
  sweeperOf,
} from '../../helpers/relay-harness.js';
import { insertOf, streamEvent } from '../../helpers/stream-events.js';

/** A record built by the real writer for order `id`, its events given other envelope fields. */
function forged(id: string, envelope: Record<string, unknown>): OutboxRecord {
  const [record] = recordsOf(id, [1]);
  if (!record) throw new Error('no record');
  return {
    ...record,
    events: record.events.map((event) => ({
      ...event,
      detail: JSON.stringify({ ...JSON.parse(event.detail), ...envelope }),
    })),
  };
}

describe('keyMismatch', () => {
  it("accepts every record the writer builds, whatever the aggregate's id holds", () => {
    const records = [...recordsOf('o-1', [1, 3]), ...recordsOf('a#b*c', [2])];

    expect(records.map(keyMismatch)).toEqual([undefined, undefined, undefined]);
  });

  it.each<[string, OutboxRecord, string]>([
    [
      'an event names another aggregate type',
      forged('o-1', { aggregateType: 'Payment', aggregateId: 'p-1' }),
      "events[0] names aggregate Payment#p-1, not the record's key Order#o-1",
    ],
    [
      'an event names another order',
      forged('o-1', { aggregateId: 'o-2' }),
      "events[0] names aggregate Order#o-2, not the record's key Order#o-1",
    ],
    [
      'an event names no aggregate',
      forged('o-1', { aggregateType: undefined }),
      "events[0] names no aggregate, not the record's key Order#o-1",
    ],
  ])('refuses a record if %s', (_why, record, message) => {
    expect(keyMismatch(record)).toBe(message);
  });

  it('refuses a record whose own aggregate fields are not its key', () => {
    const [record] = recordsOf('o-1', [1]);
    if (!record) throw new Error('no record');

    expect(keyMismatch({ ...record, aggregateType: 'Payment' })).toBe(
      'the record names aggregate Payment#o-1, not its key Order#o-1',
    );
  });

  it('refuses events under an idempotency key, even if they name it', () => {
    const [record] = recordsOf('o-1', [1]);
    if (!record) throw new Error('no record');
    const underIdempotency = {
      ...forged('o-1', { aggregateType: 'IDEMPOTENCY', aggregateId: 'k' }),
      pk: 'IDEMPOTENCY#k',
      aggregateType: 'IDEMPOTENCY',
      aggregateId: 'k',
    };

    expect(keyMismatch(underIdempotency)).toBe(
      "key IDEMPOTENCY#k is an idempotency record's, which never holds events",
    );
  });

  it.each(['{not json', '[]', '"text"'])(
    'leaves a Detail that is not a JSON object (%s) to EventBridge, which refuses it as MalformedDetail',
    (detail) => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      const events = record.events.map((e) => ({ ...e, detail }));

      expect(keyMismatch({ ...record, events })).toBeUndefined();
    },
  );
});

describe('delivering a record whose events are not its key', () => {
  let h: RelayHarness;
  beforeEach(() => {
    h = relayHarness();
  });
  afterEach(() => h.restore());

  /** Order o-1's first record, forged to speak for payment p-1, and its honest successor. */
  const forgedThenHonest = (): [OutboxRecord, OutboxRecord] => {
    const [first, second] = recordsOf('o-1', [1, 1]);
    if (!first || !second) throw new Error('no records');
    const events = first.events.map((e) => ({
      ...e,
      detail: JSON.stringify({
        ...JSON.parse(e.detail),
        aggregateType: 'Payment',
        aggregateId: 'p-1',
      }),
    }));
    return [{ ...first, events }, second];
  };

  it('fails if the relay publishes it: it is quarantined as KeyMismatch, and the aggregate goes on', async () => {
    const [bad, next] = forgedThenHonest();
    h.table.put(bad, next);

    const result = await relayStreamBatch(
      h.deps,
      streamEvent([insertOf(bad), insertOf(next)]),
      lambdaTime(),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(h.bus.accepted.map((e) => JSON.parse(e.entry.Detail ?? '{}').aggregateType)).toEqual([
      'Order',
    ]);
    expect(h.dlq.messages).toHaveLength(1);
    expect(h.dlq.messages[0]).toMatchObject({ failure: { code: 'KeyMismatch' } });
    expect(h.table.statusOf(bad)).toBe('FAILED');
    expect(h.table.statusOf(next)).toBe('DELIVERED');
  });

  it('is done with a redelivered stream record of it: already FAILED, nothing is retried', async () => {
    const [bad] = forgedThenHonest();
    h.table.put({ ...bad, status: 'FAILED' });

    const result = await relayStreamBatch(h.deps, streamEvent([insertOf(bad)]), lambdaTime());

    expect(result.batchItemFailures).toEqual([]);
    expect(h.bus.accepted).toEqual([]);
    expect(h.dlq.messages).toEqual([]);
  });

  it('fails if the sweeper publishes it when the stream lost it', async () => {
    const [bad, next] = forgedThenHonest().map((r) => ({
      ...r,
      createdAt: '2026-11-25T09:00:00.000Z',
    }));
    if (!bad || !next) throw new Error('no records');
    h.table.put(bad, next);

    await sweepPendingRecords(sweeperOf(h), lambdaTime());

    expect(h.dlq.messages[0]).toMatchObject({ failure: { code: 'KeyMismatch' } });
    expect(h.table.statusOf(bad)).toBe('FAILED');
    expect(h.table.statusOf(next)).toBe('DELIVERED');
    expect(h.bus.accepted).toHaveLength(1);
  });
});
