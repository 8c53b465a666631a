import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Model-checks the delivery protocol (docs/model/outbox.pml) with spin, on the classic bus
 * and on the de-duplicating Custom Event Bus (`-DCUSTOM_BUS`): exhaustively, at the bounds
 * documented in docs/model/README.md, for the safety properties (assertions) and for
 * "every committed record is eventually accepted" (LTL, weak fairness); and shows that the
 * model is not vacuous: a broken variant of each property yields a counterexample. Needs
 * `spin` and `gcc` on the PATH (Debian: apt-get install spin gcc).
 */

const MODEL_DIR = fileURLToPath(new URL('../../docs/model/', import.meta.url));
const MODEL_FILES = ['outbox.pml', 'outbox-no-predecessor-check.pml'] as const;
type ModelFile = (typeof MODEL_FILES)[number];

/** Depth bound of the search; the real model needs under 1,000 (README.md). */
const MAX_DEPTH = 100_000;
/** pan stops (and the search is reported incomplete) rather than exhaust the machine. */
const MEMORY_LIMIT_MB = 4096;
/** Standalone the whole file takes ~70 s on 2 cores; this is for a machine under load. */
const SETUP_TIMEOUT_MS = 420_000;

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
  /** The properties' assertions compiled into the verifier, e.g. 'prop1_inOrder'. */
  readonly assertions: readonly string[];
  /** The counterexample as the model narrates it (spin -t), when there is one. */
  readonly trail: string;
}

/** The bus of a check: `custom` compiles the model with `-DCUSTOM_BUS`. */
type Bus = 'classic' | 'custom';

/** One configuration of the real model, checked exhaustively for safety and liveness. */
interface Configuration {
  readonly bus: Bus;
  readonly bounds: 'two aggregates' | 'three records';
  readonly detail: string;
  readonly defines: readonly string[];
  /** Statements that cannot run at these bounds, beyond those of every configuration. */
  readonly unreachable: readonly string[];
}

const BUS_DEFINES: Readonly<Record<Bus, readonly string[]>> = {
  classic: [],
  custom: ['-DCUSTOM_BUS'],
};

const CONFIGURATIONS: readonly Configuration[] = (['classic', 'custom'] as const).flatMap((bus) => [
  {
    bus,
    bounds: 'two aggregates',
    detail: '2 + 1 write attempts, 2 lanes, 1 fault, 1 lost record',
    defines: BUS_DEFINES[bus],
    unreachable: [],
  },
  {
    bus,
    bounds: 'three records',
    detail: '3 write attempts on 1 aggregate, 2 lanes, 1 fault, 1 lost record',
    defines: [...BUS_DEFINES[bus], '-DNA=1', '-DK=3'],
    // With one aggregate the publisher never moves on to another aggregate's chain.
    unreachable: ['a = (a+1)'],
  },
]);

const checkName = (config: Configuration, mode: Check['mode']): string =>
  `${config.bus} bus, ${config.bounds}: ${mode}`;

/** The real model: every configuration, liveness and safety. */
const EXHAUSTIVE_CHECKS: readonly Check[] = (['liveness', 'safety'] as const).flatMap((mode) =>
  CONFIGURATIONS.map((config) => ({
    name: checkName(config, mode),
    model: 'outbox.pml' as const,
    defines: config.defines,
    mode,
    exhaustive: true,
  })),
);

/** A broken variant of the model, on one bus; `defines` adds to the bus's own. */
const variant = (
  name: string,
  bus: Bus,
  mode: Check['mode'],
  defines: readonly string[],
  model: ModelFile = 'outbox.pml',
): Check => ({
  name: `${bus} bus: ${name}`,
  model,
  defines: [...BUS_DEFINES[bus], ...defines],
  mode,
  exhaustive: false,
});

/** The broken variants of properties (1)-(4), on both buses. */
const SHARED_VARIANTS: readonly Check[] = (['classic', 'custom'] as const).flatMap((bus) => [
  variant('no predecessor check', bus, 'safety', [], 'outbox-no-predecessor-check.pml'),
  variant('no sweeper', bus, 'liveness', ['-DNO_SWEEPER']),
  variant('mark before publish', bus, 'safety', ['-DMARK_BEFORE_PUBLISH']),
  variant('writer not atomic', bus, 'safety', ['-DWRITER_NOT_ATOMIC']),
]);

/** The broken variants of the custom bus: its de-duplication and its FIFO subscriber. */
const CUSTOM_BUS_VARIANTS: readonly Check[] = [
  variant('no de-duplication', 'custom', 'safety', ['-DNO_DEDUP']),
  variant('a window that expires', 'custom', 'safety', ['-DDEDUP_WINDOW_EXPIRES']),
  // One aggregate of two records is enough, and keeps these searches short.
  variant('DEDUPLICATED taken for a failure', 'custom', 'liveness', [
    '-DDEDUPLICATED_IS_FAILURE',
    '-DNA=1',
  ]),
  variant('an unordered subscriber', 'custom', 'safety', ['-DUNORDERED_SUBSCRIBER', '-DNA=1']),
];

/** The longest first: they run two (or more) at a time. */
const CHECKS: readonly Check[] = [...EXHAUSTIVE_CHECKS, ...SHARED_VARIANTS, ...CUSTOM_BUS_VARIANTS];

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

/** The properties' assertions in the generated verifier (pan.m: `spin_assert(…, "name", …)`). */
const assertionsIn = (transitions: string): string[] =>
  [...new Set([...transitions.matchAll(/spin_assert\(.*?, "(prop\w+)"/g)].map((m) => m[1] ?? ''))]
    .filter((name) => name !== '')
    .sort();

/** Reads pan's report. */
function parsePanOutput(output: string, assertions: readonly string[], trail = ''): PanReport {
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
    assertions,
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
  const assertions = assertionsIn(await readFile(join(dir, 'pan.m'), 'utf8'));
  const search = check.mode === 'liveness' ? ['-a', '-f'] : [];
  const { stdout } = await run('./pan', [`-m${MAX_DEPTH}`, ...search], dir);
  const errors = numberAfter(stdout, /errors: (\d+)/);
  if (errors === 0 || Number.isNaN(errors)) return parsePanOutput(stdout, assertions);
  // Replay the counterexample: the model narrates it with printf (-T: no indentation).
  const replay = await run('spin', [...check.defines, '-T', '-t', check.model], dir);
  const trail = replay.stdout
    .split('\n')
    .filter((line) => !line.startsWith('ltl ') && !line.startsWith('spin: warning'))
    .join('\n');
  return parsePanOutput(stdout, assertions, trail);
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

/** The properties' assertions of each bus (outbox.pml): (1), (3), (4); and (5), (6). */
const ASSERTIONS: Readonly<Record<Bus, readonly string[]>> = {
  classic: ['prop1_inOrder', 'prop3_acceptedFirst', 'prop4_committedOnly'],
  custom: [
    'prop1_inOrder',
    'prop3_acceptedFirst',
    'prop4_committedOnly',
    'prop5_newOnce',
    'prop6_fifoInOrder',
  ],
};

/** The narrative's line for the bus's first acceptance of a record, e.g. `a0#2`. */
const ACCEPTED_LINE: Readonly<Record<Bus, (record: string) => RegExp>> = {
  classic: (record) => new RegExp(`PutEvents accepted ${record}\n`),
  custom: (record) => new RegExp(`PutEvents ${record}: PUBLISHED\n`),
};

describe.each(CONFIGURATIONS)(
  'the delivery protocol on the $bus bus, $bounds ($detail)',
  (config) => {
    it('never publishes out of order, marks before acceptance, or publishes a cancelled transaction, in any interleaving', () => {
      const report = reportOf(checkName(config, 'safety'));

      expect(report.errors, report.trail).toBe(0);
      expect(report.completed, report.output).toBe(true);
      expect(report.depth).toBeLessThan(MAX_DEPTH);
      expect(report.statesStored).toBeGreaterThan(1_000_000);
      expect(report.assertions).toEqual(ASSERTIONS[config.bus]);
      // Every statement ran, every assertion among them: none holds vacuously.
      expect(unexpectedlyUnreached(report.output, config.unreachable)).toEqual([]);
    });

    it('eventually accepts every committed record, under weak fairness, with the sweeper, when a stream record is lost', () => {
      const report = reportOf(checkName(config, 'liveness'));

      expect(report.output).toMatch(/never claim\s+\+ \(all_accepted\)/);
      expect(report.output).toMatch(/acceptance\s+cycles\s+\+ \(fairness enabled\)/);
      expect(report.errors, report.trail).toBe(0);
      expect(report.completed, report.output).toBe(true);
      expect(report.depth).toBeLessThan(MAX_DEPTH);
      expect(report.statesVisited).toBeGreaterThan(1_000_000);
    });
  },
);

describe.each(CONFIGURATIONS.filter((config) => config.bus === 'custom'))(
  'the de-duplicating Custom Event Bus, $bounds',
  (config) => {
    it("puts each committed record on the bus as a new event at most once, and its FIFO subscriber hands each aggregate's records to the target in sequence order, in any interleaving", () => {
      const report = reportOf(checkName(config, 'safety'));

      expect(report.errors, report.trail).toBe(0);
      expect(report.completed, report.output).toBe(true);
      // (5) and (6) are compiled in and, as nothing is unreached, were checked.
      expect(report.assertions).toEqual(
        expect.arrayContaining(['prop5_newOnce', 'prop6_fifoInOrder']),
      );
      expect(unexpectedlyUnreached(report.output, config.unreachable)).toEqual([]);
    });

    it('puts each committed record on the bus as a new event at least once, under weak fairness', () => {
      // On the custom bus a record counts as accepted only when the bus PUBLISHED it.
      const report = reportOf(checkName(config, 'liveness'));

      expect(report.errors, report.trail).toBe(0);
      expect(report.completed, report.output).toBe(true);
    });
  },
);

describe.each(['classic', 'custom'] as const)(
  'the model is not vacuous on the %s bus: each broken variant yields a counterexample',
  (bus) => {
    it('without the predecessor check (outbox-no-predecessor-check.pml), record 2 is accepted before record 1 (1)', () => {
      const report = reportOf(`${bus} bus: no predecessor check`);

      expect(report.errors).toBeGreaterThanOrEqual(1);
      expect(report.violation).toBe('assertion violated prop1_inOrder');
      expect(report.trail).toContain('text of failed assertion: assert(prop1_inOrder)');
      // The shortest counterexample: a#2 goes out while a#1 was never accepted.
      expect(report.trail).toMatch(ACCEPTED_LINE[bus]('a0#2'));
      expect(report.trail).not.toMatch(ACCEPTED_LINE[bus]('a0#1'));
    });

    it('without the sweeper, a lost stream record is never delivered (2)', () => {
      const report = reportOf(`${bus} bus: no sweeper`);

      expect(report.violation).toBe('acceptance cycle');
      expect(report.trail).toContain('START OF CYCLE');
    });

    it('marking DELIVERED before publishing marks a record nobody accepted (3)', () => {
      const report = reportOf(`${bus} bus: mark before publish`);

      expect(report.violation).toBe('assertion violated prop3_acceptedFirst');
    });

    it('an outbox Put outside the transaction publishes a transaction that may yet be cancelled (4)', () => {
      const report = reportOf(`${bus} bus: writer not atomic`);

      expect(report.violation).toBe('assertion violated prop4_committedOnly');
      // The record is out before its transaction's entity update decided anything.
      expect(report.trail).toMatch(
        new RegExp(`T0 puts record a0#1\n(.*\n)*.*${ACCEPTED_LINE[bus]('a0#1').source}`),
      );
      expect(report.trail).not.toContain('T0 updates its entity');
    });
  },
);

describe('the custom bus model is not vacuous: each broken variant yields a counterexample', () => {
  it('without de-duplication, a repeat after a lost answer puts a record on the bus twice (5)', () => {
    const report = reportOf('custom bus: no de-duplication');

    expect(report.violation).toBe('assertion violated prop5_newOnce');
    // The same record PUBLISHED twice, and never a DEDUPLICATED answer.
    expect(report.trail).toMatch(
      /PutEvents (a\d#\d): PUBLISHED\n(.*\n)*.*PutEvents \1: PUBLISHED\n/,
    );
    expect(report.trail).not.toContain('DEDUPLICATED');
  });

  it("once the window of a record's DeduplicationId closed, a repeat puts it on the bus again (5)", () => {
    const report = reportOf('custom bus: a window that expires');

    expect(report.violation).toBe('assertion violated prop5_newOnce');
    expect(report.trail).toMatch(
      /PutEvents (a\d#\d): PUBLISHED\n(.*\n)*bus: the window of T\d's eventIds closed\n(.*\n)*.*PutEvents \1: PUBLISHED\n/,
    );
  });

  it('a relay that takes DEDUPLICATED for a failure never marks the record, and never publishes the next one (2)', () => {
    const report = reportOf('custom bus: DEDUPLICATED taken for a failure');

    expect(report.violation).toBe('acceptance cycle');
    const cycle = report.trail.slice(report.trail.indexOf('START OF CYCLE'));
    expect(cycle).toContain('DEDUPLICATED taken for a failure');
    expect(report.trail).toContain('commits record a0#2');
    expect(report.trail).not.toMatch(ACCEPTED_LINE.custom('a0#2'));
  });

  it('a subscriber that does not keep the order of a group hands record 2 over before record 1 (6)', () => {
    const report = reportOf('custom bus: an unordered subscriber');

    expect(report.violation).toBe('assertion violated prop6_fifoInOrder');
    expect(report.trail).toContain('subscriber: a0#2 to its target');
    expect(report.trail).not.toContain('subscriber: a0#1 to its target');
  });
});
