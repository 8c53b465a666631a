import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import { relayStreamBatch } from '../../../lambdas/relay/index.js';
import { seededRandom } from '../../../local/seeded-random.js';
import { recordsOf, relayHarness } from '../../helpers/relay-harness.js';
import { insertOf, streamEvent } from '../../helpers/stream-events.js';

const scenario = fc.record({
  // Per aggregate: the number of events of each of its transactions.
  aggregates: fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }), {
    minLength: 1,
    maxLength: 6,
  }),
  lanes: fc.integer({ min: 1, max: 4 }),
  batchSize: fc.integer({ min: 1, max: 10 }),
  repeats: fc.integer({ min: 0, max: 3 }),
  throttleRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  requestFailureRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
  crashRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
  predecessorWaitMs: fc.constantFrom(0, 500),
  concurrency: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer(),
});

describe('the relay, driven like the Lambda event source mapping', () => {
  it('delivers every record in order per aggregate, under reordering, repeats, throttles and crashes', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        runs++;
        const random = seededRandom(s.seed);
        const h = relayHarness({
          concurrency: s.concurrency,
          predecessorWaitMs: s.predecessorWaitMs,
          maxRequestBytes: 2_000,
        });
        try {
          const records: OutboxRecord[] = s.aggregates.flatMap((transactions, a) =>
            recordsOf(`agg-${a}`, transactions, 200),
          );
          h.table.put(...records);
          let crashes = 0;
          h.bus.outcome = () => {
            const r = random();
            return r < s.throttleRate / 2
              ? 'ThrottlingException'
              : r < s.throttleRate
                ? 'InternalFailure'
                : undefined;
          };
          h.bus.requestFailure = () =>
            random() < s.requestFailureRate
              ? Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
              : undefined;
          h.table.failUpdate = () => {
            const crash = random() < s.crashRate;
            if (crash) crashes++;
            return crash;
          };

          // The stream: commit order (each aggregate's records in sequence, aggregates
          // interleaved at random), split into lanes by item key as ParallelizationFactor
          // does (a lane keeps stream order), with repeats of records after their original.
          const queues = s.aggregates.map((_, a) =>
            records.filter((r) => r.aggregateId === `agg-${a}`),
          );
          const committed: OutboxRecord[] = [];
          while (queues.some((q) => q.length > 0)) {
            const open = queues.filter((q) => q.length > 0);
            committed.push(
              (open[Math.floor(random() * open.length)] as OutboxRecord[]).shift() as OutboxRecord,
            );
          }
          const lanes: DynamoDBRecord[][] = Array.from({ length: s.lanes }, () => []);
          for (const record of committed)
            lanes[Math.floor(random() * s.lanes)]?.push(insertOf(record));
          for (let r = 0; r < s.repeats; r++) {
            const lane = lanes[Math.floor(random() * s.lanes)] as DynamoDBRecord[];
            if (lane.length === 0) continue;
            const original = Math.floor(random() * lane.length);
            const at = original + 1 + Math.floor(random() * (lane.length - original));
            const copy = lane[original] as DynamoDBRecord;
            lane.splice(at, 0, { ...copy, dynamodb: { ...copy.dynamodb, SequenceNumber: '' } });
          }
          // Repeats get sequence numbers after their position, like a re-sent record.
          for (const lane of lanes) {
            let last = 0n;
            for (const record of lane) {
              const own = record.dynamodb?.SequenceNumber
                ? BigInt(record.dynamodb.SequenceNumber)
                : 0n;
              last = own > last ? own : last + 1n;
              record.dynamodb = { ...record.dynamodb, SequenceNumber: last.toString() };
            }
          }
          const positions = lanes.map(() => 0);

          let invocations = 0;
          while (lanes.some((lane, i) => (positions[i] ?? 0) < lane.length)) {
            invocations++;
            if (invocations > 5_000) throw new Error('the relay made no progress');
            const open = lanes
              .map((_, i) => i)
              .filter((i) => (positions[i] ?? 0) < (lanes[i]?.length ?? 0));
            const laneIndex = open[Math.floor(random() * open.length)] as number;
            const lane = lanes[laneIndex] as DynamoDBRecord[];
            const batch = lane.slice(
              positions[laneIndex],
              (positions[laneIndex] ?? 0) + s.batchSize,
            );
            // Records of a batch may reach the relay in any order (as after a shard split).
            const shuffled = [...batch].sort(() => random() - 0.5);
            const started = h.clock.ms;
            const result = await relayStreamBatch(h.deps, streamEvent(shuffled), {
              getRemainingTimeInMillis: () => 30_000 - (h.clock.ms - started),
            });
            const failure = result.batchItemFailures[0]?.itemIdentifier;
            const restartAt =
              failure === undefined
                ? batch.length
                : batch.findIndex((r) => r.dynamodb?.SequenceNumber === failure);
            expect(restartAt).toBeGreaterThanOrEqual(0);
            positions[laneIndex] = (positions[laneIndex] ?? 0) + restartAt;
          }

          // (d) every call within the limits, never two entries of one aggregate
          expect(h.bus.violations).toEqual([]);
          // (b) every record ends DELIVERED
          for (const record of records) expect(h.table.statusOf(record)).toBe('DELIVERED');
          for (const [a, transactions] of s.aggregates.entries()) {
            const total = transactions.reduce((sum, n) => sum + n, 0);
            const accepted = h.bus.sequencesOf(`Order#agg-${a}`);
            // (a) first acceptances are 1, 2, 3 … in order, with no gap
            const firsts = accepted.filter((seq, i) => accepted.indexOf(seq) === i);
            expect(firsts).toEqual(Array.from({ length: total }, (_, i) => i + 1));
            // an event is never accepted after a later one was (a re-delivery included)
            for (let i = 1; i < accepted.length; i++) {
              const seq = accepted[i] as number;
              if (seq < (accepted[i - 1] as number)) expect(accepted.slice(0, i)).toContain(seq);
            }
            // (c) no duplicates unless a crash between publish and mark was injected
            if (crashes === 0) expect(accepted).toHaveLength(total);
          }
        } finally {
          h.restore();
        }
      }),
      { numRuns: 150 },
    );
    expect(runs).toBeGreaterThanOrEqual(150);
  });
});
