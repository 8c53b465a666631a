import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallCandidate,
  type CallLimits,
  planCall,
} from '../../../lambdas/outbox/call-planner.js';

// The planner is pure: lanes here are plain names, each with its next entry's size and the
// events it has left. No bus, no clock.

const LIMITS: CallLimits = { maxEntries: 10, maxRequestBytes: 1_000, maxCandidates: 50 };

/** A ready lane named `lane`, its next entry `entryBytes` long, `eventsLeft` events to go. */
const lane = (name: string, entryBytes = 100, eventsLeft = 1): CallCandidate<string> => ({
  lane: name,
  entryBytes,
  eventsLeft,
});

/** `n` lanes `L0` … with equal entries and one event each. */
const lanes = (n: number, entryBytes = 10): CallCandidate<string>[] =>
  Array.from({ length: n }, (_, i) => lane(`L${i}`, entryBytes));

const names = (candidates: readonly CallCandidate<string>[]) => candidates.map((c) => c.lane);

/** An iterable that counts how many candidates were read from it. */
function counted(candidates: readonly CallCandidate<string>[]) {
  const seen = { count: 0 };
  const iterable: Iterable<CallCandidate<string>> = {
    *[Symbol.iterator]() {
      for (const candidate of candidates) {
        seen.count++;
        yield candidate;
      }
    },
  };
  return { iterable, seen };
}

describe('planCall', () => {
  describe('a lane that must go alone', () => {
    it('goes first, in a call of its own, ahead of lanes with more left', () => {
      const plan = planCall(
        { alone: lane('culprit?'), byEventsLeft: [lane('long', 100, 9), lane('other')] },
        LIMITS,
      );

      expect(names(plan.slots)).toEqual(['culprit?']);
      expect(plan.tooLarge).toEqual([]);
    });

    it('is listed as too large when its entry is over the limit, and the call is planned from the others', () => {
      const huge = lane('huge', 1_001);

      const plan = planCall({ alone: huge, byEventsLeft: [lane('a'), lane('b')] }, LIMITS);

      expect(plan.tooLarge).toEqual([huge]);
      expect(names(plan.slots)).toEqual(['a', 'b']);
    });
  });

  describe('a shared call', () => {
    it('holds at most maxEntries entries: 25 ready lanes give a call of 10', () => {
      const plan = planCall({ byEventsLeft: lanes(25) }, LIMITS);

      expect(names(plan.slots)).toEqual(names(lanes(10)));
    });

    it('puts the lanes with most events left first', () => {
      const plan = planCall(
        { byEventsLeft: [lane('one', 100, 1), lane('three', 100, 3), lane('two', 100, 2)] },
        LIMITS,
      );

      expect(names(plan.slots)).toEqual(['three', 'two', 'one']);
    });

    it('puts the larger entry first among lanes with as many events left (first-fit decreasing)', () => {
      // A large and a medium entry fit a call; two large, or two medium and a large, do not.
      const limits = { ...LIMITS, maxRequestBytes: 1_010 };
      const byEventsLeft = [lane('M0', 400), lane('M1', 400), lane('L0', 600), lane('L1', 600)];

      const plan = planCall({ byEventsLeft }, limits);

      // First fit in the order given would be [M0, M1]; largest first is [L0, M0].
      expect(names(plan.slots)).toEqual(['L0', 'M0']);
    });

    it('keeps the order given among equal lanes (equals take turns)', () => {
      const plan = planCall({ byEventsLeft: [lane('b'), lane('a'), lane('c')] }, LIMITS);

      expect(names(plan.slots)).toEqual(['b', 'a', 'c']);
    });

    it('fills up to the byte limit exactly', () => {
      const plan = planCall({ byEventsLeft: lanes(4, 250) }, LIMITS);

      expect(names(plan.slots)).toEqual(['L0', 'L1', 'L2', 'L3']);
    });

    it('leaves out the entry one byte over the limit', () => {
      const plan = planCall({ byEventsLeft: lanes(4, 250) }, { ...LIMITS, maxRequestBytes: 999 });

      expect(names(plan.slots)).toEqual(['L0', 'L1', 'L2']);
    });

    it('skips an entry whose bytes do not fit and takes a smaller one that does', () => {
      const byEventsLeft = [lane('big1', 600), lane('big2', 600), lane('small', 200)];

      const plan = planCall({ byEventsLeft }, LIMITS);

      expect(names(plan.slots)).toEqual(['big1', 'small']);
    });

    it('lists an entry over the limit on its own as too large and never puts it in the call', () => {
      const huge = lane('huge', 1_001, 5);

      const plan = planCall({ byEventsLeft: [huge, lane('a'), lane('b')] }, LIMITS);

      expect(plan.tooLarge).toEqual([huge]);
      expect(names(plan.slots)).toEqual(['a', 'b']);
    });

    it('gives no call when no lane is ready', () => {
      const plan = planCall({ byEventsLeft: [] }, LIMITS);

      expect(plan).toEqual({ slots: [], tooLarge: [] });
    });
  });

  describe('the lanes weighed', () => {
    it('are the first maxCandidates: a lane after them waits for a later call, however large', () => {
      const byEventsLeft = [lane('a', 10, 3), lane('b', 10, 2), lane('late-but-large', 900, 1)];

      const plan = planCall({ byEventsLeft }, { ...LIMITS, maxCandidates: 2 });

      expect(names(plan.slots)).toEqual(['a', 'b']);
    });

    it('are read lazily: of 10,000 ready lanes, a call reads maxCandidates of them', () => {
      const { iterable, seen } = counted(lanes(10_000));

      planCall({ byEventsLeft: iterable }, LIMITS);

      expect(seen.count).toBe(LIMITS.maxCandidates);
    });

    it('do not count the lanes too large to send: the next ones are read instead', () => {
      const { iterable, seen } = counted([lane('huge', 5_000), ...lanes(3)]);

      const plan = planCall({ byEventsLeft: iterable }, { ...LIMITS, maxCandidates: 3 });

      expect(seen.count).toBe(4);
      expect(names(plan.slots)).toEqual(['L0', 'L1', 'L2']);
      expect(names(plan.tooLarge)).toEqual(['huge']);
    });
  });

  describe('properties', () => {
    const candidateArb = fc.record({
      entryBytes: fc.integer({ min: 1, max: 1_200 }),
      eventsLeft: fc.integer({ min: 1, max: 20 }),
    });
    const limitsArb = fc.record({
      maxEntries: fc.integer({ min: 1, max: 12 }),
      maxRequestBytes: fc.integer({ min: 1, max: 3_000 }),
      maxCandidates: fc.integer({ min: 1, max: 60 }),
    });

    it('plans a call within the limits, from distinct lanes that each fit, whatever the lanes', () => {
      fc.assert(
        fc.property(
          fc.array(candidateArb, { maxLength: 80 }),
          fc.option(candidateArb, { nil: undefined }),
          limitsArb,
          (shapes, aloneShape, limits) => {
            // Arrange
            const byEventsLeft = shapes
              .map((shape, i) => ({ lane: `L${i}`, ...shape }))
              .sort((a, b) => b.eventsLeft - a.eventsLeft);
            const alone = aloneShape && { lane: 'alone', ...aloneShape };

            // Act
            const plan = planCall({ alone, byEventsLeft }, limits);

            // Assert
            const bytes = plan.slots.reduce((sum, c) => sum + c.entryBytes, 0);
            expect(plan.slots.length).toBeLessThanOrEqual(limits.maxEntries);
            expect(bytes).toBeLessThanOrEqual(limits.maxRequestBytes);
            expect(new Set(names(plan.slots)).size).toBe(plan.slots.length);
            for (const c of plan.tooLarge)
              expect(c.entryBytes).toBeGreaterThan(limits.maxRequestBytes);
            const fitting = byEventsLeft.filter((c) => c.entryBytes <= limits.maxRequestBytes);
            if (alone !== undefined && alone.entryBytes <= limits.maxRequestBytes) {
              expect(plan.slots).toEqual([alone]);
            } else {
              const weighed = new Set(names(fitting.slice(0, limits.maxCandidates)));
              for (const c of plan.slots) expect(weighed.has(c.lane)).toBe(true);
              // Any one entry that fits alone makes a call: a ready lane never waits for nothing.
              expect(plan.slots.length > 0).toBe(fitting.length > 0);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
