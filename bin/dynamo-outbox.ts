#!/usr/bin/env node
// `npx dynamo-outbox <command>`: operate an outbox on AWS (`--stack`, `--region`, or the
// resource flags) or in local mode (`--local`). Parses the command line, calls the core in
// cli/, prints the result (`--json` for scripts); errors go to stderr with exit code 1.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseAggregate } from '../cli/aggregate-records.js';
import { createClients, type OutboxClients } from '../cli/clients.js';
import { type Decision, decide, notActed, terminalConfirmOptions } from '../cli/confirm.js';
import { CliError, explainError } from '../cli/errors.js';
import { inspectAggregate, renderInspect } from '../cli/inspect.js';
import { describeTarget, type OperatorTarget, renderTarget } from '../cli/operator-target.js';
import { emit } from '../cli/output.js';
import { printable } from '../cli/printable.js';
import { type ProgressFactory, progressBars, progressEnabled } from '../cli/progress.js';
import {
  actionCounts,
  type RedriveReport,
  redriveDeadLetters,
  renderRedrive,
} from '../cli/redrive.js';
import { type ReplayReport, renderReplay, replayAggregate } from '../cli/replay.js';
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
    // An error can quote a queue message or a table item: printed like any of their values.
    process.stderr.write(
      `dynamo-outbox: ${printable(explainError(error, errorContext(resources)))}\n`,
    );
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } finally {
    clients?.destroy();
  }
}

/** A report of a command that acts, with where it acted. */
type Targeted<T> = T & { readonly target: OperatorTarget };

/**
 * The confirmation of a command that publishes or changes something: shows the plan with
 * the account, region and resources, then acts only on `--yes` or a yes on the terminal;
 * without either it stays a dry run. `decision` says what happened, for the exit code.
 */
function confirmation<R>(
  flags: { readonly yes?: boolean; readonly json: boolean },
  target: OperatorTarget,
  render: (preview: R) => string,
  question: (preview: R) => string,
): { confirm: (preview: R) => Promise<boolean>; decision: () => Decision | undefined } {
  let decision: Decision | undefined;
  const options = terminalConfirmOptions({ yes: flags.yes === true });
  return {
    confirm: async (preview) => {
      decision = await decide(`${renderTarget(target)}\n\n${render(preview)}`, question(preview), {
        ...options,
        // With --yes and --json a script reads stdout: nothing to show on stderr.
        show: flags.yes === true && flags.json ? () => undefined : options.show,
      });
      return decision === 'act';
    },
    decision: () => decision,
  };
}

/** A report with its target in front: the same lines a confirmation shows. */
const withTarget =
  <T>(render: (report: T) => string) =>
  (report: Targeted<T>): string =>
    `${renderTarget(report.target)}\n\n${render(report)}`;

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
  .description(
    're-publish an aggregate’s delivered events still retained (same eventIds), after confirmation',
  )
  .requiredOption('--aggregate <type#id>', 'the aggregate, e.g. Order#0193e5c2-…')
  .option('--from-seq <n>', 'from this event sequence on', integer(1), 1)
  .option('--max <n>', 're-publish at most this many events (the first in order)', integer(1))
  .option('--dry-run', 'list what would be re-published; publish nothing')
  .option('--yes', 'publish without asking (scripts); without it and without a terminal: a dry run')
  .option('--timeout <seconds>', 'give up after this long (throttling)', integer(1), 300)
  .action(
    (
      options: {
        aggregate: string;
        fromSeq: number;
        max?: number;
        dryRun?: boolean;
        yes?: boolean;
        timeout: number;
      },
      command: Command,
    ) => {
      let decision: () => Decision | undefined = () => undefined;
      return run(
        command,
        async ({ resources, clients, progress }): Promise<Targeted<ReplayReport>> => {
          const target = await describeTarget(resources, clients);
          const gate = confirmation<ReplayReport>(
            { yes: options.yes, json: command.optsWithGlobals<GlobalOptions>().json === true },
            target,
            renderReplay,
            (plan) =>
              `Re-publish ${plan.events.length} event(s) of ${plan.aggregate} to bus ${plan.eventBusName} in account ${target.account}, region ${target.region}?`,
          );
          decision = gate.decision;
          const report = await replayAggregate(
            {
              tableName: requireResource(resources, 'tableName'),
              eventBusName: requireResource(resources, 'eventBusName'),
              aggregate: parseAggregate(options.aggregate),
              fromSeq: options.fromSeq,
              ...(options.max === undefined ? {} : { max: options.max }),
              dryRun: options.dryRun === true,
              timeoutMs: options.timeout * 1000,
            },
            { ...clients, progress, confirm: gate.confirm },
          );
          return { target, ...report };
        },
        withTarget(renderReplay),
        (report) =>
          notActed(decision()) ??
          (report.failed.length > 0
            ? `${report.failed.length} record(s) were refused by EventBridge and not re-published`
            : undefined),
      );
    },
  );

program
  .command('redrive')
  .description(
    'take poison records out of the dead-letter queue and deliver the table’s events, after confirmation',
  )
  .addOption(
    new Option('--mode <mode>', 'publish now and mark DELIVERED, or set PENDING for the sweeper')
      .choices(['publish', 'pending'])
      .default('publish'),
  )
  .option('--dry-run', 'list what would be done; change nothing')
  .option('--yes', 'act without asking (scripts); without it and without a terminal: a dry run')
  .option(
    '--allow-absent',
    'publish the events of a message whose record is not in the table, as the message has them (unverified)',
  )
  .option('--max <n>', 'handle at most this many messages', integer(1))
  .option('--shards <n>', 'shards of the pending index', integer(1, 1000), DEFAULT_PENDING_SHARDS)
  .option('--retention-days <days>', 'TTL of a record marked DELIVERED', integer(1, 3650), 7)
  .option(
    '--visibility-timeout <seconds>',
    'how long received messages stay hidden during the run (confirm within it)',
    integer(1, 43_200),
    300,
  )
  .action(
    (
      options: {
        mode: 'publish' | 'pending';
        dryRun?: boolean;
        yes?: boolean;
        allowAbsent?: boolean;
        max?: number;
        shards: number;
        retentionDays: number;
        visibilityTimeout: number;
      },
      command: Command,
    ) => {
      let decision: () => Decision | undefined = () => undefined;
      return run(
        command,
        async ({ resources, clients, progress }): Promise<Targeted<RedriveReport>> => {
          const target = await describeTarget(resources, clients);
          const gate = confirmation<RedriveReport>(
            { yes: options.yes, json: command.optsWithGlobals<GlobalOptions>().json === true },
            target,
            renderRedrive,
            (plan) =>
              `${options.mode === 'publish' ? `Redrive to bus ${resources.eventBusName ?? '?'}` : 'Set PENDING again'}: ${plan.received} message(s) (${actionCounts(plan)}), in account ${target.account}, region ${target.region}?`,
          );
          decision = gate.decision;
          const report = await redriveDeadLetters(
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
              allowAbsent: options.allowAbsent === true,
              ...(options.max === undefined ? {} : { max: options.max }),
              pendingShards: options.shards,
              retentionDays: options.retentionDays,
              visibilityTimeoutSeconds: options.visibilityTimeout,
            },
            { ...clients, progress, confirm: gate.confirm },
          );
          return { target, ...report };
        },
        withTarget(renderRedrive),
        (report) =>
          notActed(decision()) ??
          (report.failed > 0
            ? `${report.failed} message(s) could not be redriven and stay in the dead-letter queue`
            : undefined),
      );
    },
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
