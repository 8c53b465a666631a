/**
 * How big a full run and a quick run (`--quick`, the CI smoke test) are. The quick
 * profile keeps the whole run under a minute; its figures are not for publishing.
 */
export const PROFILES = {
  full: {
    publish: {
      sizes: { spread: 10_000, aggregates: 1_000, perAggregate: 10, hot: 1_000, mixed: 1_000 },
      repeats: 5,
    },
    relay: { repeats: 5, overheadIterations: 100 },
    write: { repeats: 5, relayBatch: 10 },
    latency: { runs: 3, commands: 1_000, warmup: 500, ratePerSecond: 25, dualWrites: 300 },
    cold: { processes: 20 },
    duration: { repeats: 9 },
  },
  quick: {
    publish: {
      sizes: { spread: 1_000, aggregates: 100, perAggregate: 10, hot: 200, mixed: 100 },
      repeats: 3,
    },
    relay: { repeats: 1, overheadIterations: 20, timedShapes: ['spread', 'hot'] },
    write: { repeats: 1, relayBatch: 10 },
    latency: { runs: 1, commands: 100, warmup: 100, ratePerSecond: 25, dualWrites: 50 },
    cold: { processes: 1 },
    duration: { repeats: 3 },
  },
} as const;
