import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatSeq,
  keyString,
  type OutboxRecord,
  type RecordKey,
} from '../../../lambdas/outbox/index.js';
import {
  planDelivery,
  predecessorKey,
  type RecordState,
} from '../../../lambdas/outbox/ordering.js';
import { aChain, anOutboxRecord, keyOf, recordKey } from '../../helpers/outbox-records.js';

/** A table view: the listed states, PENDING for the given records, ABSENT for the rest. */
function tableWith(
  pending: readonly OutboxRecord[],
  states: readonly (readonly [RecordKey, RecordState])[] = [],
): (key: RecordKey) => RecordState {
  const map = new Map<string, RecordState>(pending.map((r) => [keyString(r), 'PENDING']));
  for (const [key, state] of states) map.set(keyString(key), state);
  return (key) => map.get(keyString(key)) ?? 'ABSENT';
}

describe('keyString', () => {
  it('is the same for equal keys and differs when pk or sk differ', () => {
    expect(keyString({ pk: 'Order#1', sk: formatSeq(1) })).toBe(keyString(recordKey('Order#1', 1)));
    expect(keyString(recordKey('Order#1', 1))).not.toBe(keyString(recordKey('Order#1', 2)));
    expect(keyString(recordKey('Order#1', 1))).not.toBe(keyString(recordKey('Order#2', 1)));
  });
});

describe('predecessorKey', () => {
  it('is undefined for the first record of an aggregate (prevSeq 0)', () => {
    expect(predecessorKey(anOutboxRecord({ aggregate: 'Order#1', seq: 1 }))).toBeUndefined();
  });

  it('is the key of record prevSeq of the same aggregate', () => {
    const record = anOutboxRecord({ aggregate: 'Order#1', seq: 7, prevSeq: 4 });

    expect(predecessorKey(record)).toEqual({ pk: 'Order#1', sk: '0000000000000004' });
  });
});

describe('planDelivery', () => {
  describe('for a record whose predecessor is outside the batch', () => {
    it('publishes the first record of an aggregate (prevSeq 0)', () => {
      const first = anOutboxRecord({ aggregate: 'Order#1', seq: 1 });

      const plan = planDelivery([first], tableWith([first]));

      expect(plan).toEqual({ chains: [[first]], alreadyDone: [], deferred: [] });
    });

    it.each<RecordState>(['DELIVERED', 'FAILED', 'ABSENT'])(
      'publishes a record whose predecessor is %s',
      (state) => {
        const record = anOutboxRecord({ aggregate: 'Order#1', seq: 5, prevSeq: 4 });

        const plan = planDelivery(
          [record],
          tableWith([record], [[recordKey('Order#1', 4), state]]),
        );

        expect(plan.chains).toEqual([[record]]);
        expect(plan.deferred).toEqual([]);
      },
    );

    it('defers a record whose predecessor is PENDING, blocked by that predecessor', () => {
      const record = anOutboxRecord({ aggregate: 'Order#1', seq: 5, prevSeq: 4 });

      const plan = planDelivery(
        [record],
        tableWith([record], [[recordKey('Order#1', 4), 'PENDING']]),
      );

      expect(plan).toEqual({
        chains: [],
        alreadyDone: [],
        deferred: [{ record, blockedBy: recordKey('Order#1', 4) }],
      });
    });

    it('defers every later record of that aggregate too, blocked by the same predecessor', () => {
      const chain = aChain({ aggregate: 'Order#1', records: 3, startAfter: 4 });
      const [r5, r6, r7] = chain;

      const plan = planDelivery(chain, tableWith(chain, [[recordKey('Order#1', 4), 'PENDING']]));

      const blockedBy = recordKey('Order#1', 4);
      expect(plan.chains).toEqual([]);
      expect(plan.deferred).toEqual([
        { record: r5, blockedBy },
        { record: r6, blockedBy },
        { record: r7, blockedBy },
      ]);
    });
  });

  describe('for records whose predecessor is in the batch', () => {
    it('chains them in sequence order, even when given out of order', () => {
      const chain = aChain({ aggregate: 'Order#1', records: 4, eventsPerRecord: [1, 2, 1, 3] });
      const shuffled = [chain[2], chain[0], chain[3], chain[1]].filter(
        (r): r is OutboxRecord => r !== undefined,
      );

      const plan = planDelivery(shuffled, tableWith(chain));

      expect(plan.chains).toEqual([chain]);
      expect(plan.deferred).toEqual([]);
    });

    it('sorts by sequence numerically, not by the order of the input', () => {
      const r9 = anOutboxRecord({ aggregate: 'Order#1', seq: 9, prevSeq: 0, events: 9 });
      const r10 = anOutboxRecord({ aggregate: 'Order#1', seq: 10, prevSeq: 9 });
      const r100 = anOutboxRecord({ aggregate: 'Order#1', seq: 100, prevSeq: 10, events: 90 });

      const plan = planDelivery([r100, r10, r9], tableWith([r9, r10, r100]));

      expect(plan.chains).toEqual([[r9, r10, r100]]);
    });

    it('defers the successors of a deferred record, blocked by the first blocker', () => {
      const chain = aChain({ aggregate: 'Order#1', records: 2, startAfter: 2 });

      const plan = planDelivery(chain, tableWith(chain, [[recordKey('Order#1', 2), 'PENDING']]));

      expect(plan.deferred.map((d) => d.blockedBy)).toEqual([
        recordKey('Order#1', 2),
        recordKey('Order#1', 2),
      ]);
    });
  });

  describe('for records the table shows done', () => {
    it.each<Exclude<RecordState, 'PENDING'>>(['DELIVERED', 'FAILED', 'ABSENT'])(
      'skips a record the table shows %s as already done',
      (state) => {
        const record = anOutboxRecord({ aggregate: 'Order#1', seq: 1 });

        const plan = planDelivery([record], tableWith([], [[keyOf(record), state]]));

        expect(plan).toEqual({ chains: [], alreadyDone: [{ record, state }], deferred: [] });
      },
    );

    it.each<Exclude<RecordState, 'PENDING'>>(['DELIVERED', 'FAILED', 'ABSENT'])(
      'lets a record %s in the batch satisfy its successor',
      (state) => {
        const [done, next] = aChain({ aggregate: 'Order#1', records: 2, startAfter: 3 });
        if (done === undefined || next === undefined) throw new Error('short chain');

        const plan = planDelivery(
          [next, done],
          tableWith(
            [next],
            [
              [keyOf(done), state],
              // Its own predecessor is still pending: it does not matter, it is done.
              [recordKey('Order#1', 3), 'PENDING'],
            ],
          ),
        );

        expect(plan.chains).toEqual([[next]]);
        expect(plan.alreadyDone).toEqual([{ record: done, state }]);
        expect(plan.deferred).toEqual([]);
      },
    );

    it('reports a done record after a blocked one as done, not deferred', () => {
      const [blocked, done] = aChain({ aggregate: 'Order#1', records: 2, startAfter: 1 });
      if (blocked === undefined || done === undefined) throw new Error('short chain');

      const plan = planDelivery(
        [blocked, done],
        tableWith(
          [blocked],
          [
            [recordKey('Order#1', 1), 'PENDING'],
            [keyOf(done), 'DELIVERED'],
          ],
        ),
      );

      expect(plan.deferred.map((d) => d.record)).toEqual([blocked]);
      expect(plan.alreadyDone).toEqual([{ record: done, state: 'DELIVERED' }]);
    });
  });

  describe('for a gap inside the batch', () => {
    it('publishes up to the gap and defers the record whose missing predecessor is PENDING', () => {
      const r3 = anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 0, events: 3 });
      const r7 = anOutboxRecord({ aggregate: 'Order#1', seq: 7, prevSeq: 6 });

      const plan = planDelivery(
        [r7, r3],
        tableWith([r3, r7], [[recordKey('Order#1', 6), 'PENDING']]),
      );

      expect(plan.chains).toEqual([[r3]]);
      expect(plan.deferred).toEqual([{ record: r7, blockedBy: recordKey('Order#1', 6) }]);
    });

    it('fails if the record after a gap is published while its missing predecessor is still PENDING', () => {
      const r3 = anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 2 });
      const r7 = anOutboxRecord({ aggregate: 'Order#1', seq: 7, prevSeq: 6 });
      const stateOf = tableWith(
        [r3, r7],
        [
          [recordKey('Order#1', 2), 'DELIVERED'],
          [recordKey('Order#1', 6), 'PENDING'],
        ],
      );

      const plan = planDelivery([r3, r7], stateOf);

      expect(plan.chains.flat()).not.toContain(r7);
    });
  });

  describe('for several aggregates', () => {
    it('plans each aggregate independently: one blocked aggregate does not hold up another', () => {
      const a = aChain({ aggregate: 'Order#A', records: 2, startAfter: 10 });
      const b = aChain({ aggregate: 'Order#B', records: 2 });
      const c = aChain({ aggregate: 'Order#C', records: 1, startAfter: 5 });
      const [c6] = c;

      const plan = planDelivery(
        [b[1], a[0], c6, b[0], a[1]].filter((r): r is OutboxRecord => r !== undefined),
        tableWith(
          [...a, ...b, ...c],
          [
            [recordKey('Order#A', 10), 'PENDING'],
            [recordKey('Order#C', 5), 'DELIVERED'],
          ],
        ),
      );

      expect(plan.chains).toHaveLength(2);
      expect(plan.chains).toContainEqual(b);
      expect(plan.chains).toContainEqual(c);
      expect(plan.deferred.map((d) => d.record)).toEqual(a);
    });

    it('gives one chain per aggregate', () => {
      const records = [1, 2, 3].flatMap((n) => aChain({ aggregate: `Order#${n}`, records: n }));

      const plan = planDelivery(records, tableWith(records));

      expect(plan.chains.map((chain) => chain[0]?.pk)).toEqual(['Order#1', 'Order#2', 'Order#3']);
      expect(plan.chains.map((chain) => chain.length)).toEqual([1, 2, 3]);
    });
  });

  describe('properties', () => {
    it('accounts for every record exactly once, and only chains records whose predecessor is done or earlier in the chain', () => {
      const stateArb = fc.constantFrom<RecordState>('PENDING', 'DELIVERED', 'FAILED', 'ABSENT');
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              records: fc.array(fc.tuple(fc.boolean(), stateArb), { minLength: 1, maxLength: 8 }),
              before: stateArb,
            }),
            { minLength: 1, maxLength: 4 },
          ),
          fc.infiniteStream(fc.nat()),
          (aggregates, shuffle) => {
            const states = new Map<string, RecordState>();
            const batch: OutboxRecord[] = [];
            aggregates.forEach(({ records, before }, a) => {
              const chain = aChain({
                aggregate: `Order#${a}`,
                records: records.length,
                startAfter: 1,
              });
              states.set(keyString(recordKey(`Order#${a}`, 1)), before);
              chain.forEach((record, i) => {
                const [inBatch, state] = records[i] ?? [false, 'ABSENT'];
                states.set(keyString(record), state);
                if (inBatch) batch.push(record);
              });
            });
            const input = [...batch].sort(() => (shuffle.next().value % 3) - 1);
            const stateOf = (key: RecordKey) => states.get(keyString(key)) ?? 'ABSENT';

            const plan = planDelivery(input, stateOf);

            const accounted = [
              ...plan.chains.flat(),
              ...plan.alreadyDone.map((d) => d.record),
              ...plan.deferred.map((d) => d.record),
            ];
            expect(accounted).toHaveLength(input.length);
            expect(new Set(accounted)).toEqual(new Set(input));
            for (const chain of plan.chains) {
              expect(new Set(chain.map((r) => r.pk)).size).toBe(1);
              chain.forEach((record, i) => {
                const predecessor = predecessorKey(record);
                const previous = chain[i - 1];
                expect(stateOf(record)).toBe('PENDING');
                const ready =
                  predecessor === undefined ||
                  stateOf(predecessor) !== 'PENDING' ||
                  (previous !== undefined && keyString(previous) === keyString(predecessor));
                expect(ready).toBe(true);
              });
            }
            for (const { record } of plan.deferred) {
              const later = plan.chains
                .flat()
                .filter((r) => r.pk === record.pk && r.sk > record.sk);
              expect(later).toEqual([]);
            }
          },
        ),
      );
    });
  });
});
