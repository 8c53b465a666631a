import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../bench/profiles.js';
import { measurePublishEfficiency } from '../../bench/publish-efficiency.js';

// The quick publish-efficiency computation of `npm run bench -- --quick`: counts, not
// timings. No assertion here is about speed.
describe('bench: publish efficiency (quick)', () => {
  it('never goes below the physical minimum nor above the naive relay', async () => {
    const scenarios = await measurePublishEfficiency({
      sizes: PROFILES.quick.publish.sizes,
      repeats: 1,
    });
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
  }, 30_000);
});
