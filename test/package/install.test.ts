import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appMjs, createOrderMjs, shippingMjs, tsconfigJson, typedTs } from './adopter-app.js';

/**
 * Proof of install: `npm run build`, `npm pack`, `npm install` of the tarball into a fresh
 * CDK app outside the repository, then what an adopting team does with it — synthesize the
 * construct (Lambdas bundled by the local esbuild, offline) and write through the runtime's
 * writer. Fails if a file, an export or a dependency is missing from the package.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dynamo-outbox-install-'));
const app = join(work, 'app');
const installed = join(app, 'node_modules', 'dynamo-outbox');

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly exports: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const manifest = readJson<PackageJson>(join(repo, 'package.json'));

/** The environment of a fresh shell: no AWS or CDK settings, no npm settings of our run. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !name.startsWith('AWS_') &&
      !name.startsWith('CDK_') &&
      !name.toLowerCase().startsWith('npm_'),
  ),
);

let packedFiles: string[] = [];

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: repo, timeout: 120_000 });
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    { cwd: repo, timeout: 60_000 },
  );
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: { path: string }[] }>;
  if (!packed) throw new Error(`npm pack said: ${stdout}`);
  packedFiles = packed.files.map((file) => file.path);

  // A fresh app: the tarball, the peers at the versions this repo tests with, esbuild for
  // local bundling and @types/node, as a TypeScript CDK app would have.
  const devVersion = (name: string) => {
    const version = manifest.devDependencies?.[name];
    if (!version) throw new Error(`no devDependency ${name} in package.json`);
    return version;
  };
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'adopter',
        private: true,
        type: 'module',
        dependencies: {
          'dynamo-outbox': `file:${join(work, packed.filename)}`,
          'aws-cdk-lib': devVersion('aws-cdk-lib'),
          constructs: devVersion('constructs'),
        },
        devDependencies: {
          esbuild: devVersion('esbuild'),
          '@types/node': devVersion('@types/node'),
        },
        allowScripts: { esbuild: true },
      },
      null,
      2,
    ),
  );
  // The npm cache already holds these versions (`npm ci` of this repo); the registry is
  // asked only for what it lacks.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    env: cleanEnv,
    timeout: 120_000,
  });
  writeFileSync(join(app, 'app.mjs'), appMjs);
  writeFileSync(join(app, 'create-order.mjs'), createOrderMjs);
  writeFileSync(join(app, 'shipping.mjs'), shippingMjs);
  writeFileSync(join(app, 'typed.ts'), typedTs);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfigJson, null, 2));
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 60_000);

// The last three steps are independent: they run side by side (one core each).
describe('the npm package', () => {
  it('ships the compiled constructs, runtime and handlers with their declarations, and nothing else', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/package/index.js',
        'dist/package/index.d.ts',
        'dist/package/runtime.js',
        'dist/package/runtime.d.ts',
        'dist/lib/transactional-outbox.js',
        'dist/lambdas/relay/handler.js',
        'dist/lambdas/sweeper/handler.js',
        'dist/lambdas/outbox/outbox-writer.d.ts',
        'dist/bin/dynamo-outbox.js',
      ]),
    );
    const unexpected = packedFiles.filter(
      (path) =>
        !['package.json', 'README.md', 'CHANGELOG.md'].includes(path) &&
        !/^dist\/(package|lib|lambdas|bin|cli)\/.+\.(js|js\.map|d\.ts)$/.test(path),
    );
    expect(unexpected).toEqual([]);
    // The example service is not part of the package.
    expect(packedFiles.filter((path) => /orders|shipping/.test(path))).toEqual([]);
  });

  it('declares every module its code and declarations import, and npm installed each', () => {
    const declared = readJson<PackageJson>(join(installed, 'package.json'));
    const dependencies = new Set(Object.keys(declared.dependencies ?? {}));
    const peers = new Set(Object.keys(declared.peerDependencies ?? {}));
    expect([...peers].sort()).toEqual(['aws-cdk-lib', 'constructs', 'esbuild']);

    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const file of filesUnder(join(installed, 'dist'))) {
      if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName: specifier } of importedFiles) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier))
          continue;
        const name = packageName(specifier);
        // Type-only modules (`aws-lambda`) come from their @types package.
        const provider =
          file.endsWith('.d.ts') && name === 'aws-lambda' ? '@types/aws-lambda' : name;
        const where = relative(installed, file);
        if (!dependencies.has(provider) && !peers.has(provider)) {
          missing.add(`${where}: ${specifier} (not in dependencies or peerDependencies)`);
        } else if (!existsSync(join(app, 'node_modules', provider, 'package.json'))) {
          if (!existsSync(join(installed, 'node_modules', provider, 'package.json')))
            missing.add(`${where}: ${specifier} (not installed)`);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });

  it.concurrent('exports the constructs at its root and the Lambda runtime at /runtime, and nothing deeper', async ({
    expect,
  }) => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const root = await import('dynamo-outbox');
         const runtime = await import('dynamo-outbox/runtime');
         let deep = 'importable';
         try { await import('dynamo-outbox/dist/lib/transactional-outbox.js'); }
         catch (error) { deep = error.code; }
         console.log(JSON.stringify({ root: Object.keys(root), runtime: Object.keys(runtime), deep }));`,
      ],
      { cwd: app, env: cleanEnv, timeout: 60_000 },
    );
    const exported = JSON.parse(stdout) as { root: string[]; runtime: string[]; deep: string };
    expect(exported.root).toEqual(
      expect.arrayContaining(['TransactionalOutbox', 'OUTBOX_METRICS_NAMESPACE']),
    );
    expect(exported.runtime).toEqual(
      expect.arrayContaining([
        'OutboxWriter',
        'OutboxValidationError',
        'VersionConflictError',
        'WriteContentionError',
        'outboxTableDefinition',
        'Inbox',
        'sqsOutboxConsumer',
        'eventBridgeOutboxConsumer',
      ]),
    );
    // The runtime needs no CDK: nothing of the constructs leaks into it.
    expect(exported.runtime).not.toContain('TransactionalOutbox');
    // The relay and the sweeper are deployed by the construct, not an API to build on.
    expect(exported.runtime).not.toContain('relayStreamBatch');
    expect(exported.runtime).not.toContain('OutboxStore');
    expect(exported.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);

  it.concurrent('synthesizes TransactionalOutbox in the fresh app offline, with the handlers bundled from the installed package', async ({
    expect,
  }) => {
    await run(process.execPath, ['app.mjs'], { cwd: app, env: cleanEnv, timeout: 120_000 });

    const outdir = join(app, 'cdk.out');
    const template = readJson<{
      Resources: Record<
        string,
        {
          Type: string;
          Properties?: {
            Runtime?: string;
            Code?: unknown;
            Description?: string;
            Environment?: { Variables?: Record<string, unknown> };
          };
        }
      >;
    }>(join(outdir, 'Adopter.template.json'));
    const resources = Object.values(template.Resources);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties?.Runtime)).toEqual([
      'nodejs24.x',
      'nodejs24.x',
      'nodejs24.x',
      'nodejs24.x',
    ]);
    expect(
      functions.map((f) => f.Properties?.Description ?? '').filter((d) => d.includes('relay')),
    ).toHaveLength(1);
    // The relay's stream mapping and the consumer's queue mapping.
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toHaveLength(2);
    // The outbox table and the consumer's inbox table.
    expect(resources.filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable')).toHaveLength(2);
    // addWriter() gave the team's handler the writer's environment.
    const writerVariables = functions
      .map((f) => f.Properties?.Environment?.Variables)
      .find((variables) => variables?.ORDERS_TABLE_NAME === 'orders');
    expect(Object.keys(writerVariables ?? {}).sort()).toEqual([
      'ORDERS_TABLE_NAME',
      'OUTBOX_EVENT_SOURCES',
      'OUTBOX_MAX_ENTRY_BYTES',
      'OUTBOX_PENDING_SHARDS',
      'OUTBOX_TABLE_NAME',
    ]);

    // addConsumer() gave the team's consumer what Inbox.fromEnvironment() reads.
    const consumerVariables = functions
      .map((f) => f.Properties?.Environment?.Variables)
      .find((variables) => variables?.ORDER_POLICY !== undefined);
    expect(consumerVariables).toMatchObject({ ORDER_POLICY: 'skip-stale', INBOX_TTL_DAYS: '7' });

    // Four bundles: relay and sweeper (from dist/lambdas in node_modules, with source maps
    // back to the TypeScript), the team's handler with the writer inlined, and its consumer
    // with the inbox.
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(outdir, name, 'index.mjs'))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'));
    expect(bundles).toHaveLength(4);
    expect(bundles.filter((code) => code.includes('DynamoOutbox'))).toHaveLength(2);
    expect(bundles.filter((code) => code.includes('OutboxWriter = class'))).toHaveLength(1);
    // The inbox and its environment reader (a string of theirs survives minification).
    expect(bundles.filter((code) => code.includes('invalid inbox environment'))).toHaveLength(1);
    const maps = readdirSync(outdir)
      .map((name) => join(outdir, name, 'index.mjs.map'))
      .filter((file) => existsSync(file))
      .map((file) => readJson<{ sources: string[] }>(file).sources);
    expect(
      maps.filter((sources) =>
        sources.some((source) =>
          source.endsWith('node_modules/dynamo-outbox/lambdas/relay/handler.ts'),
        ),
      ),
    ).toHaveLength(1);
  }, 120_000);

  it.concurrent('type-checks a TypeScript consumer of both entry points against the installed declarations', async ({
    expect,
  }) => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: app,
      env: cleanEnv,
      timeout: 120_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 120_000);
});

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}
