import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Settings shared by every Lambda of the project. */
export interface OutboxFunctionProps {
  /**
   * Handler file, relative to the package's `lambdas/` folder, e.g. `relay/handler.ts`.
   * @default - `entry` must be given
   */
  readonly handler?: string;
  /**
   * An absolute handler file instead (the user's own code, e.g. a consumer).
   * @default - `handler` inside the package
   */
  readonly entry?: string;
  readonly environment?: Record<string, string>;
  /** @default - 256 MB */
  readonly memorySize?: number;
  /** @default - 30 seconds */
  readonly timeout?: Duration;
  /** @default - one month */
  readonly logRetention?: RetentionDays;
  readonly description?: string;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Where a handler of this package is, for the local esbuild bundling: the TypeScript source
 * in the repository, else the compiled `.js` next to it in the installed package (`dist/`).
 */
export function lambdaEntry(handler: string): string {
  const source = fileURLToPath(new URL(`../lambdas/${handler}`, import.meta.url));
  if (existsSync(source) || !source.endsWith('.ts')) return source;
  const compiled = `${source.slice(0, -'.ts'.length)}.js`;
  return existsSync(compiled) ? compiled : source;
}

/**
 * A Lambda as the project ships them: Node.js 24 on arm64, bundled by the local esbuild
 * as ESM with source maps (no Docker), X-Ray tracing, its own log group with a retention,
 * and a role that may write to that log group only (no AWS-managed policy). The X-Ray
 * statement sits in a policy of its own (`<id>TracingPolicy`): the only place where a
 * wildcard resource is acknowledged, so any other wildcard grant fails cdk-nag.
 *
 * @example
 * const fn = createOutboxFunction(this, 'Relay', { handler: 'relay/handler.ts' });
 */
export function createOutboxFunction(
  scope: Construct,
  id: string,
  props: OutboxFunctionProps,
): NodejsFunction {
  if (props.entry === undefined && !props.handler)
    throw new Error(`${id}: give a handler or an entry`);
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${id}`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    entry: props.entry ?? lambdaEntry(props.handler ?? ''),
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(30),
    role,
    logGroup,
    ...(props.description === undefined ? {} : { description: props.description }),
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    bundling: {
      format: OutputFormat.ESM,
      target: 'node24',
      sourceMap: true,
      minify: true,
      mainFields: ['module', 'main'],
      // Some dependencies still `require()`; give the ESM bundle a require.
      banner:
        "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
      // The runtime's SDK v3 is used; its clients stay out of the bundle.
      externalModules: ['@aws-sdk/*'],
    },
  });
  enableActiveTracing(scope, id, fn, role);
  return fn;
}

/** Active X-Ray tracing, with its wildcard statement in a policy of its own. */
function enableActiveTracing(scope: Construct, id: string, fn: NodejsFunction, role: Role): void {
  // CDK's `tracing` prop would put this statement in the role's default policy, where every
  // grant lands: acknowledging `Resource::*` there would let any later wildcard pass too.
  const policy = new Policy(scope, `${id}TracingPolicy`, {
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    ],
  });
  (fn.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
  // Segments are sent from the first invocation on: the grant must exist before the function.
  fn.node.addDependency(policy);
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they are granted on "*" (this policy holds nothing else).',
  });
}
