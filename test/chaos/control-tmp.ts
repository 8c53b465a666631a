import { DEFAULT_CHAOS, formatChaosReport, runChaos } from './chaos-run.js';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const [restarts, lost, fail] = process.argv.slice(2).map(Number);
const report = await runChaos({ ...DEFAULT_CHAOS, commands: 2000, aggregates: 250, lostResponseRate: lost ?? 0, restarts: restarts ?? 0, entryFailRate: fail ?? 0.3, requestFailRate: fail === 0 ? 0 : 0.1, seed: 42 });
process.stdout.write(`${formatChaosReport(`control restarts=${restarts} lost=${lost} fail=${fail}`, report)}\n`);
process.exit(0);
