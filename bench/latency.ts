import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LatencyChildOptions, LatencyChildResult } from './latency-child.js';
import { median, pairedRatio, quantile, type Repeated, repeated } from './stats.js';

/**
 * Issue 7, figure 4: end-to-end latency in local mode, API commit → event on the local
 * bus, at a fixed rate; each run in a fresh process with a fresh local runtime.
 */

/** The stream poller's (and Lambda's event source mapping's) polling interval. */
export const POLL_INTERVAL_MS = 250;
export const PERCENTILES = [0.5, 0.95, 0.99] as const;

/** Percentiles of one series, each the median over runs. */
export interface SeriesFigures {
  readonly label: string;
  /** By percentile (0.5, 0.95, 0.99): the median over runs, and each run's value. */
  readonly percentiles: readonly Repeated[];
  /** Every sample of every run, for the chart. */
  readonly pooled: readonly number[];
}

export interface LatencyResult {
  readonly runs: number;
  readonly commandsPerRun: number;
  readonly ratePerSecond: number;
  readonly failed: number;
  /** 201 → on the bus: the headline. */
  readonly commitToBus: SeriesFigures;
  /** Request sent → on the bus. */
  readonly requestToBus: SeriesFigures;
  /** Request sent → 201 (the API's own latency). */
  readonly requestToCommit: SeriesFigures;
  /** Dual write: PutEvents right after the commit → on the bus. */
  readonly dualWrite: SeriesFigures;
  /** The paired ratio ours / dual write, per percentile. */
  readonly oursOverDualWrite: readonly number[];
  /** Mean records per relay invocation (for the cost model). */
  readonly batchSize: Repeated;
  readonly invocations: number;
}

async function runChild(options: LatencyChildOptions): Promise<LatencyChildResult> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-bench-latency-'));
  const resultFile = join(dir, 'result.json');
  const script = fileURLToPath(new URL('./latency-child.ts', import.meta.url));
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, JSON.stringify(options), resultFile],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          // `--import tsx` resolves from the working directory: the repository root.
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0)
      throw new Error(`the latency run exited with ${code}:\n${output.join('').slice(-4000)}`);
    return JSON.parse(await readFile(resultFile, 'utf8')) as LatencyChildResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function series(label: string, runs: readonly (readonly number[])[]): SeriesFigures {
  return {
    label,
    percentiles: PERCENTILES.map((q) => repeated(runs.map((values) => quantile(values, q)))),
    pooled: runs.flat(),
  };
}

/** Options of {@link measureLatency}. */
export interface LatencyOptions extends LatencyChildOptions {
  readonly runs: number;
  readonly log?: (line: string) => void;
}

export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const results: LatencyChildResult[] = [];
  for (let r = 0; r < options.runs; r++) {
    const result = await runChild({
      commands: options.commands,
      ratePerSecond: options.ratePerSecond,
      warmup: options.warmup,
      dualWrites: options.dualWrites,
    });
    results.push(result);
    const commit = result.samples.map((s) => s.onBusAt - s.committedAt);
    options.log?.(
      `  latency run ${r + 1}: ${result.samples.length} commands, p50 ${quantile(commit, 0.5).toFixed(1)} ms, p99 ${quantile(commit, 0.99).toFixed(1)} ms, ${(result.records / Math.max(1, result.invocations)).toFixed(1)} records/invocation`,
    );
  }
  const commitToBus = series(
    'commit (201) → on the bus',
    results.map((r) => r.samples.map((s) => s.onBusAt - s.committedAt)),
  );
  const dualWrite = series(
    'dual write: PutEvents after the commit → on the bus',
    results.map((r) => r.dualWrite),
  );
  return {
    runs: options.runs,
    commandsPerRun: options.commands,
    ratePerSecond: options.ratePerSecond,
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    commitToBus,
    requestToBus: series(
      'request sent → on the bus',
      results.map((r) => r.samples.map((s) => s.onBusAt - s.sentAt)),
    ),
    requestToCommit: series(
      'request sent → 201 (the API)',
      results.map((r) => r.samples.map((s) => s.committedAt - s.sentAt)),
    ),
    dualWrite,
    oursOverDualWrite: PERCENTILES.map((_, i) =>
      pairedRatio(
        commitToBus.percentiles[i] ?? repeated([]),
        dualWrite.percentiles[i] ?? repeated([]),
      ),
    ),
    batchSize: repeated(results.map((r) => r.records / Math.max(1, r.invocations))),
    invocations: median(results.map((r) => r.invocations)),
  };
}

/** The polling floor: a commit waits uniformly 0..interval for the next poll. */
export const pollingFloorMs = (q: number): number => q * POLL_INTERVAL_MS;
