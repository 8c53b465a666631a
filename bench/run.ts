/**
 * `npm run bench` — the benchmarks of issue 7: publish efficiency, relay time, write cost
 * and cost per million commands, end-to-end latency in local mode, cold start. Each
 * figure is a median over repeated runs next to its baseline from the same run.
 *
 *   npx tsx bench/run.ts            full run; writes bench/RESULTS.md and bench/latency.svg
 *   npx tsx bench/run.ts --quick    small counts (a smoke test, < 60 s); writes nothing
 *
 * Options: `--only publish,relay,write,latency,cold` runs some sections; `--write` /
 * `--no-write` force writing the report or not; `--rate N` sets the latency run's
 * commands per second.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureColdStart } from './cold-start.js';
import { costModel, measureRelayDuration } from './cost-model.js';
import { measureLatency, PERCENTILES, pollingFloorMs } from './latency.js';
import { machineInfo } from './machine.js';
import { PROFILES } from './profiles.js';
import { measurePublishEfficiency } from './publish-efficiency.js';
import { measureRelayTime } from './relay-time.js';
import { type BenchResults, renderMarkdownReport, renderStdout } from './report.js';
import { percentileChart } from './svg.js';
import { measureWriteCost } from './write-cost.js';

const SECTIONS = ['publish', 'relay', 'write', 'latency', 'cold'] as const;
type Section = (typeof SECTIONS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      rate: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const profile = quick ? PROFILES.quick : PROFILES.full;
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...SECTIONS];
  for (const name of only)
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new Error(`unknown section '${name}'; choose from ${SECTIONS.join(', ')}`);
  const runs = (section: Section) => only.includes(section);
  const write = values['no-write']
    ? false
    : (values.write ?? (!quick && only.length === SECTIONS.length));
  const rate = values.rate === undefined ? profile.latency.ratePerSecond : Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rate must be a positive number`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = performance.now();
  const loads: number[] = [];
  const step = (name: string) => {
    loads.push(loadavg()[0] ?? 0);
    log(`[bench] ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  };

  const results: { -readonly [K in keyof BenchResults]: BenchResults[K] } = {
    quick,
    command: `npx tsx bench/run.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: machineInfo(),
    wallSeconds: 0,
    loadAverage: [],
    repeats: {
      publish: profile.publish.repeats,
      relay: profile.relay.repeats,
      latency: profile.latency.runs,
      cold: profile.cold.processes,
    },
  };

  if (runs('publish')) {
    step('1. publish efficiency');
    results.publish = await measurePublishEfficiency({ ...profile.publish, log });
  }
  if (runs('relay')) {
    step('2. relay time');
    results.relay = await measureRelayTime({ latencyMs: 20, ...profile.relay, log });
  }
  if (runs('latency')) {
    step('4. end-to-end latency (local mode, child processes)');
    results.latency = await measureLatency({ ...profile.latency, ratePerSecond: rate, log });
  }
  if (runs('write')) {
    step('3. write cost (DynamoDB Local)');
    results.writes = await measureWriteCost({ ...profile.write, log });
    // Relay invocations at the batch size local mode measured (or the construct's
    // batch size of 100 when the latency section did not run).
    const batchSize = results.latency?.batchSize.median ?? 100;
    results.duration = await measureRelayDuration(batchSize, profile.duration.repeats);
    results.costs = costModel(results.writes, results.duration);
  }
  if (runs('cold')) {
    step('5. cold start');
    results.cold = await measureColdStart({ ...profile.cold, log });
  }
  results.wallSeconds = (performance.now() - started) / 1000;
  step('done');
  results.loadAverage = loads;

  process.stdout.write(`\n${renderStdout(results)}\n`);
  if (write) {
    const chart = results.latency
      ? percentileChart(
          'End-to-end latency in local mode: API commit → event on the bus',
          `${results.latency.runs} × ${results.latency.commandsPerRun} commands at ${rate}/s, ${results.machine.date}, Node ${results.machine.node}, ${results.machine.cores} × ${results.machine.cpu}`,
          [
            {
              label: 'ours: commit (201) → on the bus',
              color: '#1f77b4',
              samples: results.latency.commitToBus.pooled,
            },
            {
              label: 'ours: request sent → on the bus',
              color: '#9467bd',
              samples: results.latency.requestToBus.pooled,
            },
            {
              label: 'polling floor (next poll, 250 ms interval)',
              color: '#7f7f7f',
              at: pollingFloorMs,
              dashed: true,
            },
            {
              label: 'dual write: PutEvents after the commit',
              color: '#d62728',
              samples: results.latency.dualWrite.pooled,
            },
          ],
          PERCENTILES.map((q) => q * 100),
        )
      : undefined;
    const dir = (name: string) => fileURLToPath(new URL(name, import.meta.url));
    if (chart) await writeFile(dir('latency.svg'), chart);
    await writeFile(
      dir('RESULTS.md'),
      renderMarkdownReport(results, chart ? 'latency.svg' : undefined),
    );
    log('[bench] wrote bench/RESULTS.md and bench/latency.svg');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
