import { DEFAULT_CHAOS, formatChaosReport, runChaos } from './chaos-run.js';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const restarts = Number(process.argv[2] ?? 0);
const lost = Number(process.argv[3] ?? 0);
const report = await runChaos({ ...DEFAULT_CHAOS, commands: 2000, aggregates: 250, lostResponseRate: lost, restarts, seed: 42 });
process.stdout.write(`${formatChaosReport(`control restarts=${restarts} lost=${lost}`, report)}\n`);
process.exit(0);
