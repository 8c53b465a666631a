import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Model-checks the delivery protocol (docs/model/outbox.pml) with spin: exhaustively, at
 * the bounds documented in docs/model/README.md, for the safety properties (assertions)
 * and for "every committed record is eventually accepted" (LTL, weak fairness); and shows
 * that the model is not vacuous: a broken variant of each property yields a
 * counterexample. Needs `spin` and `gcc` on the PATH (Debian: apt-get install spin gcc).
 */

const MODEL_DIR = fileURLToPath(new URL('../../docs/model/', import.meta.url));
const MODEL_FILES = ['outbox.pml', 'outbox-no-predecessor-check.pml'] as const;
type ModelFile = (typeof MODEL_FILES)[number];

/** Depth bound of the search; the real model needs under 1,000 (README.md). */
const MAX_DEPTH = 100_000;
/** pan stops (and the search is reported incomplete) rather than exhaust the machine. */
const MEMORY_LIMIT_MB = 4096;
/** Standalone the whole file takes ~20 s on 2 cores; this is for a machine under load. */
const SETUP_TIMEOUT_MS = 300_000;

/** One pan run: a model, its compile-time switches, and what is checked. */
interface Check {
  readonly name: string;
  readonly model: ModelFile;
  /** spin -D switches: bounds and broken variants (see the head of outbox.pml). */
  readonly defines: readonly string[];
  /** safety: assertions and invalid end states; liveness: the LTL claim, weak fairness. */
  readonly mode: 'safety' | 'liveness';
  /** An exhaustive run is worth an optimised pan; a variant fails within milliseconds. */
  readonly exhaustive: boolean;
}

/** What pan reported, and the replayed counterexample if it found one. */
interface PanReport {
  readonly output: string;
  readonly errors: number;
  readonly statesStored: number;
  /** Liveness runs visit states more than once (fairness); safety runs: = stored. */
  readonly statesVisited: number;
  readonly depth: number;
  readonly seconds: number;
  /** Neither an error cut the search short nor did it hit the depth or memory bound. */
  readonly completed: boolean;
  /** e.g. 'assertion violated prop1_inOrder', 'acceptance cycle' */
  readonly violation: string | undefined;
  /** The counterexample as the model narrates it (spin -t), when there is one. */
  readonly trail: string;
}

const TWO_AGGREGATES: readonly string[] = [];
const THREE_RECORDS: readonly string[] = ['-DNA=1', '-DK=3'];

/** The longest first: they run two (or more) at a time. */
const CHECKS: readonly Check[] = [
  {
    name: 'two aggregates: liveness',
    model: 'outbox.pml',
    defines: TWO_AGGREGATES,
    mode: 'liveness',
    exhaustive: true,
  },
  {
    name: 'two aggregates: safety',
    model: 'outbox.pml',
    defines: TWO_AGGREGATES,
    mode: 'safety',
    exhaustive: true,
  },
  {
    name: 'three records: liveness',
    model: 'outbox.pml',
    defines: THREE_RECORDS,
    mode: 'liveness',
    exhaustive: true,
  },
  {
    name: 'three records: safety',
    model: 'outbox.pml',
    defines: THREE_RECORDS,
    mode: 'safety',
    exhaustive: true,
  },
  {
    name: 'no predecessor check',
    model: 'outbox-no-predecessor-check.pml',
    defines: [],
    mode: 'safety',
    exhaustive: false,
  },
  {
    name: 'no sweeper',
    model: 'outbox.pml',
    defines: ['-DNO_SWEEPER'],
    mode: 'liveness',
    exhaustive: false,
  },
  {
    name: 'mark before publish',
    model: 'outbox.pml',
    defines: ['-DMARK_BEFORE_PUBLISH'],
    mode: 'safety',
    exhaustive: false,
  },
  {
    name: 'writer not atomic',
    model: 'outbox.pml',
    defines: ['-DWRITER_NOT_ATOMIC'],
    mode: 'safety',
    exhaustive: false,
  },
];

interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; a non-zero exit is an error, with its output attached. */
function run(command: string, args: readonly string[], cwd: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? `'${command}' is not on the PATH. The model check needs spin and gcc: ` +
                  'apt-get install -y spin gcc (.ci/run installs them).'
              : `${command} ${args.join(' ')} failed in ${cwd}: ${error.message}\n${stdout}\n${stderr}`,
          ),
        );
      },
    );
  });
}

/** Fails with a clear message, never skips, when spin or gcc is missing. */
async function requireTools(): Promise<void> {
  await run('spin', ['-V'], tmpdir());
  await run('gcc', ['--version'], tmpdir());
}

const numberAfter = (output: string, pattern: RegExp): number => {
  const match = pattern.exec(output);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
};

/** Reads pan's report. */
function parsePanOutput(output: string, trail = ''): PanReport {
  const statesStored = numberAfter(output, /([\d.e+]+) states, stored/);
  const visited = numberAfter(output, /states, stored \(([\d.e+]+) visited\)/);
  return {
    output,
    errors: numberAfter(output, /errors: (\d+)/),
    statesStored,
    statesVisited: Number.isNaN(visited) ? statesStored : visited,
    depth: numberAfter(output, /depth reached (\d+)/),
    seconds: numberAfter(output, /pan: elapsed time ([\d.e+]+) seconds/),
    completed:
      !output.includes('Search not completed') &&
      !output.includes('max search depth too small') &&
      !output.includes('MEMLIM'),
    violation: /pan:\d+: (.+?) \(at depth \d+\)/.exec(output)?.[1],
    trail,
  };
}

/** Generates, compiles and runs the verifier of one check in a directory of its own. */
async function verify(check: Check, scratch: string[]): Promise<PanReport> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-spin-'));
  scratch.push(dir);
  await Promise.all(MODEL_FILES.map((file) => copyFile(join(MODEL_DIR, file), join(dir, file))));
  await run('spin', [...check.defines, '-a', check.model], dir);
  const compile = [
    '-w',
    check.exhaustive ? '-O2' : '-O0',
    `-DMEMLIM=${MEMORY_LIMIT_MB}`,
    // Safety: assertions only, no claim; a broken variant is shown by its shortest trail.
    ...(check.mode === 'safety' ? ['-DSAFETY', '-DNOCLAIM'] : []),
    ...(check.mode === 'safety' && !check.exhaustive ? ['-DBFS'] : []),
    '-o',
    'pan',
    'pan.c',
  ];
  await run('gcc', compile, dir);
  const search = check.mode === 'liveness' ? ['-a', '-f'] : [];
  const { stdout } = await run('./pan', [`-m${MAX_DEPTH}`, ...search], dir);
  const errors = numberAfter(stdout, /errors: (\d+)/);
  if (errors === 0 || Number.isNaN(errors)) return parsePanOutput(stdout);
  // Replay the counterexample: the model narrates it with printf (-T: no indentation).
  const replay = await run('spin', [...check.defines, '-T', '-t', check.model], dir);
  const trail = replay.stdout
    .split('\n')
    .filter((line) => !line.startsWith('ltl ') && !line.startsWith('spin: warning'))
    .join('\n');
  return parsePanOutput(stdout, trail);
}

/** Runs the checks, at most `width` at a time, in list order. */
async function verifyAll(
  checks: readonly Check[],
  width: number,
  scratch: string[],
): Promise<Map<string, PanReport>> {
  const reports = new Map<string, PanReport>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < checks.length; i = next++) {
      const check = checks[i];
      if (check !== undefined) reports.set(check.name, await verify(check, scratch));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return reports;
}

/**
 * Statements pan never executed (its "unreached in proctype" report) other than those
 * that cannot run by construction: a process's end, the escape of `unless { crashed }`
 * copied into each step, the other process kind's branch of the narrative's `who()`, and
 * the relay-only bookkeeping in the sweeper's copy of `deliver`.
 */
function unexpectedlyUnreached(output: string, alsoExpected: readonly string[]): string[] {
  const expected = [
    '-end-',
    '(crashed)',
    "printf('sweeper: ')",
    "printf('lane %d: ',_pid)",
    'done = (done|(1<<r))',
    ...alsoExpected,
  ];
  const proctypes = output.split('unreached in ').filter((s) => s.startsWith('proctype'));
  return proctypes
    .flatMap((section) => [...section.matchAll(/state \d+, "(.*)"$/gm)])
    .map((match) => match[1] ?? '')
    .filter((statement) => !expected.includes(statement));
}

const directories: string[] = [];
let reports = new Map<string, PanReport>();
let setupError: unknown;

beforeAll(async () => {
  try {
    await requireTools();
    const width = Math.max(2, Math.min(4, availableParallelism()));
    reports = await verifyAll(CHECKS, width, directories);
  } catch (error) {
    setupError = error;
  }
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(directories.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The report of a check; a missing spin (or any setup failure) fails every test. */
function reportOf(name: string): PanReport {
  if (setupError !== undefined) throw setupError;
  const report = reports.get(name);
  if (report === undefined) throw new Error(`no report for check '${name}'`);
  return report;
}

describe.each([
  {
    bounds: 'two aggregates',
    detail: '2 + 1 write attempts, 2 lanes, 1 fault, 1 lost record',
    unreachable: [],
  },
  {
    bounds: 'three records',
    detail: '3 write attempts on 1 aggregate, 2 lanes, 1 fault, 1 lost record',
    // With one aggregate the publisher never moves on to another aggregate's chain.
    unreachable: ['a = (a+1)'],
  },
])('the delivery protocol, $bounds ($detail)', ({ bounds, unreachable }) => {
  it('never publishes out of order, marks before acceptance, or publishes a cancelled transaction, in any interleaving', () => {
    const report = reportOf(`${bounds}: safety`);

    expect(report.errors, report.trail).toBe(0);
    expect(report.completed, report.output).toBe(true);
    expect(report.depth).toBeLessThan(MAX_DEPTH);
    expect(report.statesStored).toBeGreaterThan(1_000_000);
    // Every statement ran, every assertion among them: none holds vacuously.
    expect(unexpectedlyUnreached(report.output, unreachable)).toEqual([]);
  });

  it('eventually accepts every committed record, under weak fairness, with the sweeper, when a stream record is lost', () => {
    const report = reportOf(`${bounds}: liveness`);

    expect(report.output).toMatch(/never claim\s+\+ \(all_accepted\)/);
    expect(report.output).toMatch(/acceptance\s+cycles\s+\+ \(fairness enabled\)/);
    expect(report.errors, report.trail).toBe(0);
    expect(report.completed, report.output).toBe(true);
    expect(report.depth).toBeLessThan(MAX_DEPTH);
    expect(report.statesVisited).toBeGreaterThan(1_000_000);
  });
});

describe('the model is not vacuous: each broken variant yields a counterexample', () => {
  it('without the predecessor check (outbox-no-predecessor-check.pml), record 2 is accepted before record 1 (1)', () => {
    const report = reportOf('no predecessor check');

    expect(report.errors).toBeGreaterThanOrEqual(1);
    expect(report.violation).toBe('assertion violated prop1_inOrder');
    expect(report.trail).toContain('text of failed assertion: assert(prop1_inOrder)');
    // The shortest counterexample: a#2 goes out while a#1 was never accepted.
    expect(report.trail).toMatch(/PutEvents accepted a0#2\n/);
    expect(report.trail).not.toMatch(/PutEvents accepted a0#1\n/);
  });

  it('without the sweeper, a lost stream record is never delivered (2)', () => {
    const report = reportOf('no sweeper');

    expect(report.violation).toBe('acceptance cycle');
    expect(report.trail).toContain('START OF CYCLE');
  });

  it('marking DELIVERED before publishing marks a record nobody accepted (3)', () => {
    const report = reportOf('mark before publish');

    expect(report.violation).toBe('assertion violated prop3_acceptedFirst');
  });

  it('an outbox Put outside the transaction publishes a transaction that may yet be cancelled (4)', () => {
    const report = reportOf('writer not atomic');

    expect(report.violation).toBe('assertion violated prop4_committedOnly');
    // The record is out before its transaction's entity update decided anything.
    expect(report.trail).toMatch(/T0 puts record a0#1\n(.*\n)*.*PutEvents accepted a0#1\n/);
    expect(report.trail).not.toContain('T0 updates its entity');
  });
});
