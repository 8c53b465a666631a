import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'dynamo-outbox-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bin/app.ts', () => {
  it('synthesizes offline with the CDK CLI: no credentials, no Docker, bundled by the local esbuild, cdk-nag clean', async () => {
    // No AWS credentials or region at all, and no Docker on PATH.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_'),
      ),
    );

    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', outdir], {
      env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', PATH: process.env.PATH ?? '' },
      timeout: 180_000,
    });

    const template = JSON.parse(
      readFileSync(join(outdir, 'DynamoOutboxOrders.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(7);
    const bundles = readdirSync(outdir).filter(
      (name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')),
    );
    expect(bundles.length).toBeGreaterThanOrEqual(7);
  }, 180_000);
});
