#!/usr/bin/env node
// `npx dynamo-outbox <command>`: operate an outbox on AWS (`--stack`, `--region`, or the
// resource flags) or in local mode (`--local`). Parses the command line, calls the core in
// cli/, prints the result (`--json` for scripts); errors go to stderr with exit code 1.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseAggregate } from '../cli/aggregate-records.js';
import { createClients, type OutboxClients } from '../cli/clients.js';
import { CliError, explainError } from '../cli/errors.js';
import { inspectAggregate, renderInspect } from '../cli/inspect.js';
import { emit } from '../cli/output.js';
import { type ProgressFactory, progressBars, progressEnabled } from '../cli/progress.js';
import { redriveDeadLetters, renderRedrive } from '../cli/redrive.js';
import { renderReplay, replayAggregate } from '../cli/replay.js';
import {
  errorContext,
  type OutboxResources,
  requireResource,
  resolveResources,
} from '../cli/resources.js';
import { outboxStatus, renderStatus } from '../cli/status.js';
import { verifyDeployment } from '../cli/verify.js';
import { renderVerify, verifyFailure } from '../cli/verify-report.js';
import { DEFAULT_PENDING_SHARDS } from '../lambdas/outbox/index.js';

// The SDK warns that releases after January 2027 need Node 22; the pinned ones run here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface GlobalOptions {
  readonly local?: boolean;
  readonly stack?: string;
  readonly region?: string;
  readonly table?: string;
  readonly bus?: string;
  readonly dlqUrl?: string;
  readonly relayFunction?: string;
  readonly streamFailureQueueUrl?: string;
  readonly json?: boolean;
}

/** What every command's core gets. */
interface Context {
  readonly resources: OutboxResources;
  readonly clients: OutboxClients;
  readonly progress: ProgressFactory;
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer ${min}..${max}.`);
    return n;
  };

/**
 * Runs a command: resolves the resources, creates the clients, calls the core, prints
 * the result; prints a clear error and sets exit code 1 on failure (or when `failure`
 * finds the result failed).
 */
async function run<T>(
  command: Command,
  work: (context: Context) => Promise<T>,
  render: (result: T) => string,
  failure?: (result: T) => string | undefined,
): Promise<void> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const json = globals.json === true;
  let resources: OutboxResources | undefined;
  let clients: OutboxClients | undefined;
  try {
    resources = await resolveResources(globals);
    clients = createClients(resources.target);
    const result = await work({
      resources,
      clients,
      progress: progressBars(progressEnabled({ json })),
    });
    emit(result, { json }, render);
    const failed = failure?.(result);
    if (failed !== undefined) throw new CliError(failed);
  } catch (error) {
    process.stderr.write(`dynamo-outbox: ${explainError(error, errorContext(resources))}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } finally {
    clients?.destroy();
  }
}

const program = new Command()
  .name('dynamo-outbox')
  .description(
    'Operate a transactional outbox: pending records, the dead-letter queue, replays, one aggregate’s chain, a check of the deployment.',
  )
  .option('--local', 'the local runtime of `npm start` (ports from DYNAMODB_PORT, BUS_PORT)')
  .option('--stack <name>', 'find the resources in this CloudFormation stack’s outputs')
  .option('--region <region>', 'AWS region (default: the default chain)')
  .option('--table <name>', 'outbox table name')
  .option('--bus <name>', 'event bus name')
  .option('--dlq-url <url>', 'dead-letter queue URL')
  .option('--relay-function <name>', 'relay Lambda function name')
  .option('--stream-failure-queue-url <url>', 'the event source mapping’s on-failure queue URL')
  .option('--json', 'print JSON for scripts (no progress bars)')
  .showHelpAfterError('(add --help for usage)');

program
  .command('status')
  .description('pending records and the oldest one’s age per shard, DLQ depth, relay settings')
  .option('--shards <n>', 'shards of the pending index', integer(1, 1000), DEFAULT_PENDING_SHARDS)
  .action((options: { shards: number }, command: Command) =>
    run(
      command,
      ({ resources, clients, progress }) =>
        outboxStatus(
          {
            tableName: requireResource(resources, 'tableName'),
            ...(resources.dlqUrl === undefined ? {} : { dlqUrl: resources.dlqUrl }),
            relay:
              resources.target.kind === 'local'
                ? { kind: 'local', env: process.env }
                : {
                    kind: 'lambda',
                    ...(resources.relayFunctionName === undefined
                      ? {}
                      : { functionName: resources.relayFunctionName }),
                  },
            pendingShards: options.shards,
          },
          { ...clients, progress },
        ),
      renderStatus,
    ),
  );

program
  .command('inspect')
  .description('an aggregate’s outbox chain with statuses, in sequence order')
  .requiredOption('--aggregate <type#id>', 'the aggregate, e.g. Order#0193e5c2-…')
  .action((options: { aggregate: string }, command: Command) =>
    run(
      command,
      ({ resources, clients }) =>
        inspectAggregate(
          {
            tableName: requireResource(resources, 'tableName'),
            aggregate: parseAggregate(options.aggregate),
          },
          clients,
        ),
      renderInspect,
    ),
  );

program
  .command('replay')
  .description('re-publish an aggregate’s delivered events still retained (same eventIds)')
  .requiredOption('--aggregate <type#id>', 'the aggregate, e.g. Order#0193e5c2-…')
  .option('--from-seq <n>', 'from this event sequence on', integer(1), 1)
  .option('--dry-run', 'list what would be re-published; publish nothing')
  .option('--timeout <seconds>', 'give up after this long (throttling)', integer(1), 300)
  .action(
    (
      options: { aggregate: string; fromSeq: number; dryRun?: boolean; timeout: number },
      command: Command,
    ) =>
      run(
        command,
        ({ resources, clients, progress }) =>
          replayAggregate(
            {
              tableName: requireResource(resources, 'tableName'),
              eventBusName: requireResource(resources, 'eventBusName'),
              aggregate: parseAggregate(options.aggregate),
              fromSeq: options.fromSeq,
              dryRun: options.dryRun === true,
              timeoutMs: options.timeout * 1000,
            },
            { ...clients, progress },
          ),
        renderReplay,
        (report) =>
          report.failed.length > 0
            ? `${report.failed.length} record(s) were refused by EventBridge and not re-published`
            : undefined,
      ),
  );

program
  .command('redrive')
  .description('take poison records out of the dead-letter queue and deliver them')
  .addOption(
    new Option('--mode <mode>', 'publish now and mark DELIVERED, or set PENDING for the sweeper')
      .choices(['publish', 'pending'])
      .default('publish'),
  )
  .option('--dry-run', 'list what would be done; change nothing')
  .option('--max <n>', 'handle at most this many messages', integer(1))
  .option('--shards <n>', 'shards of the pending index', integer(1, 1000), DEFAULT_PENDING_SHARDS)
  .option('--retention-days <days>', 'TTL of a record marked DELIVERED', integer(1, 3650), 7)
  .option(
    '--visibility-timeout <seconds>',
    'how long received messages stay hidden during the run',
    integer(1, 43_200),
    300,
  )
  .action(
    (
      options: {
        mode: 'publish' | 'pending';
        dryRun?: boolean;
        max?: number;
        shards: number;
        retentionDays: number;
        visibilityTimeout: number;
      },
      command: Command,
    ) =>
      run(
        command,
        ({ resources, clients, progress }) =>
          redriveDeadLetters(
            {
              tableName: requireResource(resources, 'tableName'),
              dlqUrl: requireResource(resources, 'dlqUrl'),
              ...(options.mode === 'publish' && !options.dryRun
                ? { eventBusName: requireResource(resources, 'eventBusName') }
                : resources.eventBusName === undefined
                  ? {}
                  : { eventBusName: resources.eventBusName }),
              mode: options.mode,
              dryRun: options.dryRun === true,
              ...(options.max === undefined ? {} : { max: options.max }),
              pendingShards: options.shards,
              retentionDays: options.retentionDays,
              visibilityTimeoutSeconds: options.visibilityTimeout,
            },
            { ...clients, progress },
          ),
        renderRedrive,
        (report) =>
          report.failed > 0
            ? `${report.failed} message(s) could not be redriven and stay in the dead-letter queue`
            : undefined,
      ),
  );

program
  .command('verify')
  .description(
    'check a deployed outbox (table, relay mapping, bus, alarms, DLQs), then deliver a canary event',
  )
  .option(
    '--timeout <seconds>',
    'how long the canary may take to be DELIVERED',
    integer(1, 3600),
    60,
  )
  .action((options: { timeout: number }, command: Command) =>
    run(
      command,
      ({ resources, clients }) => {
        const { stack } = command.optsWithGlobals<GlobalOptions>();
        return verifyDeployment(
          {
            tableName: requireResource(resources, 'tableName'),
            eventBusName: resources.eventBusName,
            dlqUrl: resources.dlqUrl,
            streamFailureQueueUrl: resources.streamFailureQueueUrl,
            relayFunctionName: resources.relayFunctionName,
            stackName: stack,
            local: resources.target.kind === 'local',
            target: resources.origin,
            timeoutMs: options.timeout * 1000,
          },
          {
            ...clients,
            // Endpoints only: verify's checks touch several tables and queues, and its lines
            // name the resource themselves.
            explain: (error) =>
              explainError(
                error,
                errorContext({ target: resources.target, origin: resources.origin }),
              ),
          },
        );
      },
      renderVerify,
      verifyFailure,
    ),
  );

await program.parseAsync(process.argv);
