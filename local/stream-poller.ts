import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { type EventPattern, matchesPattern } from '../lambdas/outbox/index.js';
import { lambdaContext } from './lambda-context.js';

/** The function the poller invokes: the relay handler, as Lambda would invoke it. */
export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

/** Why records went to the on-failure destination, as Lambda names it in `condition`. */
export type StreamFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * What the event source mapping sends to its on-failure destination: metadata of the
 * discarded records, not the records (the shape of Lambda's invocation record for a
 * DynamoDB stream, services-dynamodb-errors).
 */
export interface StreamFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: StreamFailureCondition;
    readonly approximateInvokeCount: number;
  };
  /** Absent when the records were discarded before any invocation (record age). */
  readonly responseContext?: {
    readonly statusCode: number;
    readonly executedVersion: string;
    /** `Unhandled` when the last invocation threw; absent when it returned failures. */
    readonly functionError?: 'Unhandled';
  };
  readonly version: '1.0';
  /** ISO-8601 time the records were discarded. */
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord?: string;
    readonly approximateArrivalOfLastRecord?: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

/** Settings of a {@link StreamPoller}, mirroring the Lambda event source mapping. */
export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: StreamHandler;
  /** Only matching records reach the handler (the mapping's filter criteria). */
  readonly filter?: EventPattern;
  /** 1..10,000, as `BatchSize`. @default - 100 */
  readonly batchSize?: number;
  /** @default - 0: invoke as soon as records are there */
  readonly batchingWindowMs?: number;
  /** Concurrent lanes per shard, like ParallelizationFactor (1..10). @default - 1 */
  readonly parallelism?: number;
  /**
   * Retries of a failing batch before its records go to the on-failure destination, as
   * `MaximumRetryAttempts` (-1..10,000; -1 retries until the record ages out).
   * @default - 20
   */
  readonly maxRetries?: number;
  /**
   * Records older than this (by ApproximateCreationDateTime) go to the on-failure
   * destination instead of the handler, as `MaximumRecordAgeInSeconds` (-1, or 60 s..7 days).
   * @default - -1: no limit
   */
  readonly maxRecordAgeMs?: number;
  /**
   * When the handler throws, split the batch in two and retry each half, as
   * `BisectBatchOnFunctionError`; splitting does not count as a retry.
   * @default - false
   */
  readonly bisectBatchOnError?: boolean;
  /** The on-failure destination: receives the metadata of every discarded batch. @default - none */
  readonly onFailure?: (record: StreamFailureRecord) => void;
  /** @default - 250 (4 polls a second) */
  readonly pollIntervalMs?: number;
  /** First delay between retries of a batch, doubling up to 1 s. @default - 20 */
  readonly retryDelayMs?: number;
  /** The handler's timeout, for its context. @default - 60,000 */
  readonly timeoutMs?: number;
  /** Epoch milliseconds now, for record ages. @default - Date.now */
  readonly clock?: () => number;
  /** Drops a record before it reaches a lane, as if it aged out of the stream (chaos tests). */
  readonly drop?: (record: DynamoDBRecord) => boolean;
  readonly log?: (line: string) => void;
}

/** Counters, for tests and the banner. */
export interface PollerStats {
  invocations: number;
  recordsRead: number;
  recordsFiltered: number;
  retries: number;
  /** Records sent to the on-failure destination after the retries ran out. */
  skipped: number;
  /** Records sent to the on-failure destination for being older than maxRecordAgeMs. */
  expired: number;
  /** Failed batches split in two. */
  bisections: number;
}

/** Records at the head of a lane that are invoked, retried and discarded together. */
interface PendingBatch {
  size: number;
  retries: number;
  invocations: number;
  /** Whether the last invocation threw (for the on-failure record). */
  threw: boolean;
}

interface Lane {
  readonly shardId: string;
  readonly queue: DynamoDBRecord[];
  running: boolean;
  /** The batch at the head of the queue being retried, then the halves bisection left. */
  readonly pending: PendingBatch[];
}

interface ShardReader {
  readonly shard: Shard;
  iterator?: string;
  lastSequence?: string;
  finished: boolean;
  readonly lanes: Lane[];
}

/** How one invocation ended, as the event source mapping judges it. */
type Outcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly done: number }
  | { readonly kind: 'invalid-response'; readonly reason: string }
  | { readonly kind: 'function-error'; readonly error: unknown };

type Settings = Required<Omit<StreamPollerOptions, 'filter' | 'drop' | 'log' | 'onFailure'>> &
  Pick<StreamPollerOptions, 'filter' | 'drop' | 'log' | 'onFailure'>;

const FUNCTION_NAME = 'outbox-relay';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads a DynamoDB stream like the Lambda event source mapping: every shard, parents
 * before children, four polls a second; filters; spreads a shard's records over
 * `parallelism` lanes by item key (order is kept per item only, as in Lambda); batches by
 * size and window; invokes the handler with a Lambda-like context; checkpoints at the
 * lowest reported `batchItemFailures` sequence number and treats a malformed report as a
 * failure of the whole batch; bisects a batch whose invocation throws (when
 * `bisectBatchOnError`); sends batches out of retries and records past their maximum age
 * to the on-failure destination and goes on; survives iterator expiry.
 *
 * @example
 * const poller = new StreamPoller({ streams, streamArn, handler: relay.handler, parallelism: 10 });
 * poller.start();
 */
export class StreamPoller {
  readonly stats: PollerStats = {
    invocations: 0,
    recordsRead: 0,
    recordsFiltered: 0,
    retries: 0,
    skipped: 0,
    expired: 0,
    bisections: 0,
  };
  private readonly readers = new Map<string, ShardReader>();
  private readonly options: Settings;
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: StreamPollerOptions) {
    this.options = {
      batchSize: 100,
      batchingWindowMs: 0,
      parallelism: 1,
      maxRetries: 20,
      maxRecordAgeMs: -1,
      bisectBatchOnError: false,
      pollIntervalMs: 250,
      retryDelayMs: 20,
      timeoutMs: 60_000,
      clock: Date.now,
      ...options,
    };
    validate(this.options);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and waits for invocations in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** True when every record read so far has been handled (or skipped). */
  get idle(): boolean {
    return [...this.readers.values()].every((r) =>
      r.lanes.every((lane) => lane.queue.length === 0 && !lane.running),
    );
  }

  private async run(): Promise<void> {
    let lastDiscovery = 0;
    while (this.running) {
      try {
        if (Date.now() - lastDiscovery > 1_000) {
          await this.discoverShards();
          lastDiscovery = Date.now();
        }
        await Promise.all(
          [...this.readers.values()].filter((r) => this.readable(r)).map((r) => this.poll(r)),
        );
      } catch (error) {
        this.options.log?.(`stream poller: ${(error as Error).name}: ${(error as Error).message}`);
      }
      for (const reader of this.readers.values()) for (const lane of reader.lanes) this.pump(lane);
      await sleep(this.options.pollIntervalMs);
    }
  }

  private async discoverShards(): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.readers.has(shard.ShardId)) continue;
        this.readers.set(shard.ShardId, {
          shard,
          finished: false,
          lanes: Array.from({ length: this.options.parallelism }, () => ({
            shardId: shard.ShardId as string,
            queue: [],
            running: false,
            pending: [],
          })),
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
  }

  /** A child shard is read only once its parent is read to the end and handled. */
  private readable(reader: ShardReader): boolean {
    if (reader.finished) return false;
    const parent =
      reader.shard.ParentShardId === undefined
        ? undefined
        : this.readers.get(reader.shard.ParentShardId);
    return (
      parent === undefined ||
      (parent.finished && parent.lanes.every((l) => l.queue.length === 0 && !l.running))
    );
  }

  private async poll(reader: ShardReader): Promise<void> {
    const shardId = reader.shard.ShardId as string;
    if (reader.iterator === undefined) {
      const { ShardIterator } = await this.options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.options.streamArn,
          ShardId: shardId,
          ...(reader.lastSequence === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: reader.lastSequence }),
        }),
      );
      reader.iterator = ShardIterator;
      if (ShardIterator === undefined) {
        reader.finished = true;
        return;
      }
    }
    let output: GetRecordsCommandOutput;
    try {
      output = await this.options.streams.send(
        new GetRecordsCommand({ ShardIterator: reader.iterator, Limit: 1000 }),
      );
    } catch (error) {
      // Re-acquire from where we were (or the oldest record still there): an iterator
      // expires after 15 minutes, and does not survive a restart of the stream's host.
      reader.iterator = undefined;
      const name = (error as Error).name;
      if (name === 'TrimmedDataAccessException') reader.lastSequence = undefined;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') return;
      throw error;
    }
    for (const record of output.Records ?? []) {
      this.stats.recordsRead++;
      reader.lastSequence = record.dynamodb?.SequenceNumber ?? reader.lastSequence;
      const event = toLambdaRecord(record, this.options.streamArn);
      if (this.options.filter && !matchesPattern(this.options.filter, event)) {
        this.stats.recordsFiltered++;
        continue;
      }
      if (this.options.drop?.(event)) continue;
      (reader.lanes[laneOf(event, this.options.parallelism)] as Lane).queue.push(event);
    }
    reader.iterator = output.NextShardIterator;
    if (reader.iterator === undefined) reader.finished = true;
  }

  /** Starts the lane's next invocation if it has records and none is running. */
  private pump(lane: Lane): void {
    if (lane.running || lane.queue.length === 0 || !this.running) return;
    lane.running = true;
    const invocation = this.invoke(lane)
      .catch((error: unknown) => this.options.log?.(`stream poller: ${(error as Error).message}`))
      .finally(() => {
        lane.running = false;
        this.inFlight.delete(invocation);
        this.pump(lane);
      });
    this.inFlight.add(invocation);
  }

  /** One turn of a lane: discard aged records, invoke the head batch, act on the outcome. */
  private async invoke(lane: Lane): Promise<void> {
    if (
      lane.pending.length === 0 &&
      lane.queue.length < this.options.batchSize &&
      this.options.batchingWindowMs > 0
    ) {
      await sleep(this.options.batchingWindowMs);
    }
    this.discardAgedRecords(lane);
    if (lane.queue.length === 0) return;
    const head = lane.pending[0] ?? this.newBatch(lane);
    this.stats.invocations++;
    head.invocations++;
    const outcome = await this.call(lane.queue.slice(0, head.size));
    head.threw = outcome.kind === 'function-error';
    await this.settle(lane, head, outcome);
  }

  /** Checkpoints a done batch; retries, bisects or discards a failed one. */
  private async settle(lane: Lane, head: PendingBatch, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'success':
        lane.queue.splice(0, head.size);
        lane.pending.shift();
        return;
      case 'partial':
        // Lambda checkpoints there and retries only the records from it on.
        lane.queue.splice(0, outcome.done);
        head.size -= outcome.done;
        break;
      case 'invalid-response':
        this.options.log?.(`stream poller: the whole batch failed: ${outcome.reason}`);
        break;
      case 'function-error':
        this.options.log?.(`relay invocation failed: ${messageOf(outcome.error)}`);
        if (this.options.bisectBatchOnError && head.size > 1) return this.bisect(lane, head);
        break;
    }
    await this.retryOrDiscard(lane, head);
  }

  /** A batch for the records at the head of the lane, up to batchSize. */
  private newBatch(lane: Lane): PendingBatch {
    const batch: PendingBatch = {
      size: Math.min(lane.queue.length, this.options.batchSize),
      retries: 0,
      invocations: 0,
      threw: false,
    };
    lane.pending.unshift(batch);
    return batch;
  }

  /** Invokes the handler and judges its answer as the event source mapping does. */
  private async call(batch: DynamoDBRecord[]): Promise<Outcome> {
    try {
      const result = await this.options.handler(
        { Records: batch },
        lambdaContext(FUNCTION_NAME, this.options.timeoutMs),
      );
      return judgeResponse(result, batch);
    } catch (error) {
      return { kind: 'function-error', error };
    }
  }

  /** Splits the failed head batch in two; the halves keep its retry count (a split is no retry). */
  private bisect(lane: Lane, head: PendingBatch): void {
    const first = Math.ceil(head.size / 2);
    lane.pending.splice(0, 1, { ...head, size: first }, { ...head, size: head.size - first });
    this.stats.bisections++;
    this.options.log?.(
      `stream poller: bisected a failed batch of ${head.size} into ${first} + ${head.size - first}`,
    );
  }

  /** Counts a retry of the head batch, or sends it to the on-failure destination when out of retries. */
  private async retryOrDiscard(lane: Lane, head: PendingBatch): Promise<void> {
    head.retries++;
    const { maxRetries } = this.options;
    if (maxRetries === -1 || head.retries <= maxRetries) {
      this.stats.retries++;
      await sleep(Math.min(1_000, this.options.retryDelayMs * 2 ** Math.min(head.retries, 6)));
      return;
    }
    lane.pending.shift();
    const discarded = lane.queue.splice(0, head.size);
    this.stats.skipped += discarded.length;
    // The records themselves stay PENDING in the outbox table, for the sweeper.
    this.sendToOnFailure(lane, discarded, 'RetryAttemptsExhausted', head);
    this.options.log?.(
      `stream poller: skipped ${discarded.length} record(s) after ${maxRetries} retries`,
    );
  }

  /** Sends the records at the head of the lane older than maxRecordAgeMs to the on-failure destination. */
  private discardAgedRecords(lane: Lane): void {
    const { maxRecordAgeMs, clock } = this.options;
    if (maxRecordAgeMs === -1) return;
    const now = clock();
    const fresh = lane.queue.findIndex((record) => !isOlderThan(record, maxRecordAgeMs, now));
    const count = fresh === -1 ? lane.queue.length : fresh;
    if (count === 0) return;
    const invoked = lane.pending[0];
    const aged = lane.queue.splice(0, count);
    shrinkPending(lane.pending, count);
    this.stats.expired += aged.length;
    this.sendToOnFailure(lane, aged, 'RecordAgeExceeded', invoked);
    this.options.log?.(
      `stream poller: ${aged.length} record(s) older than ${maxRecordAgeMs} ms went to the on-failure destination`,
    );
  }

  private sendToOnFailure(
    lane: Lane,
    records: DynamoDBRecord[],
    condition: StreamFailureCondition,
    batch: PendingBatch | undefined,
  ): void {
    this.options.onFailure?.(
      failureRecord({
        records,
        condition,
        batch,
        shardId: lane.shardId,
        streamArn: this.options.streamArn,
        now: this.options.clock(),
      }),
    );
  }
}

/** The lane of a record: a hash of its item key, as Lambda spreads a shard by item. */
function laneOf(record: DynamoDBRecord, lanes: number): number {
  if (lanes === 1) return 0;
  const keys = record.dynamodb?.Keys ?? {};
  const key = Object.keys(keys)
    .sort()
    .map((name) => JSON.stringify(keys[name]))
    .join('|');
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}

/** Judges a handler's answer by Lambda's partial batch response rules (services-ddb-batchfailurereporting). */
function judgeResponse(result: unknown, batch: readonly DynamoDBRecord[]): Outcome {
  // A null or empty response, or a null or empty list: a complete success.
  if (result == null) return { kind: 'success' };
  if (typeof result !== 'object' || Array.isArray(result))
    return { kind: 'invalid-response', reason: 'the response is not a JSON object' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures == null) return { kind: 'success' };
  if (!Array.isArray(failures))
    return { kind: 'invalid-response', reason: 'batchItemFailures is not a list' };
  let done = batch.length;
  for (const failure of failures as unknown[]) {
    const at = failedIndex(failure, batch);
    if (typeof at === 'string') return { kind: 'invalid-response', reason: at };
    done = Math.min(done, at);
  }
  // A lane's batch is in stream order: the earliest record has the lowest sequence number.
  return done === batch.length ? { kind: 'success' } : { kind: 'partial', done };
}

/** Where a batchItemFailures entry points in the batch, or why it fails the whole batch. */
function failedIndex(failure: unknown, batch: readonly DynamoDBRecord[]): number | string {
  if (typeof failure !== 'object' || failure === null || !('itemIdentifier' in failure))
    return `a batchItemFailures entry has no itemIdentifier (bad key name): ${JSON.stringify(failure)}`;
  const id = failure.itemIdentifier;
  if (id === null || id === undefined) return 'a batchItemFailures entry has a null itemIdentifier';
  if (id === '') return 'a batchItemFailures entry has an empty itemIdentifier';
  if (typeof id !== 'string') return `itemIdentifier ${JSON.stringify(id)} is not a string`;
  const at = batch.findIndex((record) => record.dynamodb?.SequenceNumber === id);
  return at === -1 ? `itemIdentifier ${id} is not a sequence number of the batch` : at;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when the record was created more than `maxAgeMs` before `now`. */
function isOlderThan(record: DynamoDBRecord, maxAgeMs: number, now: number): boolean {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return created !== undefined && now - created * 1000 > maxAgeMs;
}

/** Takes `count` records off the front of the pending batches. */
function shrinkPending(pending: PendingBatch[], count: number): void {
  let left = count;
  while (left > 0 && pending[0] !== undefined) {
    const taken = Math.min(left, pending[0].size);
    pending[0].size -= taken;
    left -= taken;
    if (pending[0].size === 0) pending.shift();
  }
}

/** Lambda's invocation record for discarded stream records (services-dynamodb-errors). */
function failureRecord(input: {
  records: readonly DynamoDBRecord[];
  condition: StreamFailureCondition;
  batch: PendingBatch | undefined;
  shardId: string;
  streamArn: string;
  now: number;
}): StreamFailureRecord {
  const { records, condition, batch } = input;
  const first = records[0]?.dynamodb;
  const last = records.at(-1)?.dynamodb;
  const invocations = batch?.invocations ?? 0;
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:local:000000000000:function:${FUNCTION_NAME}`,
      condition,
      approximateInvokeCount: invocations,
    },
    ...(invocations === 0
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            ...(batch?.threw ? { functionError: 'Unhandled' as const } : {}),
          },
        }),
    version: '1.0',
    timestamp: new Date(input.now).toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.SequenceNumber ?? '',
      endSequenceNumber: last?.SequenceNumber ?? '',
      ...arrival('approximateArrivalOfFirstRecord', first?.ApproximateCreationDateTime),
      ...arrival('approximateArrivalOfLastRecord', last?.ApproximateCreationDateTime),
      batchSize: records.length,
      streamArn: input.streamArn,
    },
  };
}

/** `{ [key]: '2019-11-14T00:13:19Z' }` for epoch seconds, or nothing. */
function arrival(key: string, seconds: number | undefined): Record<string, string> {
  if (seconds === undefined) return {};
  return { [key]: new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Fails early, naming the bad value, on settings the event source mapping would refuse. */
function validate(options: Settings): void {
  const { parallelism, batchSize, maxRetries, maxRecordAgeMs } = options;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 10)
    throw new RangeError(`parallelism must be an integer in 1..10, got ${parallelism}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new RangeError(`batchSize must be an integer in 1..10000, got ${batchSize}`);
  if (!Number.isInteger(maxRetries) || maxRetries < -1 || maxRetries > 10_000)
    throw new RangeError(`maxRetries must be an integer in -1..10000, got ${maxRetries}`);
  const ageOk =
    maxRecordAgeMs === -1 ||
    (Number.isInteger(maxRecordAgeMs) && maxRecordAgeMs >= 60_000 && maxRecordAgeMs <= 604_800_000);
  if (!ageOk)
    throw new RangeError(
      `maxRecordAgeMs must be -1 or an integer in 60000..604800000 (60 s..7 days), got ${maxRecordAgeMs}`,
    );
}

/** A DynamoDB Streams record in the shape the Lambda event source mapping delivers. */
export function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const dynamodb = record.dynamodb ?? {};
  const created = dynamodb.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created === undefined
        ? {}
        : { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) }),
      Keys: dynamodb.Keys as never,
      ...(dynamodb.NewImage === undefined ? {} : { NewImage: dynamodb.NewImage as never }),
      ...(dynamodb.OldImage === undefined ? {} : { OldImage: dynamodb.OldImage as never }),
      SequenceNumber: dynamodb.SequenceNumber,
      SizeBytes: dynamodb.SizeBytes,
      StreamViewType: dynamodb.StreamViewType,
    },
  };
}
