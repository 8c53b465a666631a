import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS, formatChaosReport, runChaos } from './chaos-run.js';

/**
 * The chaos run of `npm test` for one lane setting. Each setting has its own test file:
 * one local runtime per process.
 */
export function describeChaos(lanes: number): void {
  describe(`chaos, POLLER_PARALLELISM=${lanes}`, () => {
    it('loses nothing, invents nothing and reorders nothing under faults at every step', async () => {
      const report = await runChaos({ ...DEFAULT_CHAOS, pollerParallelism: lanes, seed: lanes });
      process.stdout.write(`${formatChaosReport(`${lanes} lane(s) per shard`, report)}\n`);

      expect(report.eventsLost).toBe(0);
      expect(report.phantomEvents).toBe(0);
      expect(report.orderViolations).toBe(0);
      expect(report.recordsStillPending).toBe(0);
      expect(report.eventsExpected).toBeGreaterThan(50);
      expect(report.eventsAccepted).toBeGreaterThanOrEqual(report.eventsExpected);
    }, 180_000);
  });
}
