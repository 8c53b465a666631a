/**
 * The statistics every figure of the benchmarks uses: medians over repeated runs, and
 * nearest-rank percentiles over latency samples.
 */

/** The `q`-quantile (0..1) of the values by the nearest-rank method. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** A figure measured in several runs: the median, and every run's value. */
export interface Repeated {
  readonly median: number;
  readonly runs: readonly number[];
}

/** Summarizes per-run values. */
export function repeated(runs: readonly number[]): Repeated {
  return { median: median(runs), runs: [...runs] };
}

/**
 * The paired ratio of two figures measured in the same runs: the median of the per-run
 * ratios `ours[i] / baseline[i]`.
 */
export function pairedRatio(ours: Repeated, baseline: Repeated): number {
  const ratios = ours.runs.map((value, i) => value / (baseline.runs[i] ?? Number.NaN));
  return median(ratios);
}

/** Elapsed milliseconds of an async function, by the monotonic clock. */
export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}
