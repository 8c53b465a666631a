import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'dynamo-outbox-synth-'));
const contextOutdir = mkdtempSync(join(tmpdir(), 'dynamo-outbox-synth-context-'));
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(contextOutdir, { recursive: true, force: true });
});

interface SynthesizedTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The environment without AWS credentials, region or CDK settings. */
const offlineEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_'),
    ),
  );

const readTemplate = (dir: string): SynthesizedTemplate =>
  JSON.parse(
    readFileSync(join(dir, 'DynamoOutboxOrders.template.json'), 'utf8'),
  ) as SynthesizedTemplate;

describe('bin/app.ts', () => {
  it('synthesizes offline with the CDK CLI: no credentials, no Docker, bundled by the local esbuild, cdk-nag clean', async () => {
    // No AWS credentials or region at all, and no Docker on PATH.
    const env = offlineEnv();

    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', outdir], {
      env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', PATH: process.env.PATH ?? '' },
      timeout: 180_000,
    });

    const template = readTemplate(outdir);
    const functions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(7);
    // The account-wide API Gateway CloudWatch role is set once per account, not by a stack.
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).not.toContain('AWS::ApiGateway::Account');
    const bundles = readdirSync(outdir).filter(
      (name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')),
    );
    expect(bundles.length).toBeGreaterThanOrEqual(7);
  }, 180_000);

  it('attaches the web ACL and reserves the API concurrency given as context', async () => {
    const webAclArn =
      'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders-api/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
    // The app itself, without bundling: only the context handling is under test here.
    const context = {
      'aws:cdk:bundling-stacks': [],
      webAclArn,
      apiReservedConcurrency: '3',
    };

    await run('npx', ['tsx', 'bin/app.ts'], {
      env: {
        ...offlineEnv(),
        CDK_OUTDIR: contextOutdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        PATH: process.env.PATH ?? '',
      },
      timeout: 120_000,
    });

    const resources = Object.values(readTemplate(contextOutdir).Resources);
    expect(resources.filter((r) => r.Type === 'AWS::WAFv2::WebACLAssociation')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ WebACLArn: webAclArn }) }),
    ]);
    const reserved = resources.filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.ReservedConcurrentExecutions === 3,
    );
    expect(reserved).toHaveLength(4);
  }, 120_000);
});
