import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  clearFaults,
  runOrderLifecycles,
  setFaults,
  startTestRuntime,
} from '../helpers/local-runtime.js';

// Ten lanes per shard, as with ParallelizationFactor 10: records of one aggregate reach
// the relay out of order and concurrently, so its ordering rule is what keeps order.
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime({ pollerParallelism: 10 });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('local mode with POLLER_PARALLELISM=10', () => {
  it('delivers every event in order per aggregate, with 30 % of PutEvents entries failing', async () => {
    await setFaults(runtime, {
      failRate: 0.3,
      errorCode: 'InternalFailure',
      requestFailRate: 0.05,
    });
    try {
      const orders = await runOrderLifecycles(runtime, 16, 'lanes');

      for (const sequences of orders) expect(sequences).toEqual([1, 2, 3]);
      expect(runtime.poller.stats.invocations).toBeGreaterThan(0);
    } finally {
      await clearFaults(runtime);
    }
  }, 90_000);
});
