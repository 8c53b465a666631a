import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { type ChaosOptions, DEFAULT_CHAOS, formatChaosReport, runChaos } from './chaos-run.js';

// `npm run chaos -- --commands 5000 [--aggregates 500] [--concurrency 16] [--parallelism 10] [--bus classic|custom] [--seed 7]`
// Runs with 1 and 10 lanes per shard on the classic and the Custom Event Bus unless
// --parallelism or --bus says otherwise; exits 1 on any lost, phantom or reordered event,
// and on the Custom Event Bus on any duplicate.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { values } = parseArgs({
  options: {
    commands: { type: 'string' },
    aggregates: { type: 'string' },
    concurrency: { type: 'string' },
    parallelism: { type: 'string' },
    restarts: { type: 'string' },
    seed: { type: 'string' },
    bus: { type: 'string' },
  },
});
if (values.bus !== undefined && values.bus !== 'classic' && values.bus !== 'custom')
  throw new Error(`--bus must be classic or custom, got '${values.bus}'`);
const number = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got '${value}'`);
  return n;
};
const commands = number(values.commands, DEFAULT_CHAOS.commands, 'commands');
const base: ChaosOptions = {
  ...DEFAULT_CHAOS,
  commands,
  aggregates: number(values.aggregates, Math.max(10, Math.round(commands / 8)), 'aggregates'),
  concurrency: number(values.concurrency, DEFAULT_CHAOS.concurrency, 'concurrency'),
  restarts: number(values.restarts, Math.max(1, Math.round(commands / 1500)), 'restarts'),
  seed: number(values.seed, Date.now() % 100_000, 'seed'),
  convergenceTimeoutMs: 300_000,
  log: (line) => process.stdout.write(`  … ${line}\n`),
};
if (values.parallelism === undefined || values.bus === undefined) {
  // One local runtime per process: each bus and lane setting runs in a child process of its own.
  let failed = false;
  for (const bus of values.bus === undefined ? ['classic', 'custom'] : [values.bus])
    for (const lanes of values.parallelism === undefined ? [1, 10] : [values.parallelism]) {
      const args = [
        ...process.argv.slice(1).filter((arg, i, all) => !isSetting(arg) && !isSetting(all[i - 1])),
        '--parallelism',
        String(lanes),
        '--bus',
        bus,
        '--seed',
        String(base.seed),
      ];
      const child = spawnSync(process.execPath, [...process.execArgv, ...args], {
        stdio: 'inherit',
      });
      failed ||= child.status !== 0;
    }
  process.exit(failed ? 1 : 0);
}

const pollerParallelism = number(values.parallelism, 1, 'parallelism');
const bus = values.bus === 'custom' ? 'custom' : 'classic';
const report = await runChaos({ ...base, bus, pollerParallelism });
process.stdout.write(
  `${formatChaosReport(`${bus} bus, ${pollerParallelism} lane(s) per shard, seed ${base.seed}`, report)}\n`,
);
const delivery = report.fifoDelivery;
const failed =
  report.eventsLost > 0 ||
  report.phantomEvents > 0 ||
  report.orderViolations > 0 ||
  report.recordsStillPending > 0 ||
  (bus === 'custom' &&
    (report.duplicates > 0 ||
      delivery === undefined ||
      delivery.lost + delivery.duplicates + delivery.orderViolations > 0));
process.exit(failed ? 1 : 0);

/** The settings the parent passes to each child itself. */
function isSetting(arg: string | undefined): boolean {
  return arg === '--parallelism' || arg === '--bus' || arg === '--seed';
}
