import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeV2Client } from '../lambdas/eventbridge-v2/index.js';
import { checkAlarms } from './verify-alarms.js';
import { checkEventBus } from './verify-bus.js';
import { type CanaryDependencies, runCanary } from './verify-canary.js';
import type { AlarmReader } from './verify-cloudwatch.js';
import { checkDeadLetterQueue, checkStreamFailureQueue } from './verify-queues.js';
import { checkEventSourceMapping } from './verify-relay.js';
import {
  type CheckResult,
  result,
  skippedLocally,
  type VerifyCheck,
  type VerifyReport,
} from './verify-report.js';
import { checkPointInTimeRecovery, checkStream, checkTimeToLive } from './verify-table.js';

/** What `verify` checks: the outbox's resources, and where they are. */
export interface VerifyOptions {
  readonly tableName: string;
  readonly eventBusName?: string;
  readonly dlqUrl?: string;
  readonly streamFailureQueueUrl?: string;
  readonly relayFunctionName?: string;
  /** The stack whose alarms are checked. */
  readonly stackName?: string;
  /** Local mode: what has no local counterpart (mapping, alarms, PITR, …) is skipped. */
  readonly local: boolean;
  /** Where the names came from, for the report: `local mode`, `stack Orders`. */
  readonly target: string;
  /** How long the canary may take to be DELIVERED. */
  readonly timeoutMs: number;
  /** @default 250 */
  readonly pollIntervalMs?: number;
}

/** The clients `verify` calls, all pointed at one target. */
export interface VerifyDependencies extends Omit<CanaryDependencies, 'documentClient'> {
  readonly dynamoDb: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  /** For a Custom Event Bus (`eventBusName` an `event-busv2` ARN). @default - a new client */
  readonly eventBridgeV2?: EventBridgeV2Client;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly cloudWatch: AlarmReader;
}

/** Runs a check; an error (access denied, throttling, …) fails it with one clear line. */
async function guarded(
  check: VerifyCheck,
  explain: (error: unknown) => string,
  run: () => Promise<CheckResult | CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    return [await run()].flat();
  } catch (error) {
    return [
      result(check, 'fail', `could not check: ${explain(error)}`, {
        action: 'grant the IAM actions the runbook lists for verify, or fix what the error names',
      }),
    ];
  }
}

/**
 * Checks a deployed outbox the way it will be used: the table (stream with the new image,
 * TTL on `expiresAt`, PITR), the relay's event source mapping, the bus, the stack's alarms,
 * both dead-letter queues; then writes a canary event through the real `OutboxWriter` and
 * waits until it is DELIVERED. A check that cannot run fails; a check without a local
 * counterpart is skipped in local mode, never passed.
 *
 * @example
 * ```ts
 * import { createClients } from '../cli/clients.js';
 * import { resolveResources } from '../cli/resources.js';
 * import { verifyDeployment } from '../cli/verify.js';
 * import { renderVerify } from '../cli/verify-report.js';
 *
 * // After `cdk deploy`: prove the pipeline works before traffic arrives.
 * const resources = await resolveResources({ stack: 'DynamoOutboxOrders', region: 'eu-west-1' });
 * const clients = createClients(resources.target);
 * try {
 *   const report = await verifyDeployment(
 *     {
 *       tableName: resources.tableName ?? 'orders-outbox',
 *       eventBusName: resources.eventBusName,
 *       dlqUrl: resources.dlqUrl,
 *       streamFailureQueueUrl: resources.streamFailureQueueUrl,
 *       relayFunctionName: resources.relayFunctionName,
 *       stackName: 'DynamoOutboxOrders',
 *       local: false,
 *       target: resources.origin,
 *       timeoutMs: 60_000,
 *     },
 *     clients,
 *   );
 *   console.log(renderVerify(report));
 *   process.exitCode = report.ok ? 0 : 1;
 * } finally {
 *   clients.destroy();
 * }
 * ```
 */
export async function verifyDeployment(
  options: VerifyOptions,
  deps: VerifyDependencies,
): Promise<VerifyReport> {
  const now = (deps.clock ?? (() => new Date()))();
  const explain = deps.explain ?? ((error: unknown) => (error as Error).message ?? String(error));
  const { tableName, local } = options;
  let streamArn: string | undefined;
  const checks = [
    ...(await guarded('stream', explain, async () => {
      const stream = await checkStream(deps.dynamoDb, tableName);
      streamArn = stream.streamArn;
      return stream.result;
    })),
    ...(await guarded('ttl', explain, () => checkTimeToLive(deps.dynamoDb, tableName))),
    ...(await guarded('pitr', explain, () =>
      checkPointInTimeRecovery(deps.dynamoDb, tableName, local),
    )),
    ...(await guarded('event-source-mapping', explain, async () =>
      local
        ? skippedLocally(
            'event-source-mapping',
            'the stream poller of `npm start` stands in for it; the canary exercises it',
          )
        : checkEventSourceMapping(deps.lambda, {
            ...(options.relayFunctionName === undefined
              ? {}
              : { functionName: options.relayFunctionName }),
            ...(streamArn === undefined ? {} : { streamArn }),
          }),
    )),
    ...(await guarded('event-bus', explain, () =>
      checkEventBus(deps.eventBridge, options.eventBusName, deps.eventBridgeV2),
    )),
    ...(await guarded('alarms', explain, () =>
      checkAlarms(deps, {
        local,
        now,
        ...(options.stackName === undefined ? {} : { stackName: options.stackName }),
      }),
    )),
    ...(await guarded('dead-letter-queue', explain, () =>
      checkDeadLetterQueue(deps.sqs, options.dlqUrl),
    )),
    ...(await guarded('stream-failure-queue', explain, () =>
      checkStreamFailureQueue(deps.sqs, options.streamFailureQueueUrl, local),
    )),
  ];
  const canary = await runCanary(
    {
      tableName,
      timeoutMs: options.timeoutMs,
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    },
    { ...deps, explain },
  ).catch((error: unknown) => ({
    outcome: undefined,
    result: result('canary', 'fail', `canary lost: ${explain(error)}`, {
      action: 'fix what the error names and run verify again',
    }),
  }));
  const all = [...checks, canary.result];
  return {
    target: options.target,
    checkedAt: now.toISOString(),
    ok: all.every((r) => r.status !== 'fail'),
    checks: all,
    ...(canary.outcome === undefined ? {} : { canary: canary.outcome }),
  };
}
