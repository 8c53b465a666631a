import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  call,
  eventsOf,
  orderBody,
  startTestRuntime,
  waitForEvents,
} from '../helpers/local-runtime.js';

// Every stream record is dropped, as if it aged out of the stream's 24 h retention:
// only the sweeper can deliver.
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime({
    dropStreamRecordRate: 1,
    sweeperGraceSeconds: 1,
    sweepIntervalMs: 300,
  });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('the sweeper, in local mode', () => {
  it('delivers in order what the stream lost, and marks it so it is not published again', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('swept'));
    const id = body.id as string;
    await call(runtime, 'POST', `/orders/${id}/confirm`);
    await call(runtime, 'POST', `/orders/${id}/cancel`, { reason: 'late' });

    const events = eventsOf(
      await waitForEvents(runtime, (all) => eventsOf(all, id).length >= 3, 30_000),
      id,
    );
    const report = await runtime.sweepNow();

    expect(events.map((e) => [e.detailType, e.detail.sequence])).toEqual([
      ['OrderCreated', 1],
      ['OrderConfirmed', 2],
      ['OrderCancelled', 3],
    ]);
    expect(runtime.poller.stats.invocations).toBe(0);
    expect(report).toMatchObject({ pendingRecords: 0, oldestPendingAgeSeconds: 0 });
    expect(eventsOf(await waitForEvents(runtime, () => true), id)).toHaveLength(3);
  }, 60_000);
});
