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
import type { EventBridgeV2Client } from '../lambdas/eventbridge-v2/index.js';
import {
  busPublisher,
  busTargetOf,
  OrderedPublisher,
  type OutboxRecord,
  type PublishFailure,
  parseSeq,
  type QuarantineMessage,
  type StoredEvent,
} from '../lambdas/outbox/index.js';
import { decodeQuarantineMessage } from './dlq-message.js';
import { CliError } from './errors.js';
import { table } from './output.js';
import { printable } from './printable.js';
import { noProgress, type ProgressFactory } from './progress.js';
import { markPendingAgain, markRedelivered, readStoredItem } from './record-status.js';
import {
  planRedrive,
  type RedriveAction,
  type RedriveMode,
  type RedrivePlan,
  type TableStatus,
} from './redrive-plan.js';

export type { RedriveAction, RedriveMode, TableStatus } from './redrive-plan.js';

export interface RedriveOptions {
  readonly tableName: string;
  /** Needed by `publish` mode. */
  readonly eventBusName?: string;
  readonly dlqUrl: string;
  /** @default 'publish' */
  readonly mode?: RedriveMode;
  /** Say what would be done; change nothing (the messages are released again). */
  readonly dryRun?: boolean;
  /**
   * Publish the message's own events when the table has no record: nothing vouches for
   * them. @default false
   */
  readonly allowAbsent?: boolean;
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
  /** For a Custom Event Bus (`eventBusName` an `event-busv2` ARN). @default - a new client */
  readonly eventBridgeV2?: EventBridgeV2Client;
  readonly sqs: SQSClient;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - none */
  readonly progress?: ProgressFactory;
  /**
   * Asked once every message is read and planned, before anything changes: the plan (a dry
   * run's report) in, whether to act out. @default - act
   */
  readonly confirm?: (preview: RedriveReport) => Promise<boolean>;
}

/** An event published from a message alone (`--allow-absent`): shown, never hidden. */
export interface UnverifiedEvent {
  readonly sequence: number;
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
}

/** One DLQ message and what became of it. */
export interface RedriveItem {
  readonly messageId: string;
  readonly aggregate?: string;
  readonly sequence?: number;
  /** Why the relay quarantined it, as the message says. */
  readonly quarantinedFor?: string;
  /** What the table holds at the message's key before the redrive. */
  readonly tableStatus?: TableStatus;
  readonly action: RedriveAction;
  /** Events published (or, in a dry run, to publish). */
  readonly events: number;
  /** `done`: the message was deleted; `failed`: it stays in the DLQ; `dry-run`: nothing changed. */
  readonly outcome: 'done' | 'failed' | 'dry-run';
  readonly detail: string;
  /** `publish-unverified` only: the events taken from the message itself. */
  readonly unverifiedEvents?: readonly UnverifiedEvent[];
}

/** What `redrive` reports. */
export interface RedriveReport {
  readonly queueUrl: string;
  readonly mode: RedriveMode;
  /** Nothing was changed: a dry run, or the plan was not confirmed. */
  readonly dryRun: boolean;
  /** The plan was shown and not confirmed (declined, or no terminal to ask on). */
  readonly declined: boolean;
  readonly received: number;
  readonly redriven: number;
  readonly failed: number;
  readonly items: readonly RedriveItem[];
}

/** A received message, read and planned. */
interface Planned {
  readonly messageId: string;
  readonly message?: QuarantineMessage;
  readonly plan: RedrivePlan;
  /** Its line of a dry run's report. */
  readonly item: RedriveItem;
}

/**
 * Takes poison records out of the dead-letter queue and back into the pipeline, trusting no
 * message: receives the messages (hidden from others for the run), decodes each
 * `QuarantineMessage` (gzip form included, inflation bounded), reloads its record from the
 * table and plans from the record alone ({@link planRedrive}); then asks `confirm` with the
 * plan, and only then acts: in `publish` mode publishes the table's stored events with the
 * relay's `OrderedPublisher` and marks the record FAILED → DELIVERED; in `pending` mode sets
 * it FAILED → PENDING, for the sweeper. A message is deleted only after its record was
 * handled; messages kept, and all of a dry run, are made visible again when the run ends.
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
  const { eventBusName } = options;
  if (mode === 'publish' && !dryRun && (eventBusName === undefined || eventBusName === ''))
    throw new CliError(
      'redrive --mode publish needs the event bus: pass --bus, --stack or --local',
    );
  const queue = new HeldMessages(deps.sqs, options);
  const summary = (items: readonly RedriveItem[], changed: boolean, declined = false) =>
    report(options.dlqUrl, mode, items, { dryRun: !changed, declined });
  try {
    const planned = await receiveAndPlan(queue, options, mode, deps);
    const preview = summary(
      planned.map((p) => p.item),
      false,
    );
    if (dryRun || planned.length === 0) return preview;
    if (!((await deps.confirm?.(preview)) ?? true)) return { ...preview, declined: true };
    const items = await act(planned, queue, { ...options, mode }, deps);
    return summary(items, true);
  } finally {
    await queue.releaseAll();
  }
}

/** The messages a run received and did not delete: released (made visible) when it ends. */
class HeldMessages {
  private readonly held = new Map<string, string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly options: RedriveOptions,
  ) {}

  /** ApproximateNumberOfMessages, for the progress bar. */
  async depth(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /** Up to `count` (≤ 10) messages not seen before in this run; none when the queue is done. */
  async receive(count: number): Promise<Message[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.dlqUrl,
        MaxNumberOfMessages: Math.min(10, count),
        VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 300,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh: Message[] = [];
    for (const message of Messages ?? []) {
      if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
      this.held.set(message.MessageId, message.ReceiptHandle);
      // A message seen before came back (its visibility ran out): not fresh.
      if (!this.seen.has(message.MessageId)) fresh.push(message);
      this.seen.add(message.MessageId);
    }
    return fresh;
  }

  /** Deletes a handled message; it is no longer held. */
  async delete(messageId: string): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: this.options.dlqUrl,
        ReceiptHandle: this.held.get(messageId),
      }),
    );
    this.held.delete(messageId);
  }

  /** Makes every message still held visible again, at once. */
  async releaseAll(): Promise<void> {
    await Promise.allSettled(
      [...this.held.values()].map((receiptHandle) =>
        this.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.options.dlqUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: 0,
          }),
        ),
      ),
    );
    this.held.clear();
  }
}

/** Receives up to `max` messages and plans each from its table record, aggregates in order. */
async function receiveAndPlan(
  queue: HeldMessages,
  options: RedriveOptions,
  mode: RedriveMode,
  deps: RedriveDependencies,
): Promise<Planned[]> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const bar = (deps.progress ?? noProgress)('reading');
  const depth = await queue.depth();
  bar.start(Math.min(max, depth));
  const planned: Planned[] = [];
  try {
    while (planned.length < max) {
      const fresh = await queue.receive(max - planned.length);
      if (fresh.length === 0) break;
      for (const message of fresh) {
        planned.push(await planMessage(message, options, mode, deps.documentClient));
        if (planned.length > depth) bar.start(planned.length);
        bar.increment();
      }
    }
  } finally {
    bar.stop();
  }
  return planned.sort((a, b) => orderKey(a).localeCompare(orderKey(b)));
}

/** Decodes a message and plans it from the record the table holds at its key. */
async function planMessage(
  received: Message,
  options: RedriveOptions,
  mode: RedriveMode,
  documentClient: DynamoDBDocumentClient,
): Promise<Planned> {
  const messageId = received.MessageId ?? '';
  const decoded = decodeQuarantineMessage(received.Body);
  if (!decoded.ok) {
    const plan: RedrivePlan = {
      action: 'keep',
      tableStatus: 'ABSENT',
      detail: decoded.reason,
      events: [],
    };
    return {
      messageId,
      plan,
      item: { messageId, action: 'keep', events: 0, outcome: 'dry-run', detail: decoded.reason },
    };
  }
  const message = decoded.message;
  const stored = await readStoredItem(documentClient, options.tableName, message.record);
  const plan = planRedrive(message, stored, {
    mode,
    ...(options.allowAbsent === undefined ? {} : { allowAbsent: options.allowAbsent }),
    ...(options.pendingShards === undefined ? {} : { pendingShards: options.pendingShards }),
  });
  return {
    messageId,
    message,
    plan,
    item: {
      messageId,
      aggregate: message.record.pk,
      sequence: parseSeq(message.record.sk),
      quarantinedFor: `${message.failure.code}: ${message.failure.message}`,
      tableStatus: plan.tableStatus,
      action: plan.action,
      events: plan.events.length,
      outcome: 'dry-run',
      detail: plan.detail,
      ...(plan.action === 'publish-unverified'
        ? { unverifiedEvents: plan.events.map(unverifiedEvent) }
        : {}),
    },
  };
}

const unverifiedEvent = (e: StoredEvent): UnverifiedEvent => ({
  sequence: e.sequence,
  eventId: e.eventId,
  source: e.source,
  detailType: e.detailType,
});

/** Carries out the plan, message by message in order; deletes each message once handled. */
async function act(
  planned: readonly Planned[],
  queue: HeldMessages,
  options: RedriveOptions & { readonly mode: RedriveMode },
  deps: RedriveDependencies,
): Promise<RedriveItem[]> {
  const publisher =
    options.mode === 'publish' && options.eventBusName !== undefined
      ? new OrderedPublisher({
          publisher: busPublisher(busTargetOf(options.eventBusName), deps),
          concurrency: 1,
        })
      : undefined;
  const bar = (deps.progress ?? noProgress)('redrive');
  bar.start(planned.length);
  const items: RedriveItem[] = [];
  try {
    for (const { messageId, plan, item } of planned) {
      const result = await execute(plan, options, { ...deps, publisher });
      let done: RedriveItem = {
        ...item,
        outcome: result.ok ? 'done' : 'failed',
        detail: result.detail,
      };
      if (result.ok) {
        try {
          await queue.delete(messageId);
        } catch (error) {
          done = {
            ...done,
            outcome: 'failed',
            detail: `${done.detail}; but the message could not be deleted (${(error as Error).message}): a next run finds the record done`,
          };
        }
      }
      items.push(done);
      bar.increment();
    }
  } finally {
    bar.stop();
  }
  return items;
}

/** Does what one message's plan says; `ok` when its message may be deleted. */
async function execute(
  plan: RedrivePlan,
  options: RedriveOptions,
  deps: RedriveDependencies & { readonly publisher: OrderedPublisher | undefined },
): Promise<{ ok: boolean; detail: string }> {
  const { record } = plan;
  if (plan.action === 'delete-message') return { ok: true, detail: plan.detail };
  if (plan.action === 'keep' || record === undefined) return { ok: false, detail: plan.detail };
  if (plan.action === 'set-pending') {
    const marked = await markPendingAgain(
      deps.documentClient,
      options.tableName,
      record,
      plan.shard ?? 0,
    );
    return marked === 'marked'
      ? { ok: true, detail: plan.detail }
      : { ok: false, detail: 'the record changed meanwhile (no longer FAILED): run redrive again' };
  }
  const refused = await publish(plan, record, options, deps.publisher);
  if (refused !== undefined) return { ok: false, detail: refused };
  if (plan.action === 'publish-unverified') return { ok: true, detail: plan.detail };
  const marked = await markRedelivered(deps.documentClient, options.tableName, record, {
    retentionDays: options.retentionDays ?? 7,
    now: (deps.clock ?? (() => new Date()))(),
  });
  return {
    ok: true,
    detail:
      marked === 'marked'
        ? plan.detail
        : `${plan.detail}; the record had changed meanwhile and was left as it is`,
  };
}

/**
 * Publishes the plan's events as one record, in order; why they were not all accepted, or
 * undefined when they were.
 *
 * @throws CliError when EventBridge refuses the caller itself
 */
async function publish(
  plan: RedrivePlan,
  record: OutboxRecord,
  options: RedriveOptions,
  publisher: OrderedPublisher | undefined,
): Promise<string | undefined> {
  if (publisher === undefined || plan.events.length === 0) return undefined;
  let poison: PublishFailure | undefined;
  const deadline = performance.now() + (options.publishTimeoutMs ?? 60_000);
  const result = await publisher.publish(
    [[{ ...record, events: plan.events, eventCount: plan.events.length }]],
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
      `EventBridge refused to publish to ${options.eventBusName}: ${result.configurationError.code}: ${result.configurationError.message}`,
    );
  if (poison !== undefined)
    return `EventBridge refused it again: ${poison.code}: ${poison.message}`;
  if (result.unfinished.length > 0)
    return `publishing timed out (EventBridge kept throttling or failing); ${result.eventsPublished} of ${plan.events.length} event(s) accepted`;
  return undefined;
}

function report(
  queueUrl: string,
  mode: RedriveMode,
  items: readonly RedriveItem[],
  flags: { readonly dryRun: boolean; readonly declined: boolean },
): RedriveReport {
  return {
    queueUrl,
    mode,
    ...flags,
    received: items.length,
    redriven: items.filter((i) => i.outcome === 'done').length,
    failed: items.filter((i) => i.outcome === 'failed').length,
    items,
  };
}

/** Records of one aggregate in sequence order; unreadable messages last. */
function orderKey(planned: Planned): string {
  const record = planned.message?.record;
  return record === undefined ? '1' : `0${record.pk}\u0000${record.sk}`;
}

/** How many messages the plan gives each action, e.g. `2 publish, 1 keep`. */
export function actionCounts(report: RedriveReport): string {
  const counts = new Map<RedriveAction, number>();
  for (const item of report.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
}

/** The human-readable list; events published from a message alone are listed loudly. */
export function renderRedrive(report: RedriveReport): string {
  const queue = printable(report.queueUrl);
  const head = report.dryRun
    ? `${report.declined ? 'not confirmed' : 'dry run'} (${report.mode} mode): ${report.received} message(s) in ${queue} (${actionCounts(report) || 'none'}); nothing changed`
    : `${report.mode} redrive of ${queue}: ${report.received} message(s), ${report.redriven} redriven, ${report.failed} kept in the queue`;
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
    ...report.items.flatMap(unverifiedWarning),
  ].join('\n');
}

/** The loud lines of a `publish-unverified` item: exactly what the message makes public. */
function unverifiedWarning(item: RedriveItem): string[] {
  if (item.unverifiedEvents === undefined) return [];
  const verb = item.outcome === 'dry-run' ? 'WOULD PUBLISH' : 'PUBLISHED';
  return [
    '',
    `WARNING: ${verb} ${item.unverifiedEvents.length} event(s) of ${printable(item.aggregate ?? '?')} taken from the dead-letter message alone (no record in the table vouches for them):`,
    ...item.unverifiedEvents.map(
      (e) =>
        `  ${e.sequence}  ${printable(e.source)}  ${printable(e.detailType)}  ${printable(e.eventId)}`,
    ),
  ];
}
