import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Bundle, bareHandlerSource, bundle, LAMBDAS, lambdaEntry } from './bundle.js';
import { pairedRatio, type Repeated, repeated } from './stats.js';

/**
 * Issue 7, figure 5: cold start. Each Lambda bundled as the construct bundles it, and its
 * module initialisation timed in fresh Node processes, against a bare handler that
 * imports the same AWS SDK clients (bundled the same way).
 */

/**
 * The measuring script: imports the bundle, reports the wall-clock milliseconds the import
 * took and the CPU time (user + system, all threads) it used.
 */
const MEASURE = `const cpu = process.cpuUsage();
const start = performance.now();
const mod = await import(process.argv[2]);
const initMs = performance.now() - start;
const used = process.cpuUsage(cpu);
if (typeof mod.handler !== 'function') { process.stderr.write('no handler export'); process.exit(2); }
process.stdout.write(JSON.stringify({ initMs, cpuMs: (used.user + used.system) / 1000 }));
process.exit(0);
`;

/** One import, measured. */
interface Sample {
  readonly initMs: number;
  readonly cpuMs: number;
}

/** What the handlers read at module scope, as dummies: nothing is called at init. */
const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ORDERS_TABLE_NAME: 'orders',
  OUTBOX_TABLE_NAME: 'outbox',
  EVENT_BUS_NAME: 'orders-bus',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/** Wall-clock and CPU milliseconds of a series of imports. */
export interface InitFigures {
  readonly wall: Repeated;
  readonly cpu: Repeated;
}

/** One Lambda's figures. */
export interface ColdStartFigure {
  readonly name: string;
  readonly ours: Bundle;
  readonly bare: Bundle;
  /** Import of our bundle, with `NODE_OPTIONS=--enable-source-maps` as the construct deploys it. */
  readonly oursInit: InitFigures;
  /** A bare handler importing the same SDK packages as our bundle. */
  readonly bareInit: InitFigures;
  /** Paired ratios ours / bare. */
  readonly wallRatio: number;
  readonly cpuRatio: number;
  /**
   * When our bundle imports SDK packages it never uses: a bare handler importing only the
   * clients the Lambda creates.
   */
  readonly usedOnly?: {
    readonly packages: readonly string[];
    readonly init: InitFigures;
    readonly wallRatio: number;
    readonly cpuRatio: number;
  };
}

export interface ColdStartResult {
  readonly processes: number;
  readonly lambdas: readonly ColdStartFigure[];
}

async function measureImport(script: string, file: string): Promise<Sample> {
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [script, pathToFileURL(file).href], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const text = output.join('');
  if (code !== 0) throw new Error(`importing ${file} failed (${code}): ${text.slice(-2000)}`);
  return JSON.parse(text) as Sample;
}

const figures = (samples: readonly Sample[]): InitFigures => ({
  wall: repeated(samples.map((s) => s.initMs)),
  cpu: repeated(samples.map((s) => s.cpuMs)),
});

/** Options of {@link measureColdStart}. */
export interface ColdStartOptions {
  /** Fresh processes per bundle. */
  readonly processes: number;
  readonly log?: (line: string) => void;
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-bench-cold-'));
  try {
    // The bundles import the SDK from node_modules, as in Lambda they import the runtime's.
    const repoModules = fileURLToPath(new URL('../node_modules', import.meta.url));
    await symlink(repoModules, join(dir, 'node_modules'), 'dir');
    const script = join(dir, 'measure-init.mjs');
    await writeFile(script, MEASURE);
    const bareBundle = async (name: string, packages: readonly string[]) => {
      const entry = join(dir, `${name}.mjs`);
      await writeFile(entry, bareHandlerSource(packages));
      return bundle(entry, join(dir, name));
    };
    const subjects = [];
    for (const lambda of LAMBDAS) {
      const ours = await bundle(lambdaEntry(lambda.handler), join(dir, lambda.name));
      const bare = await bareBundle(`${lambda.name}-bare`, ours.externals);
      const unused = ours.externals.filter(
        (pkg) => !lambda.creates.includes(pkg) && pkg !== '@aws-sdk/util-dynamodb',
      );
      const usedOnly =
        unused.length > 0 ? await bareBundle(`${lambda.name}-used`, lambda.creates) : undefined;
      subjects.push({
        lambda,
        ours,
        bare,
        usedOnly,
        samples: { ours: [] as Sample[], bare: [] as Sample[], used: [] as Sample[] },
      });
    }
    // Round-robin over every Lambda and its baselines, so that drift in the machine's load
    // spreads over all of them alike.
    for (let i = 0; i < options.processes; i++) {
      for (const s of subjects) {
        s.samples.ours.push(await measureImport(script, s.ours.file));
        s.samples.bare.push(await measureImport(script, s.bare.file));
        if (s.usedOnly) s.samples.used.push(await measureImport(script, s.usedOnly.file));
      }
      options.log?.(`  cold start: round ${i + 1} of ${options.processes}`);
    }
    const lambdas = subjects.map((s): ColdStartFigure => {
      const oursInit = figures(s.samples.ours);
      const bareInit = figures(s.samples.bare);
      const usedInit = figures(s.samples.used);
      return {
        name: s.lambda.name,
        ours: s.ours,
        bare: s.bare,
        oursInit,
        bareInit,
        wallRatio: pairedRatio(oursInit.wall, bareInit.wall),
        cpuRatio: pairedRatio(oursInit.cpu, bareInit.cpu),
        ...(s.usedOnly
          ? {
              usedOnly: {
                packages: s.lambda.creates,
                init: usedInit,
                wallRatio: pairedRatio(oursInit.wall, usedInit.wall),
                cpuRatio: pairedRatio(oursInit.cpu, usedInit.cpu),
              },
            }
          : {}),
      };
    });
    for (const l of lambdas)
      options.log?.(
        `  cold start ${l.name}: ${(l.ours.jsBytes / 1024).toFixed(0)} KB, init ${l.oursInit.wall.median.toFixed(1)} ms / CPU ${l.oursInit.cpu.median.toFixed(1)} ms (bare ${l.bareInit.wall.median.toFixed(1)} / ${l.bareInit.cpu.median.toFixed(1)} ms)`,
      );
    return { processes: options.processes, lambdas };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
