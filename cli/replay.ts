import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeV2Client } from '../lambdas/eventbridge-v2/index.js';
import {
  busPublisher,
  busTargetOf,
  OrderedPublisher,
  type OutboxRecord,
  OutboxStatus,
  type PublishFailure,
  parseSeq,
} from '../lambdas/outbox/index.js';
import { keyMismatch } from '../lambdas/outbox/record-integrity.js';
import { type AggregateRef, readAggregateRecords } from './aggregate-records.js';
import { CliError } from './errors.js';
import { fields } from './output.js';
import { printable } from './printable.js';
import { noProgress, type ProgressFactory } from './progress.js';

export interface ReplayOptions {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly aggregate: AggregateRef;
  /** Re-publish events from this sequence on. @default - 1 (all retained) */
  readonly fromSeq?: number;
  /** List what would be re-published; publish nothing. */
  readonly dryRun?: boolean;
  /** Re-publish at most this many events, the first in sequence order. @default - all */
  readonly max?: number;
  /** How long publishing may take, retries included. @default - 300,000 ms */
  readonly timeoutMs?: number;
}

export interface ReplayDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  /** For a Custom Event Bus (`eventBusName` an `event-busv2` ARN). @default - a new client */
  readonly eventBridgeV2?: EventBridgeV2Client;
  /** @default - none */
  readonly progress?: ProgressFactory;
  /**
   * Asked with the plan (a dry run's report) before anything is published; false publishes
   * nothing. @default - publish
   */
  readonly confirm?: (preview: ReplayReport) => Promise<boolean>;
}

/** An event re-published (or that would be). */
export interface ReplayedEvent {
  readonly sequence: number;
  readonly eventId: string;
  readonly detailType: string;
}

/**
 * A record `replay` left alone: not delivered (the relay's or the redrive's to publish), or
 * delivered with events that do not belong to its key (`refused` says why).
 */
export interface SkippedRecord {
  readonly sequence: number;
  readonly status: OutboxStatus;
  readonly refused?: string;
}

/** What `replay` reports. */
export interface ReplayReport {
  readonly aggregate: string;
  readonly eventBusName: string;
  readonly fromSeq: number;
  /** Nothing was published: a dry run, or the plan was not confirmed. */
  readonly dryRun: boolean;
  /** The plan was shown and not confirmed (declined, or no terminal to ask on). */
  readonly declined: boolean;
  /** Set when `max` cut the replay short: the sequence to go on from (`--from-seq`). */
  readonly nextSeq?: number;
  /** Delivered records whose events were re-published, in order. */
  readonly records: number;
  /** The events re-published (or that would be), in sequence order. */
  readonly events: readonly ReplayedEvent[];
  readonly skipped: readonly SkippedRecord[];
  /** Records EventBridge refused this time (poison): not re-published. */
  readonly failed: readonly { readonly sequence: number; readonly failure: PublishFailure }[];
  /**
   * Of the events re-published, those a Custom Event Bus answered `DEDUPLICATED`: published
   * less than 5 minutes before, so not put on the bus again.
   */
  readonly deduplicated?: number;
}

/**
 * Re-publishes an aggregate's delivered events still in the table (within the retention
 * period), in sequence order, through the relay's `OrderedPublisher`: each event keeps
 * its `eventId` and `sequence`, so consumers that de-duplicate see nothing new, and those
 * that rebuild state get the whole retained history. PENDING records are the relay's and
 * FAILED ones the redrive's: both are skipped.
 *
 * @throws CliError when EventBridge refuses the caller, or time runs out
 * @example
 * const report = await replayAggregate({ tableName, eventBusName, aggregate, fromSeq: 3 }, clients);
 */
export async function replayAggregate(
  options: ReplayOptions,
  deps: ReplayDependencies,
): Promise<ReplayReport> {
  const fromSeq = options.fromSeq ?? 1;
  const records = await readAggregateRecords(
    deps.documentClient,
    options.tableName,
    options.aggregate.pk,
    fromSeq,
  );
  const { chain, skipped, nextSeq } = replayChain(records, fromSeq, options.max);
  const planned = chain.flatMap((r) =>
    r.events.map((e) => ({ sequence: e.sequence, eventId: e.eventId, detailType: e.detailType })),
  );
  const report = {
    aggregate: options.aggregate.pk,
    eventBusName: options.eventBusName,
    fromSeq,
    dryRun: true,
    declined: false,
    ...(nextSeq === undefined ? {} : { nextSeq }),
    skipped,
  };
  const preview: ReplayReport = { ...report, records: chain.length, events: planned, failed: [] };
  if (options.dryRun || chain.length === 0) return preview;
  if (!((await deps.confirm?.(preview)) ?? true)) return { ...preview, declined: true };

  const publisher = new OrderedPublisher({
    publisher: busPublisher(busTargetOf(options.eventBusName), deps),
    concurrency: 1,
  });
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = performance.now() + timeoutMs;
  const bar = (deps.progress ?? noProgress)('replay');
  bar.start(planned.length);
  const failed: { sequence: number; failure: PublishFailure }[] = [];
  let result: Awaited<ReturnType<OrderedPublisher['publish']>>;
  try {
    result = await publisher.publish([chain], {
      remainingMs: () => deadline - performance.now(),
      onAccepted: (record) => bar.increment(record.events.length),
      onPoison: (record, failure) => failed.push({ sequence: parseSeq(record.sk), failure }),
    });
  } finally {
    bar.stop();
  }
  if (result.configurationError !== undefined)
    throw new CliError(
      `EventBridge refused to publish to ${options.eventBusName}: ${result.configurationError.code}: ${result.configurationError.message} (${result.eventsPublished} event(s) re-published before)`,
    );
  if (result.unfinished.length > 0)
    throw new CliError(
      `replay timed out after ${Math.round(timeoutMs / 1000)} s with ${result.eventsPublished} of ${planned.length} event(s) re-published (EventBridge kept throttling or failing); run it again with --from-seq ${parseSeq(result.unfinished[0]?.sk ?? '0')}`,
    );
  const accepted = new Set(result.accepted.flatMap((r) => r.events.map((e) => e.eventId)));
  return {
    ...report,
    dryRun: false,
    records: result.accepted.length,
    events: planned.filter((e) => accepted.has(e.eventId)),
    failed,
    ...(result.eventsDeduplicated > 0 ? { deduplicated: result.eventsDeduplicated } : {}),
  };
}

/**
 * The delivered records to re-publish, each cut to its events from `fromSeq` on, and at
 * most `max` events in all (the first in sequence order); the records left alone.
 */
function replayChain(
  records: readonly OutboxRecord[],
  fromSeq: number,
  max = Number.POSITIVE_INFINITY,
): { chain: OutboxRecord[]; skipped: SkippedRecord[]; nextSeq?: number } {
  const skipped: SkippedRecord[] = [];
  const chain: OutboxRecord[] = [];
  let room = max;
  let nextSeq: number | undefined;
  for (const record of records) {
    if (record.status !== OutboxStatus.delivered) {
      skipped.push({ sequence: parseSeq(record.sk), status: record.status });
      continue;
    }
    // Delivered before the relay checked keys, or written past it: not ours to publish again.
    const foreign = keyMismatch(record);
    if (foreign !== undefined) {
      skipped.push({ sequence: parseSeq(record.sk), status: record.status, refused: foreign });
      continue;
    }
    if (nextSeq !== undefined) continue;
    // A record holds events fromSeq-k … sk: only those from fromSeq on.
    const from = record.events.filter((e) => e.sequence >= fromSeq);
    const events = from.slice(0, room);
    if (events.length < from.length) nextSeq = from[events.length]?.sequence;
    room -= events.length;
    if (events.length > 0) chain.push({ ...record, events, eventCount: events.length });
  }
  return { chain, skipped, ...(nextSeq === undefined ? {} : { nextSeq }) };
}

/** Why replay left a record alone, for people. */
function skipReason(skipped: SkippedRecord): string {
  if (skipped.refused !== undefined) return `refused: ${printable(skipped.refused)}`;
  return skipped.status === 'FAILED' ? 'quarantined: use redrive' : 'the relay delivers it';
}

/** The human-readable summary. */
export function renderReplay(report: ReplayReport): string {
  const verb = report.declined
    ? 'not confirmed, nothing published; would re-publish'
    : report.dryRun
      ? 'would re-publish'
      : 're-published';
  const lines = [
    `${printable(report.aggregate)}: ${verb} ${report.events.length} event(s) of ${report.records} delivered record(s) to ${printable(report.eventBusName)}, from sequence ${report.fromSeq}`,
  ];
  if (report.events.length > 0)
    lines.push(
      fields(report.events.map((e) => [`  ${e.sequence}`, `${e.detailType} ${e.eventId}`])),
    );
  if (report.deduplicated !== undefined)
    lines.push(
      `${report.deduplicated} of them the Custom Event Bus suppressed as repeats (published less than 5 minutes before): replay them once the window has passed, or read them from the bus's retention with a subscriber`,
    );
  if (report.nextSeq !== undefined)
    lines.push(`stopped at --max: the rest goes out with --from-seq ${report.nextSeq}`);
  for (const s of report.skipped)
    lines.push(`skipped record ${s.sequence}: ${s.status} (${skipReason(s)})`);
  for (const f of report.failed)
    lines.push(
      `failed record ${f.sequence}: ${printable(`${f.failure.code}: ${f.failure.message}`)}`,
    );
  return lines.join('\n');
}
