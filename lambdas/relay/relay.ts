import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import {
  type DeliveryTally,
  emptyTally,
  fullJitterDelay,
  keyString,
  type OutboxDelivery,
  type OutboxRecord,
  type PublishFailure,
  type RecordKey,
} from '../outbox/index.js';
import { OutboxMetric, type OutboxMetricName } from '../outbox/metrics.js';
import { PublishNotAuthorizedError } from './errors.js';
import { type DecodedStreamRecord, decodeStreamEvent } from './stream-records.js';

/** The metric sink: Powertools `Metrics` fits it; tests pass a recorder. @internal */
export interface RelayMetrics {
  addMetric(name: OutboxMetricName, unit: 'Count' | 'Milliseconds', value: number): void;
}

/** What the relay core needs; the handler creates these once per container. @internal */
export interface RelayDependencies {
  /** The delivery pass shared with the sweeper (store, publisher, quarantine). */
  readonly delivery: OutboxDelivery;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  /** Time kept free before the Lambda timeout for marking and answering, in ms. */
  readonly safetyMarginMs: number;
  /** How long to wait for predecessors another lane is publishing, in ms. */
  readonly predecessorWaitMs: number;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the relay needs of the Lambda context. @internal */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Relays one DynamoDB Stream batch of outbox INSERTs to EventBridge, enforcing order per
 * aggregate (a record goes out only once its predecessor is delivered, quarantined or
 * gone), skipping what is already delivered, quarantining poison, and marking what was
 * published. Returns the earliest record not done as the batch item failure, so Lambda
 * restarts there; records after it that are done are skipped on the retry.
 *
 * @throws PublishNotAuthorizedError when EventBridge refuses the relay itself, after
 *   marking what was published
 * @internal
 */
export async function relayStreamBatch(
  deps: RelayDependencies,
  event: DynamoDBStreamEvent,
  context: RemainingTime,
): Promise<DynamoDBBatchResponse> {
  const clock = deps.clock ?? (() => new Date());
  const sleep =
    deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const remainingMs = () => context.getRemainingTimeInMillis() - deps.safetyMarginMs;
  const decoded = decodeStreamEvent(event);
  emitLag(deps, decoded, clock());

  const done = new Set<string>();
  const tally = emptyTally();
  await quarantineMalformed(deps, decoded, done, tally);

  // One stream position per record: a repeated record counts where it first appears.
  const records = [
    ...new Map(
      decoded.flatMap((d) => (d.record ? [[keyString(d.record), d.record] as const] : [])),
    ).values(),
  ];
  let waiting: OutboxRecord[] = records;
  let configurationError: PublishFailure | undefined;
  let waitedMs = 0;
  for (let round = 1; waiting.length > 0 && configurationError === undefined; round++) {
    if (round > 1) {
      // A predecessor held by another lane is usually delivered within milliseconds:
      // waiting a little here is cheaper than a failed batch and Lambda's retry.
      const delay = Math.min(
        10 + fullJitterDelay(round - 1, { baseDelayMs: 50, maxDelayMs: 400 }),
        deps.predecessorWaitMs - waitedMs,
      );
      if (delay <= 0 || delay >= remainingMs()) break;
      await sleep(delay);
      waitedMs += delay;
    }
    const outcome = await deps.delivery.deliver(waiting, done, tally, remainingMs);
    configurationError = outcome.configurationError;
    waiting = [...outcome.deferred];
  }

  const deferred = records.filter((r) => !done.has(keyString(r))).length;
  deps.metrics.addMetric(OutboxMetric.eventsPublished, 'Count', tally.published);
  deps.metrics.addMetric(OutboxMetric.eventsDeduplicated, 'Count', tally.deduplicated);
  deps.metrics.addMetric(OutboxMetric.recordsDeferred, 'Count', deferred);
  deps.metrics.addMetric(OutboxMetric.duplicatesSkipped, 'Count', tally.duplicatesSkipped);
  deps.metrics.addMetric(OutboxMetric.poisonRecords, 'Count', tally.poison);
  deps.metrics.addMetric(OutboxMetric.publishRetries, 'Count', tally.retries);
  deps.logger.info('batch relayed', { records: records.length, ...tally, notDone: deferred });

  if (configurationError !== undefined) {
    throw new PublishNotAuthorizedError(configurationError.code, configurationError.message);
  }
  const notDone = decoded.filter(
    (d) => (d.record !== undefined || d.malformed !== undefined) && !done.has(keyString(keyOf(d))),
  );
  // Lambda restarts at the reported sequence number and re-sends everything after it in
  // stream order; the lowest sequence number is the only safe choice, whatever the
  // order of the batch array.
  const earliest = notDone.reduce<DecodedStreamRecord | undefined>(
    (min, d) =>
      min === undefined || compareSequenceNumbers(d.sequenceNumber, min.sequenceNumber) < 0
        ? d
        : min,
    undefined,
  );
  return {
    batchItemFailures: earliest === undefined ? [] : [{ itemIdentifier: earliest.sequenceNumber }],
  };
}

async function quarantineMalformed(
  deps: RelayDependencies,
  decoded: readonly DecodedStreamRecord[],
  done: Set<string>,
  tally: DeliveryTally,
): Promise<void> {
  for (const d of decoded) {
    if (d.malformed === undefined) continue;
    const record = d.malformed.image as unknown as OutboxRecord;
    if (typeof record.pk !== 'string' || typeof record.sk !== 'string') {
      // Without a key nothing can be marked; the DLQ copy is all there is.
      await deps.delivery
        .quarantineUnkeyed(d.malformed.image, {
          code: 'MalformedRecord',
          message: d.malformed.reason,
        })
        .then(
          () => void done.add(keyString(keyOf(d))),
          (error: unknown) => deps.logger.error('quarantine failed', { error: error as Error }),
        );
      continue;
    }
    await deps.delivery.quarantineRecord(
      record,
      { code: 'MalformedRecord', message: d.malformed.reason },
      [],
      done,
      tally,
    );
  }
}

/** The key a decoded record is tracked under (malformed ones without a key by position). */
function keyOf(d: DecodedStreamRecord): RecordKey {
  const source = d.record ?? (d.malformed?.image as { pk?: unknown; sk?: unknown } | undefined);
  return typeof source?.pk === 'string' && typeof source.sk === 'string'
    ? { pk: source.pk, sk: source.sk }
    : { pk: `#malformed#${d.index}`, sk: d.sequenceNumber };
}

/** Orders stream sequence numbers (decimal strings of up to 40 digits) numerically. @internal */
export function compareSequenceNumbers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (!numeric.test(a) || !numeric.test(b)) return 0;
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function emitLag(
  deps: RelayDependencies,
  decoded: readonly DecodedStreamRecord[],
  now: Date,
): void {
  const created = decoded.flatMap((d) =>
    d.record && d.createdAtMs !== undefined ? [d.createdAtMs] : [],
  );
  if (created.length > 0)
    deps.metrics.addMetric(
      OutboxMetric.relayLag,
      'Milliseconds',
      Math.max(0, now.getTime() - Math.min(...created)),
    );
}
