import { beforeAll, describe, expect, it } from 'vitest';
import { machineInfo } from '../../bench/machine.js';
import { EVENTBRIDGE_PRICING_URL } from '../../bench/prices.js';
import { PROFILES } from '../../bench/profiles.js';
import { measurePublishEfficiency, type PublishScenario } from '../../bench/publish-efficiency.js';
import { measureRelayTime } from '../../bench/relay-time.js';
import {
  allTables,
  type BenchResults,
  costTables,
  findings,
  publishCustomTable,
  relayTimeCustomTable,
} from '../../bench/report.js';

/** Results of a run of the given sections, as bench/run.ts assembles them. */
const benchResults = (sections: Pick<BenchResults, 'publish' | 'relay'>): BenchResults => ({
  quick: true,
  command: 'npx tsx bench/run.ts --quick',
  machine: machineInfo(),
  wallSeconds: 0,
  loadAverage: [],
  repeats: { publish: 1, relay: 1, latency: 0, cold: 0 },
  ...sections,
});

// The quick publish-efficiency computation of `npm run bench -- --quick`: counts, not
// timings. No assertion here is about speed.
describe('bench: publish efficiency (quick)', () => {
  let scenarios: PublishScenario[];
  beforeAll(async () => {
    scenarios = await measurePublishEfficiency({ sizes: PROFILES.quick.publish.sizes, repeats: 1 });
  }, 30_000);

  it('never goes below the physical minimum nor above the naive relay', () => {
    expect(scenarios.map((s) => s.key)).toEqual(['a', 'b', 'c', 'd1', 'd2']);
    for (const s of scenarios) {
      const physical = Math.max(s.minByCount.median, s.minByBytes.median);
      expect(s.ours.median, s.label).toBeGreaterThanOrEqual(physical);
      expect(s.ours.median, s.label).toBeGreaterThanOrEqual(s.minOrderSafe.median);
      expect(s.ours.median, s.label).toBeLessThanOrEqual(s.naive.median);
      // The naive relay makes one call per record, and every record here has one event.
      expect(s.naive.median, s.label).toBe(1);
    }
    const byKey = new Map(scenarios.map((s) => [s.key, s]));
    // Many aggregates: calls are full (10 entries each).
    expect(byKey.get('a')?.ours.median).toBe(0.1);
    // One hot aggregate: never two of its events in one call.
    expect(byKey.get('c')?.ours.median).toBe(1);
  });

  it('puts the custom bus between its own floors and the classic bus, over the same batches', () => {
    for (const s of scenarios) {
      const physical = Math.max(s.customMinByCount.median, s.minByBytes.median);
      expect(s.customMinByCount.median, s.label).toBeLessThanOrEqual(s.minByCount.median);
      expect(s.customMinOrderSafe.median, s.label).toBeGreaterThanOrEqual(physical);
      expect(s.custom.median, s.label).toBeGreaterThanOrEqual(s.customMinOrderSafe.median);
      expect(s.custom.median, s.label).toBeLessThanOrEqual(s.ours.median);
      expect(s.customOverClassic, s.label).toBeCloseTo(s.custom.median / s.ours.median, 10);
    }
    const byKey = new Map(scenarios.map((s) => [s.key, s]));
    // Many aggregates: calls are full (100 entries each), a tenth of the classic bus's.
    expect(byKey.get('a')?.custom.median).toBe(0.01);
    expect(byKey.get('a')?.customOverClassic).toBeCloseTo(0.1, 10);
    // One hot aggregate: still never two of its events in one call.
    expect(byKey.get('c')?.custom.median).toBe(1);
  });

  it('reports the custom bus in its own table, next to table 1, and in the findings', () => {
    const results = benchResults({ publish: scenarios });

    const table = publishCustomTable(scenarios, 1);
    const titles = allTables(results).map((t) => t.title);

    expect(table.columns).toEqual([
      'workload',
      'ours, classic bus',
      'ours, custom bus',
      'min (count, 100)',
      'min (bytes)',
      'order-safe min (100)',
      'custom ÷ min',
      'custom ÷ order-safe',
      'custom ÷ classic',
    ]);
    expect(table.rows).toHaveLength(scenarios.length);
    for (const row of table.rows) expect(row).toHaveLength(table.columns.length);
    expect(titles.slice(0, 2).map((t) => t.split(' ')[0])).toEqual(['1.', '1b.']);
    expect(findings(results).join('\n')).toContain(
      `over many aggregates (workload a) ours makes 0.010 PutEvents calls per event against 0.100`,
    );
  });
});

// Section 2 at a 1 ms round trip: the structure of the custom-bus figures and their bounds,
// which are computed, never timed.
describe('bench: relay time (quick shapes)', () => {
  it('times ours on the custom bus for every timed shape, against its 100-entry bound', async () => {
    const result = await measureRelayTime({
      latencyMs: 1,
      repeats: 1,
      overheadIterations: 2,
      timedShapes: PROFILES.quick.relay.timedShapes,
    });

    const byKey = new Map(result.timing.map((t) => [t.key, t]));
    // 100 single-event aggregates: one 100-entry call (the classic bus needs ⌈10 / 4⌉ rounds).
    expect(byKey.get('spread')?.customBoundMs).toBe(1);
    expect(byKey.get('spread')?.boundMs).toBe(3);
    // One aggregate: a chain of 100 calls on either bus.
    expect(byKey.get('hot')?.customBoundMs).toBe(100);
    expect(byKey.get('hot')?.customBoundSerialMs).toBe(100);
    for (const t of result.timing) {
      expect(t.custom.runs, t.key).toHaveLength(1);
      expect(Number.isFinite(t.customOverClassic), t.key).toBe(true);
    }
    expect(result.overhead.map((o) => o.key)).toEqual(['spread', 'grouped', 'hot']);
    for (const o of result.overhead) expect(o.custom.runs, o.key).toHaveLength(1);
    const table = relayTimeCustomTable(result, 1);
    expect(table.rows.map((r) => r[0])).toEqual([
      '100 aggregates × 1 record',
      '1 aggregate × 100 records',
    ]);
    for (const row of table.rows) {
      expect(row).toHaveLength(table.columns.length);
      expect(row).not.toContain('—');
    }
    expect(findings(benchResults({ relay: result })).join('\n')).toContain(
      'a 100-aggregate batch at 1 ms per call',
    );
  }, 60_000);
});

describe('bench: cost per million (3b)', () => {
  it('leaves the custom bus unpriced and says why, with the pricing page', () => {
    const create = {
      key: 'create',
      label: 'POST /orders (1 event)',
      lines: [],
      ours: 0,
      floor: 0,
      dualWrite: 0,
    } as const;
    const duration = { batchSize: 1, recordsTimed: 1, oursMs: 1, naiveMs: 1, boundMs: 1 };

    const [perMillion] = costTables([create], duration);

    const note = perMillion?.notes?.find((n) => n.startsWith('The Custom Event Bus'));
    expect(perMillion?.title.split(' ')[0]).toBe('3b.');
    expect(note).toContain('not priced: no published price for it was found');
    expect(note).toContain(EVENTBRIDGE_PRICING_URL);
    expect(perMillion?.columns).toEqual(['line', 'ours', 'floor', 'dual write (reference)']);
  });
});
