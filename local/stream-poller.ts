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

/** Settings of a {@link StreamPoller}, mirroring the Lambda event source mapping. */
export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: StreamHandler;
  /** Only matching records reach the handler (the mapping's filter criteria). */
  readonly filter?: EventPattern;
  /** @default - 100 */
  readonly batchSize?: number;
  /** @default - 0: invoke as soon as records are there */
  readonly batchingWindowMs?: number;
  /** Concurrent lanes per shard, like ParallelizationFactor (1..10). @default - 1 */
  readonly parallelism?: number;
  /** Retries of a failing batch before it is skipped (records stay in the table). @default - 20 */
  readonly maxRetries?: number;
  /** @default - 250 (4 polls a second) */
  readonly pollIntervalMs?: number;
  /** The handler's timeout, for its context. @default - 60,000 */
  readonly timeoutMs?: number;
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
  skipped: number;
}

interface Lane {
  readonly queue: DynamoDBRecord[];
  running: boolean;
  /** Sequence number of the record the last failure pointed at, and how often. */
  failingAt?: string;
  attempts: number;
}

interface ShardReader {
  readonly shard: Shard;
  iterator?: string;
  lastSequence?: string;
  finished: boolean;
  readonly lanes: Lane[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads a DynamoDB stream like the Lambda event source mapping: every shard, parents
 * before children, four polls a second; filters; spreads a shard's records over
 * `parallelism` lanes by item key (order is kept per item only, as in Lambda); batches by
 * size and window; invokes the handler with a Lambda-like context; restarts at the
 * reported `batchItemFailures` sequence number; retries a bounded number of times, then
 * skips; survives iterator expiry.
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
  };
  private readonly readers = new Map<string, ShardReader>();
  private readonly options: Required<Omit<StreamPollerOptions, 'filter' | 'drop' | 'log'>> &
    Pick<StreamPollerOptions, 'filter' | 'drop' | 'log'>;
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: StreamPollerOptions) {
    this.options = {
      batchSize: 100,
      batchingWindowMs: 0,
      parallelism: 1,
      maxRetries: 20,
      pollIntervalMs: 250,
      timeoutMs: 60_000,
      ...options,
    };
    if (
      !Number.isInteger(this.options.parallelism) ||
      this.options.parallelism < 1 ||
      this.options.parallelism > 10
    ) {
      throw new RangeError(
        `parallelism must be an integer in 1..10, got ${this.options.parallelism}`,
      );
    }
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
            queue: [],
            running: false,
            attempts: 0,
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
      const event = this.toLambdaRecord(record);
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

  private async invoke(lane: Lane): Promise<void> {
    if (lane.queue.length < this.options.batchSize && this.options.batchingWindowMs > 0) {
      await sleep(this.options.batchingWindowMs);
    }
    const batch = lane.queue.slice(0, this.options.batchSize);
    if (batch.length === 0) return;
    this.stats.invocations++;
    let done = batch.length;
    try {
      const result = await this.options.handler(
        { Records: batch },
        lambdaContext('outbox-relay', this.options.timeoutMs),
      );
      const failure = result?.batchItemFailures?.[0]?.itemIdentifier;
      if (failure !== undefined) {
        const at = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failure);
        done = at === -1 ? 0 : at;
      }
    } catch (error) {
      this.options.log?.(`relay invocation failed: ${(error as Error).message}`);
      done = 0;
    }
    lane.queue.splice(0, done);
    if (done === batch.length) {
      lane.failingAt = undefined;
      lane.attempts = 0;
      return;
    }
    const failingAt = batch[done]?.dynamodb?.SequenceNumber;
    lane.attempts = failingAt === lane.failingAt ? lane.attempts + 1 : 1;
    lane.failingAt = failingAt;
    if (lane.attempts > this.options.maxRetries) {
      // As Lambda after its retries: the rest of the batch goes to the on-failure
      // destination; the records themselves stay PENDING in the table.
      const skipped = batch.length - done;
      lane.queue.splice(0, skipped);
      this.stats.skipped += skipped;
      lane.attempts = 0;
      lane.failingAt = undefined;
      this.options.log?.(
        `stream poller: skipped ${skipped} record(s) after ${this.options.maxRetries} retries`,
      );
      return;
    }
    this.stats.retries++;
    await sleep(Math.min(1_000, 20 * 2 ** Math.min(lane.attempts, 6)));
  }

  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    const dynamodb = record.dynamodb ?? {};
    const created = dynamodb.ApproximateCreationDateTime;
    return {
      eventID: record.eventID,
      eventName: record.eventName as DynamoDBRecord['eventName'],
      eventVersion: record.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: record.awsRegion,
      eventSourceARN: this.options.streamArn,
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
