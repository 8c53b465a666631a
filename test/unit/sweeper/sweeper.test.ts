import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import {
  type SweeperDependencies,
  SweepNotAuthorizedError,
  sweepPendingRecords,
} from '../../../lambdas/sweeper/index.js';
import {
  lambdaTime,
  MetricsRecorder,
  type RelayHarness,
  recordsOf,
  relayHarness,
  sweeperOf,
} from '../../helpers/relay-harness.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
/** A record as committed `age` minutes ago. */
const aged = (record: OutboxRecord, age: number): OutboxRecord => ({
  ...record,
  createdAt: minutesAgo(age),
});

let h: RelayHarness;
let metrics: MetricsRecorder;
const sweeper = (overrides: Partial<SweeperDependencies> = {}): SweeperDependencies =>
  sweeperOf(h, { metrics, now: new Date(NOW), ...overrides });

beforeEach(() => {
  h = relayHarness();
  metrics = new MetricsRecorder();
});
afterEach(() => h.restore());

describe('sweepPendingRecords', () => {
  it('delivers records whose stream entries were lost, in sequence order, and marks them', async () => {
    const records = recordsOf('o-1', [1, 2, 1]).map((r, i) => aged(r, 30 - i));
    h.table.put(...records);

    const report = await sweepPendingRecords(sweeper(), lambdaTime());

    expect(h.bus.sequencesOf('Order#o-1')).toEqual([1, 2, 3, 4]);
    for (const record of records) expect(h.table.statusOf(record)).toBe('DELIVERED');
    expect(report).toMatchObject({
      pendingRecords: 3,
      staleRecords: 3,
      recordsDone: 3,
      eventsPublished: 4,
    });
  });

  it('leaves records younger than the grace period to the relay', async () => {
    const [young] = recordsOf('o-1', [1]).map((r) => aged(r, 1));
    if (!young) throw new Error('no record');
    h.table.put(young);

    const report = await sweepPendingRecords(sweeper(), lambdaTime());

    expect(h.bus.calls).toHaveLength(0);
    expect(h.table.statusOf(young)).toBe('PENDING');
    expect(report).toMatchObject({
      pendingRecords: 1,
      staleRecords: 0,
      oldestPendingAgeSeconds: 60,
    });
  });

  it('publishes a pending predecessor with it, even if the predecessor looks younger (clock skew)', async () => {
    const [first, second] = recordsOf('o-1', [1, 1]);
    if (!first || !second) throw new Error('no records');
    h.table.put(aged(first, 1), aged(second, 10));

    await sweepPendingRecords(sweeper(), lambdaTime());

    expect(h.bus.sequencesOf('Order#o-1')).toEqual([1, 2]);
  });

  it('never publishes a record before its PENDING predecessor: a race with the relay duplicates at most', async () => {
    const [first, second] = recordsOf('o-1', [1, 1]).map((r) => aged(r, 10));
    if (!first || !second) throw new Error('no records');
    h.table.put(first, second);
    // The relay delivers the first record between the sweeper's index read and its status read.
    h.table.beforeRead = () => {
      h.table.put({ ...first, status: 'DELIVERED' });
    };

    const report = await sweepPendingRecords(sweeper(), lambdaTime());

    expect(h.bus.sequencesOf('Order#o-1')).toEqual([2]);
    expect(report.duplicatesSkipped).toBe(1);
  });

  it('takes at most maxRecordsPerRun records, oldest first, and leaves the rest for the next run', async () => {
    const records = ['a', 'b', 'c'].flatMap((id, i) =>
      recordsOf(id, [1]).map((r) => aged(r, 30 - i)),
    );
    h.table.put(...records);

    const report = await sweepPendingRecords(sweeper({ maxRecordsPerRun: 2 }), lambdaTime());

    expect(report.staleRecords).toBe(2);
    expect(h.bus.accepted.map((e) => e.aggregate)).toEqual(['Order#a', 'Order#b']);
    expect(h.table.statusOf(records[2] as OutboxRecord)).toBe('PENDING');
  });

  it('publishes nothing when no time is left', async () => {
    h.table.put(...recordsOf('o-1', [1]).map((r) => aged(r, 30)));

    await sweepPendingRecords(sweeper(), lambdaTime(500));

    expect(h.bus.calls).toHaveLength(0);
  });

  it('emits PendingRecords and OldestPendingAgeSeconds', async () => {
    h.table.put(
      ...recordsOf('o-1', [1]).map((r) => aged(r, 7)),
      ...recordsOf('o-2', [1]).map((r) => aged(r, 2)),
    );

    await sweepPendingRecords(sweeper(), lambdaTime());

    expect(metrics.get('PendingRecords')).toBe(2);
    expect(metrics.get('OldestPendingAgeSeconds')).toBe(7 * 60);
    expect(metrics.get('SweptRecords')).toBe(1);
  });

  it('fails the run if EventBridge refuses the sweeper, quarantining nothing', async () => {
    h.table.put(...recordsOf('o-1', [1]).map((r) => aged(r, 30)));
    h.bus.outcome = () => 'AccessDeniedException';

    await expect(sweepPendingRecords(sweeper(), lambdaTime())).rejects.toThrow(
      SweepNotAuthorizedError,
    );

    expect(h.dlq.messages).toHaveLength(0);
  });
});
