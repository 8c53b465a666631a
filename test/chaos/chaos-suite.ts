import { describe, expect, it } from 'vitest';
import type { BusKind } from '../../lambdas/outbox/index.js';
import { DEFAULT_CHAOS, formatChaosReport, runChaos } from './chaos-run.js';

/**
 * The chaos run of `npm test` for one lane setting and one bus. Each has its own test
 * file: one local runtime per process.
 */
export function describeChaos(lanes: number, bus: BusKind = 'classic'): void {
  describe(`chaos on the ${bus} bus, POLLER_PARALLELISM=${lanes}`, () => {
    it('loses nothing, invents nothing and reorders nothing under faults at every step', async () => {
      const report = await runChaos({
        ...DEFAULT_CHAOS,
        bus,
        pollerParallelism: lanes,
        seed: lanes,
      });
      process.stdout.write(
        `${formatChaosReport(`${bus} bus, ${lanes} lane(s) per shard`, report)}\n`,
      );

      expect(report.eventsLost).toBe(0);
      expect(report.phantomEvents).toBe(0);
      expect(report.orderViolations).toBe(0);
      expect(report.recordsStillPending).toBe(0);
      expect(report.eventsExpected).toBeGreaterThan(50);
      expect(report.eventsAccepted).toBeGreaterThanOrEqual(report.eventsExpected);
      if (bus === 'custom') {
        // Every repeat of this run falls within the 5-minute window: none is a new event,
        // and the FIFO subscriber hands each committed event over once, in order.
        expect(report.duplicates).toBe(0);
        expect(report.fifoDelivery).toEqual({
          delivered: report.eventsExpected,
          lost: 0,
          duplicates: 0,
          orderViolations: 0,
        });
      }
    }, 180_000);
  });
}
