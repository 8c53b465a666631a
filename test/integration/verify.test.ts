import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../../cli/verify-canary.js';
import type { VerifyReport } from '../../cli/verify-report.js';
import { freePort } from '../../local/ports.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { busEvents, clearFaults, setFaults, startTestRuntime } from '../helpers/local-runtime.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** A spawned CLI compiles with tsx first: seconds, more on a busy machine. */
const SPAWN_TIMEOUT_MS = 90_000;

let runtime: LocalRuntime;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  runtime = await startTestRuntime();
  env = {
    DYNAMODB_PORT: new URL(runtime.dynamoDbEndpoint).port,
    BUS_PORT: String(runtime.bus.port),
  };
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

afterEach(async () => {
  await clearFaults(runtime);
});

/** Runs `npx dynamo-outbox verify --local …` in a child process, as a user would. */
function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return verifyWith(env, ...args);
}

/** The same, with other ports (e.g. where nothing listens). */
function verifyWith(
  ports: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'bin/dynamo-outbox.ts', 'verify', '--local', ...args],
      { cwd: REPO, env: { ...process.env, ...ports }, timeout: SPAWN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('verify --local', () => {
  it(
    'exits 0 against a running local pipeline, reporting each check and the canary time',
    async () => {
      const { code, stdout, stderr } = await verify();

      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^verify local mode at /);
      expect(lines.slice(1, -1).map((line) => line.slice(0, 4).trim())).toEqual([
        'ok', // stream
        'ok', // ttl
        'skip', // pitr
        'skip', // event-source-mapping
        'ok', // event-bus
        'skip', // alarms
        'ok', // dead-letter-queue
        'skip', // stream-failure-queue
        'ok', // canary
      ]);
      expect(stdout).toMatch(/ok {4}canary: canary OutboxVerifyCanary#\S+ DELIVERED in \d+ ms/);
      expect(lines.at(-1)).toBe('all checks hold');
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'puts the canary on the bus with its own source and detail type',
    async () => {
      const { code, stdout } = await verify('--json');

      expect(code).toBe(0);
      const report = JSON.parse(stdout) as VerifyReport;
      const canaries = (await busEvents(runtime)).filter((e) => e.source === CANARY.source);
      const id = report.canary?.aggregate.split('#')[1];
      expect(canaries.map((e) => [e.detailType, e.detail.aggregateId])).toContainEqual([
        CANARY.detailType,
        id,
      ]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'gives a machine-readable report with --json',
    async () => {
      const { code, stdout } = await verify('--json');

      expect(code).toBe(0);
      const report = JSON.parse(stdout) as VerifyReport;
      expect(report).toMatchObject({ target: 'local mode', ok: true });
      expect(report.checks.find((r) => r.check === 'alarms')).toMatchObject({
        status: 'skip',
        runbook: 'docs/runbook.md#verify-alarms',
      });
      expect(report.canary).toMatchObject({
        aggregate: expect.stringMatching(/^OutboxVerifyCanary#/),
        status: 'DELIVERED',
        endToEndMs: expect.any(Number),
      });
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'fails if the bus it is given does not exist, though PutEvents would accept it',
    async () => {
      const { code, stdout, stderr } = await verify('--bus', 'orders-bus-typo');

      expect(code).toBe(1);
      expect(stdout).toMatch(
        /FAIL {2}event-bus: bus orders-bus-typo does not exist here: PutEvents still succeeds, and every event is lost -> .*\(docs\/runbook\.md#verify-event-bus\)/,
      );
      expect(stderr).toBe('dynamo-outbox: verify failed: 1 problem(s) (event-bus)\n');
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'fails within its timeout when the bus fails every entry, with a line naming the canary',
    async () => {
      await setFaults(runtime, { failRate: 1 });

      const { code, stdout, stderr } = await verify('--timeout', '3');

      expect(code).toBe(1);
      expect(stdout).toMatch(
        /FAIL {2}canary: canary OutboxVerifyCanary#\S+ still PENDING after 3 s: the relay did not deliver it -> .*\(docs\/runbook\.md#verify-canary\)/,
      );
      expect(stderr).toBe('dynamo-outbox: verify failed: 1 problem(s) (canary)\n');
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'fails every check it cannot run, saying what it could not reach',
    async () => {
      const nobody = String(await freePort());

      const { code, stdout } = await verifyWith(
        { DYNAMODB_PORT: nobody, BUS_PORT: env.BUS_PORT },
        '--timeout',
        '1',
      );

      expect(code).toBe(1);
      expect(stdout).toContain(
        `FAIL  stream: could not check: cannot reach DynamoDB Local at 127.0.0.1:${nobody} (ECONNREFUSED); is \`npm start\` running?`,
      );
      expect(stdout).toMatch(
        /FAIL {2}canary: canary OutboxVerifyCanary#\S+ could not be written: cannot reach DynamoDB Local/,
      );
      expect(stdout).toMatch(/ok {4}event-bus:/);
    },
    SPAWN_TIMEOUT_MS,
  );
});
