import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_PENDING_SHARDS,
  OrderedPublisher,
  type PublishFailure,
  parseSeq,
  pendingShardOf,
  type QuarantineMessage,
  type RecordState,
} from '../lambdas/outbox/index.js';
import { type DecodedDlqMessage, decodeQuarantineMessage } from './dlq-message.js';
import { CliError } from './errors.js';
import { table } from './output.js';
import { noProgress, type ProgressFactory } from './progress.js';
import { markPendingAgain, markRedelivered, readStatus } from './record-status.js';

/**
 * `publish`: publish the record's events now, then mark it DELIVERED. `pending`: put the
 * record back to PENDING, for the sweeper.
 */
export type RedriveMode = 'publish' | 'pending';

export interface RedriveOptions {
  readonly tableName: string;
  /** Needed by `publish` mode. */
  readonly eventBusName?: string;
  readonly dlqUrl: string;
  /** @default 'publish' */
  readonly mode?: RedriveMode;
  /** Say what would be done; change nothing (the messages are released again). */
  readonly dryRun?: boolean;
  /** Most messages to handle. @default - all */
  readonly max?: number;
  /** Shards of the pending index, for a record that carries none. @default 16 */
  readonly pendingShards?: number;
  /** TTL of a record marked DELIVERED, in days (the relay's RETENTION_DAYS). @default 7 */
  readonly retentionDays?: number;
  /** How long received messages stay hidden from others during the run. @default 300 */
  readonly visibilityTimeoutSeconds?: number;
  /** SQS long polling of each receive; 0 for short polling. @default 1 */
  readonly waitTimeSeconds?: number;
  /** How long one record's publishing may take, retries included. @default 60,000 ms */
  readonly publishTimeoutMs?: number;
}

export interface RedriveDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - none */
  readonly progress?: ProgressFactory;
}

/**
 * What is done with a message: publish the events (and mark DELIVERED), set the record
 * PENDING, only delete the message (its record is delivered or pending already), or keep
 * it (it cannot be redriven this way).
 */
export type RedriveAction = 'publish' | 'set-pending' | 'delete-message' | 'keep';

/** One DLQ message and what became of it. */
export interface RedriveItem {
  readonly messageId: string;
  readonly aggregate?: string;
  readonly sequence?: number;
  /** Why the relay quarantined it. */
  readonly quarantinedFor?: string;
  /** The record's status in the table before the redrive. */
  readonly tableStatus?: RecordState;
  readonly action: RedriveAction;
  /** Events published (or, in a dry run, to publish). */
  readonly events: number;
  /** `done`: the message was deleted; `failed`: it stays in the DLQ; `dry-run`: nothing changed. */
  readonly outcome: 'done' | 'failed' | 'dry-run';
  readonly detail: string;
}

/** What `redrive` reports. */
export interface RedriveReport {
  readonly queueUrl: string;
  readonly mode: RedriveMode;
  readonly dryRun: boolean;
  readonly received: number;
  readonly redriven: number;
  readonly failed: number;
  readonly items: readonly RedriveItem[];
}

/** What the table says about a decoded message, and what to do. */
interface Plan {
  readonly action: RedriveAction;
  readonly detail: string;
  readonly events: QuarantineMessage['record']['events'];
  readonly shard: number;
}

/**
 * Takes poison records out of the dead-letter queue and back into the pipeline: receives
 * messages (hidden from others for the run), decodes each `QuarantineMessage` (gzip form
 * included), checks the record's status in the table, and in `publish` mode publishes its
 * events with the relay's `OrderedPublisher` (those EventBridge accepted before the
 * failure are not sent again) and marks it FAILED → DELIVERED; in `pending` mode sets it
 * FAILED → PENDING in its pending-index shard, for the sweeper. A message is deleted only
 * after its record was handled; messages kept, and all of a dry run, are made visible
 * again when the run ends.
 *
 * @throws CliError when EventBridge refuses the caller itself (permissions, missing bus)
 * @example
 * const report = await redriveDeadLetters({ tableName, eventBusName, dlqUrl, mode: 'publish' }, clients);
 */
export async function redriveDeadLetters(
  options: RedriveOptions,
  deps: RedriveDependencies,
): Promise<RedriveReport> {
  const mode = options.mode ?? 'publish';
  const dryRun = options.dryRun === true;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const clock = deps.clock ?? (() => new Date());
  const { eventBusName } = options;
  if (mode === 'publish' && !dryRun && (eventBusName === undefined || eventBusName === ''))
    throw new CliError(
      'redrive --mode publish needs the event bus: pass --bus, --stack or --local',
    );
  const publisher =
    mode === 'publish' && eventBusName !== undefined
      ? new OrderedPublisher({ eventBridge: deps.eventBridge, eventBusName, concurrency: 1 })
      : undefined;

  const plan = (message: QuarantineMessage, status: RecordState): Plan => {
    const { record, acceptedEventIds } = message;
    const accepted = new Set(acceptedEventIds);
    const events = record.events.filter((e) => !accepted.has(e.eventId));
    const shard =
      typeof record.pendingShard === 'number'
        ? record.pendingShard
        : pendingShardOf(record.pk, options.pendingShards ?? DEFAULT_PENDING_SHARDS);
    const none = { events: [], shard };
    if (status === 'DELIVERED')
      return { ...none, action: 'delete-message', detail: 'the record is DELIVERED already' };
    if (status === 'PENDING')
      return {
        ...none,
        action: 'delete-message',
        detail: 'the record is PENDING again: the relay or the sweeper delivers it',
      };
    if (mode === 'pending') {
      return status === 'ABSENT'
        ? {
            ...none,
            action: 'keep',
            detail: 'the record is not in the table: redrive it with --mode publish',
          }
        : {
            ...none,
            action: 'set-pending',
            detail: `FAILED → PENDING in shard ${shard}: the sweeper delivers it after its grace period`,
          };
    }
    const skipped =
      accepted.size > 0 ? ` (${accepted.size} accepted before the failure are not sent again)` : '';
    return {
      events,
      shard,
      action: 'publish',
      detail:
        status === 'FAILED'
          ? `publish ${events.length} event(s), then FAILED → DELIVERED${skipped}`
          : `publish ${events.length} event(s); the record is not in the table, nothing to mark${skipped}`,
    };
  };

  const execute = async (
    message: QuarantineMessage,
    status: RecordState,
    step: Plan,
  ): Promise<{ ok: boolean; detail: string }> => {
    const { record } = message;
    if (step.action === 'keep') return { ok: false, detail: step.detail };
    if (step.action === 'delete-message') return { ok: true, detail: step.detail };
    if (step.action === 'set-pending') {
      const marked = await markPendingAgain(
        deps.documentClient,
        options.tableName,
        record,
        step.shard,
      );
      return marked === 'marked'
        ? { ok: true, detail: step.detail }
        : {
            ok: false,
            detail: 'the record changed meanwhile (no longer FAILED): run redrive again',
          };
    }
    if (publisher !== undefined && step.events.length > 0) {
      let poison: PublishFailure | undefined;
      const deadline = performance.now() + (options.publishTimeoutMs ?? 60_000);
      const result = await publisher.publish(
        [[{ ...record, events: step.events, eventCount: step.events.length }]],
        {
          remainingMs: () => deadline - performance.now(),
          onAccepted: () => undefined,
          onPoison: (_, failure) => {
            poison = failure;
          },
        },
      );
      if (result.configurationError !== undefined)
        throw new CliError(
          `EventBridge refused to publish to ${eventBusName}: ${result.configurationError.code}: ${result.configurationError.message}`,
        );
      if (poison !== undefined)
        return {
          ok: false,
          detail: `EventBridge refused it again: ${poison.code}: ${poison.message}`,
        };
      if (result.unfinished.length > 0)
        return {
          ok: false,
          detail: `publishing timed out (EventBridge kept throttling or failing); ${result.eventsPublished} of ${step.events.length} event(s) accepted`,
        };
    }
    if (status !== 'FAILED') return { ok: true, detail: step.detail };
    const marked = await markRedelivered(deps.documentClient, options.tableName, record, {
      retentionDays: options.retentionDays ?? 7,
      now: clock(),
    });
    return {
      ok: true,
      detail:
        marked === 'marked'
          ? step.detail
          : `${step.detail}; the record had changed meanwhile and was left as it is`,
    };
  };

  const handle = async (messageId: string, decoded: DecodedDlqMessage): Promise<RedriveItem> => {
    if (!decoded.ok)
      return {
        messageId,
        action: 'keep',
        events: 0,
        outcome: dryRun ? 'dry-run' : 'failed',
        detail: decoded.reason,
      };
    const { record, failure } = decoded.message;
    const status = await readStatus(deps.documentClient, options.tableName, record);
    const step = plan(decoded.message, status);
    const item = {
      messageId,
      aggregate: record.pk,
      sequence: parseSeq(record.sk),
      quarantinedFor: `${failure.code}: ${failure.message}`,
      tableStatus: status,
      action: step.action,
      events: step.events.length,
    };
    if (dryRun) return { ...item, outcome: 'dry-run', detail: step.detail };
    const result = await execute(decoded.message, status, step);
    return { ...item, outcome: result.ok ? 'done' : 'failed', detail: result.detail };
  };

  const { Attributes } = await deps.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: options.dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  const depth = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  const bar = (deps.progress ?? noProgress)(dryRun ? 'dry run' : 'redrive');
  bar.start(Math.min(max, depth));
  /** Received and not deleted: released when the run ends. */
  const held = new Map<string, string>();
  const seen = new Set<string>();
  const items: RedriveItem[] = [];
  try {
    while (items.length < max) {
      const { Messages } = await deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.dlqUrl,
          MaxNumberOfMessages: Math.min(10, max - items.length),
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
          WaitTimeSeconds: options.waitTimeSeconds ?? 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh: Message[] = [];
      for (const message of Messages ?? []) {
        if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
        held.set(message.MessageId, message.ReceiptHandle);
        if (!seen.has(message.MessageId)) fresh.push(message);
        seen.add(message.MessageId);
      }
      // A message seen before came back (its visibility ran out): the queue is done.
      if (fresh.length === 0) break;
      const batch = fresh
        .map((m) => ({ id: m.MessageId ?? '', decoded: decodeQuarantineMessage(m.Body) }))
        .sort((a, b) => orderKey(a.decoded).localeCompare(orderKey(b.decoded)));
      for (const { id, decoded } of batch) {
        let item = await handle(id, decoded);
        if (item.outcome === 'done') {
          try {
            await deps.sqs.send(
              new DeleteMessageCommand({ QueueUrl: options.dlqUrl, ReceiptHandle: held.get(id) }),
            );
            held.delete(id);
          } catch (error) {
            item = {
              ...item,
              outcome: 'failed',
              detail: `${item.detail}; but the message could not be deleted (${(error as Error).message}): a next run finds the record done`,
            };
          }
        }
        items.push(item);
        if (items.length > depth) bar.start(items.length);
        bar.increment();
      }
    }
  } finally {
    bar.stop();
    await Promise.allSettled(
      [...held.values()].map((receiptHandle) =>
        deps.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: options.dlqUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: 0,
          }),
        ),
      ),
    );
  }
  return {
    queueUrl: options.dlqUrl,
    mode,
    dryRun,
    received: items.length,
    redriven: items.filter((i) => i.outcome === 'done').length,
    failed: items.filter((i) => i.outcome === 'failed').length,
    items,
  };
}

/** Records of one aggregate in sequence order; unreadable messages last. */
function orderKey(decoded: DecodedDlqMessage): string {
  return decoded.ok ? `0${decoded.message.record.pk}\u0000${decoded.message.record.sk}` : '1';
}

/** The human-readable list. */
export function renderRedrive(report: RedriveReport): string {
  const head = report.dryRun
    ? `dry run (${report.mode} mode): ${report.received} message(s) in ${report.queueUrl}; nothing changed`
    : `${report.mode} redrive of ${report.queueUrl}: ${report.received} message(s), ${report.redriven} redriven, ${report.failed} kept in the queue`;
  if (report.items.length === 0) return `${head}\n(the dead-letter queue is empty)`;
  return [
    head,
    '',
    table(
      ['aggregate', 'seq', 'table', 'action', 'outcome', 'detail'],
      report.items.map((i) => [
        i.aggregate ?? `message ${i.messageId}`,
        i.sequence,
        i.tableStatus,
        i.action,
        i.outcome,
        i.detail,
      ]),
    ),
  ].join('\n');
}
