import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type StreamFailureRecord,
  StreamPoller,
  type StreamPollerOptions,
} from '../../../local/stream-poller.js';

const STREAM = 'arn:aws:dynamodb:local:000000000000:table/outbox/stream/1';
const streamsMock = mockClient(DynamoDBStreamsClient);
let poller: StreamPoller | undefined;

/** A stream record of an outbox item (wire format, as the Streams API returns it). */
const record = (seq: number, pk = 'Order#1', status = 'PENDING'): _Record => ({
  eventID: `e${seq}`,
  eventName: 'INSERT',
  dynamodb: {
    ApproximateCreationDateTime: new Date('2026-11-25T10:00:00Z'),
    Keys: { pk: { S: pk }, sk: { S: String(seq).padStart(16, '0') } },
    NewImage: {
      pk: { S: pk },
      sk: { S: String(seq).padStart(16, '0') },
      recordType: { S: 'OUTBOX' },
      status: { S: status },
    },
    SequenceNumber: String(1000 + seq),
    StreamViewType: 'NEW_IMAGE',
  },
});

/** The same record, created at `created` (ApproximateCreationDateTime). */
const createdAt = (r: _Record, created: string): _Record => ({
  ...r,
  dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: new Date(created) },
});

/** A stream record's sequence number, as the handler sees it. */
const seq = (n: number) => String(1000 + n);

/** Serves `records` per shard once, then an open (or closed) shard with nothing new. */
function serve(
  shards: { id: string; parent?: string; records: _Record[]; closed?: boolean }[],
): void {
  streamsMock.on(DescribeStreamCommand).resolves({
    StreamDescription: {
      Shards: shards.map((s) => ({
        ShardId: s.id,
        ...(s.parent ? { ParentShardId: s.parent } : {}),
      })),
    },
  });
  streamsMock
    .on(GetShardIteratorCommand)
    .callsFake(async (input: GetShardIteratorCommand['input']) => ({
      ShardIterator: `${input.ShardId}:0`,
    }));
  streamsMock.on(GetRecordsCommand).callsFake(async (input: GetRecordsCommand['input']) => {
    const [shardId, page] = (input.ShardIterator ?? '').split(':');
    const shard = shards.find((s) => s.id === shardId);
    if (page === '0') return { Records: shard?.records ?? [], NextShardIterator: `${shardId}:1` };
    return { Records: [], ...(shard?.closed ? {} : { NextShardIterator: `${shardId}:1` }) };
  });
}

const start = (options: Partial<StreamPollerOptions> & Pick<StreamPollerOptions, 'handler'>) => {
  poller = new StreamPoller({
    streams: new DynamoDBStreamsClient({}),
    streamArn: STREAM,
    pollIntervalMs: 5,
    retryDelayMs: 1,
    ...options,
  });
  poller.start();
  return poller;
};

const until = async (condition: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const sequencesOf = (event: DynamoDBStreamEvent) =>
  event.Records.map((r) => Number(r.dynamodb?.SequenceNumber) - 1000);

beforeEach(() => streamsMock.reset());
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

describe('StreamPoller', () => {
  it('hands records to the handler in stream order, in batches of batchSize, with a Lambda-like context', async () => {
    serve([{ id: 's1', records: [1, 2, 3, 4, 5].map((n) => record(n)) }]);
    const batches: number[][] = [];
    let remaining = 0;

    start({
      batchSize: 2,
      handler: async (event, context) => {
        batches.push(sequencesOf(event));
        remaining = context.getRemainingTimeInMillis();
        return { batchItemFailures: [] };
      },
    });
    await until(() => batches.flat().length === 5);

    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(remaining).toBeGreaterThan(50_000);
  });

  it('applies the filter: only matching records reach the handler', async () => {
    serve([{ id: 's1', records: [record(1), record(2, 'Order#1', 'DELIVERED'), record(3)] }]);
    const seen: number[] = [];

    const p = start({
      filter: { dynamodb: { NewImage: { status: { S: ['PENDING'] } } } },
      handler: async (event) => {
        seen.push(...sequencesOf(event));
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length === 2);

    expect(seen).toEqual([1, 3]);
    expect(p.stats.recordsFiltered).toBe(1);
  });

  it('restarts at the sequence number the handler reports, and goes on once it succeeds', async () => {
    serve([{ id: 's1', records: [1, 2, 3].map((n) => record(n)) }]);
    const batches: number[][] = [];

    start({
      handler: async (event) => {
        batches.push(sequencesOf(event));
        const failAt =
          batches.length === 1 ? event.Records[1]?.dynamodb?.SequenceNumber : undefined;
        return { batchItemFailures: failAt ? [{ itemIdentifier: failAt }] : [] };
      },
    });
    await until(() => batches.length === 2);

    expect(batches).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
  });

  it('skips a batch after maxRetries failures, as Lambda does, and goes on', async () => {
    serve([{ id: 's1', records: [record(1)] }]);
    let calls = 0;

    const p = start({
      maxRetries: 2,
      handler: async (event) => {
        calls++;
        return {
          batchItemFailures: [{ itemIdentifier: event.Records[0]?.dynamodb?.SequenceNumber ?? '' }],
        };
      },
    });
    await until(() => p.stats.skipped === 1, 5_000);

    expect(calls).toBe(3);
    expect(p.idle).toBe(true);
  });

  it('retries a batch whose invocation throws', async () => {
    serve([{ id: 's1', records: [record(1)] }]);
    let calls = 0;

    start({
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('relay crashed');
        return { batchItemFailures: [] };
      },
    });
    await until(() => calls === 2);

    expect(calls).toBe(2);
  });

  it('reads a child shard only after its parent is read to the end and handled', async () => {
    serve([
      { id: 'child', parent: 'parent', records: [record(3)] },
      { id: 'parent', records: [record(1), record(2)], closed: true },
    ]);
    const seen: number[] = [];

    start({
      handler: async (event) => {
        seen.push(...sequencesOf(event));
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length === 3);

    expect(seen).toEqual([1, 2, 3]);
  });

  it('re-acquires an expired iterator after the last sequence number it read', async () => {
    let expired = false;
    serve([{ id: 's1', records: [record(1)] }]);
    streamsMock.on(GetRecordsCommand).callsFake(async (input: GetRecordsCommand['input']) => {
      if (input.ShardIterator === 's1:0')
        return { Records: [record(1)], NextShardIterator: 's1:1' };
      if (input.ShardIterator === 's1:1' && !expired) {
        expired = true;
        throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
      }
      return {
        Records: input.ShardIterator === 's1:after' ? [record(2)] : [],
        NextShardIterator: 's1:end',
      };
    });
    streamsMock
      .on(GetShardIteratorCommand)
      .callsFake(async (input: GetShardIteratorCommand['input']) => ({
        ShardIterator: input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? 's1:after' : 's1:0',
      }));
    const seen: number[] = [];

    start({
      handler: async (event) => {
        seen.push(...sequencesOf(event));
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length === 2);

    expect(seen).toEqual([1, 2]);
    expect(streamsMock).toHaveReceivedCommandWith(GetShardIteratorCommand, {
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: '1001',
    });
  });

  it('spreads records over lanes by item key, keeping each item in order, and runs lanes concurrently', async () => {
    serve([
      { id: 's1', records: Array.from({ length: 40 }, (_, i) => record(i + 1, `Order#${i % 8}`)) },
    ]);
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];

    start({
      parallelism: 4,
      batchSize: 3,
      handler: async (event) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        seen.push(...sequencesOf(event));
        running--;
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length === 40);

    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('checkpoints at the lowest sequence number among all batchItemFailures entries, in any order', async () => {
    serve([{ id: 's1', records: [1, 2, 3, 4].map((n) => record(n)) }]);
    const batches: number[][] = [];

    start({
      handler: async (event) => {
        batches.push(sequencesOf(event));
        if (batches.length > 1) return { batchItemFailures: [] };
        return { batchItemFailures: [{ itemIdentifier: seq(3) }, { itemIdentifier: seq(2) }] };
      },
    });
    await until(() => batches.length === 2);

    expect(batches).toEqual([
      [1, 2, 3, 4],
      [2, 3, 4],
    ]);
  });

  it.each([
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a null itemIdentifier', { itemIdentifier: null }],
    ['an itemIdentifier with a bad key name', { itemIdentifer: seq(3) }],
    ['an itemIdentifier that is not a sequence number of the batch', { itemIdentifier: '999' }],
  ])(
    'treats the batch as a complete failure if an entry has %s, even after a valid one',
    async (_, bad) => {
      serve([{ id: 's1', records: [1, 2, 3].map((n) => record(n)) }]);
      const batches: number[][] = [];
      const lines: string[] = [];

      start({
        log: (line) => lines.push(line),
        handler: async (event) => {
          batches.push(sequencesOf(event));
          if (batches.length > 1) return { batchItemFailures: [] };
          return { batchItemFailures: [{ itemIdentifier: seq(2) }, bad as never] };
        },
      });
      await until(() => batches.length === 2);

      expect(batches).toEqual([
        [1, 2, 3],
        [1, 2, 3],
      ]);
      expect(lines.some((l) => l.startsWith('stream poller: the whole batch failed:'))).toBe(true);
    },
  );

  it('treats a response without batchItemFailures as a complete success, whatever else it holds', async () => {
    serve([{ id: 's1', records: [1, 2].map((n) => record(n)), closed: true }]);
    const batches: number[][] = [];

    const p = start({
      handler: async (event) => {
        batches.push(sequencesOf(event));
        return { failures: [{ itemIdentifier: seq(1) }] } as never;
      },
    });
    await until(() => batches.length === 1 && p.idle);

    expect(batches).toEqual([[1, 2]]);
    expect(p.stats.retries).toBe(0);
  });

  it('bisects a batch whose invocation throws until the bad record is alone, without counting splits as retries', async () => {
    serve([{ id: 's1', records: [1, 2, 3, 4].map((n) => record(n)) }]);
    const batches: number[][] = [];
    const failures: StreamFailureRecord[] = [];

    const p = start({
      bisectBatchOnError: true,
      maxRetries: 0,
      onFailure: (failure) => failures.push(failure),
      handler: async (event) => {
        batches.push(sequencesOf(event));
        if (sequencesOf(event).includes(3)) throw new Error('poison record 3');
        return { batchItemFailures: [] };
      },
    });
    await until(() => batches.flat().includes(4) && p.idle);

    expect(batches).toEqual([[1, 2, 3, 4], [1, 2], [3, 4], [3], [4]]);
    expect(p.stats).toMatchObject({ bisections: 2, retries: 0, skipped: 1 });
    expect(failures.map((f) => f.DDBStreamBatchInfo.startSequenceNumber)).toEqual([seq(3)]);
  });

  it('does not bisect on batchItemFailures: it retries only the records from the checkpoint', async () => {
    serve([{ id: 's1', records: [1, 2, 3, 4].map((n) => record(n)) }]);
    const batches: number[][] = [];

    start({
      bisectBatchOnError: true,
      handler: async (event) => {
        batches.push(sequencesOf(event));
        return { batchItemFailures: batches.length === 1 ? [{ itemIdentifier: seq(2) }] : [] };
      },
    });
    await until(() => batches.length === 2);

    expect(batches).toEqual([
      [1, 2, 3, 4],
      [2, 3, 4],
    ]);
  });

  it('retries the whole batch when its invocation throws and bisectBatchOnError is off', async () => {
    serve([{ id: 's1', records: [1, 2, 3, 4].map((n) => record(n)) }]);
    const batches: number[][] = [];

    start({
      handler: async (event) => {
        batches.push(sequencesOf(event));
        if (batches.length === 1) throw new Error('relay crashed');
        return { batchItemFailures: [] };
      },
    });
    await until(() => batches.length === 2);

    expect(batches).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
  });

  it('sends a batch out of retries to the on-failure destination with its metadata, and goes on with the next records', async () => {
    serve([{ id: 's1', records: [record(1), record(2)] }]);
    const batches: number[][] = [];
    const failures: StreamFailureRecord[] = [];

    start({
      batchSize: 1,
      maxRetries: 2,
      clock: () => Date.parse('2026-11-25T10:01:00Z'),
      onFailure: (failure) => failures.push(failure),
      handler: async (event) => {
        batches.push(sequencesOf(event));
        if (sequencesOf(event)[0] === 1) throw new Error('always fails');
        return { batchItemFailures: [] };
      },
    });
    await until(() => batches.flat().includes(2));

    expect(batches).toEqual([[1], [1], [1], [2]]);
    expect(failures).toEqual([
      {
        requestContext: {
          requestId: expect.any(String),
          functionArn: 'arn:aws:lambda:local:000000000000:function:outbox-relay',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: {
          statusCode: 200,
          executedVersion: '$LATEST',
          functionError: 'Unhandled',
        },
        version: '1.0',
        timestamp: '2026-11-25T10:01:00.000Z',
        DDBStreamBatchInfo: {
          shardId: 's1',
          startSequenceNumber: seq(1),
          endSequenceNumber: seq(1),
          approximateArrivalOfFirstRecord: '2026-11-25T10:00:00Z',
          approximateArrivalOfLastRecord: '2026-11-25T10:00:00Z',
          batchSize: 1,
          streamArn: STREAM,
        },
      },
    ]);
  });

  it('counts every retry of a batch against maxRetries, also retries that made progress', async () => {
    serve([{ id: 's1', records: [1, 2, 3].map((n) => record(n)) }]);
    const batches: number[][] = [];
    const failures: StreamFailureRecord[] = [];

    const p = start({
      maxRetries: 1,
      onFailure: (failure) => failures.push(failure),
      handler: async (event) => {
        batches.push(sequencesOf(event));
        const [first] = sequencesOf(event);
        return { batchItemFailures: [{ itemIdentifier: seq((first ?? 0) + 1) }] };
      },
    });
    await until(() => p.stats.skipped > 0);

    expect(batches).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
    expect(failures[0]?.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: seq(3),
      endSequenceNumber: seq(3),
      batchSize: 1,
    });
    expect(failures[0]?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });

  it('retries without limit if maxRetries is -1', async () => {
    serve([{ id: 's1', records: [record(1)] }]);
    let calls = 0;

    const p = start({
      maxRetries: -1,
      handler: async () => {
        calls++;
        if (calls <= 25) throw new Error('not yet');
        return { batchItemFailures: [] };
      },
    });
    await until(() => calls === 26, 10_000);

    expect(p.stats).toMatchObject({ retries: 25, skipped: 0 });
  });

  it('sends records older than maxRecordAgeMs to the on-failure destination instead of the handler', async () => {
    serve([
      {
        id: 's1',
        records: [
          createdAt(record(1), '2026-11-25T10:00:00Z'),
          createdAt(record(2), '2026-11-25T10:03:59Z'),
          createdAt(record(3), '2026-11-25T10:04:30Z'),
        ],
      },
    ]);
    const seen: number[] = [];
    const failures: StreamFailureRecord[] = [];

    const p = start({
      maxRecordAgeMs: 60_000,
      clock: () => Date.parse('2026-11-25T10:05:00Z'),
      onFailure: (failure) => failures.push(failure),
      handler: async (event) => {
        seen.push(...sequencesOf(event));
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length === 1);

    expect(seen).toEqual([3]);
    expect(p.stats.expired).toBe(2);
    expect(failures).toHaveLength(1);
    expect(failures[0]).not.toHaveProperty('responseContext');
    expect(failures[0]?.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
    expect(failures[0]?.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: seq(1),
      endSequenceNumber: seq(2),
      approximateArrivalOfLastRecord: '2026-11-25T10:03:59Z',
      batchSize: 2,
    });
  });

  it('stops retrying a failing batch once its records pass maxRecordAgeMs', async () => {
    serve([{ id: 's1', records: [createdAt(record(1), '2026-11-25T10:00:00Z')] }]);
    let now = Date.parse('2026-11-25T10:00:30Z');
    const failures: StreamFailureRecord[] = [];
    let calls = 0;

    const p = start({
      maxRecordAgeMs: 60_000,
      maxRetries: -1,
      clock: () => now,
      onFailure: (failure) => failures.push(failure),
      handler: async () => {
        calls++;
        if (calls === 2) now = Date.parse('2026-11-25T10:01:01Z');
        throw new Error('still failing');
      },
    });
    await until(() => p.stats.expired === 1);

    expect(calls).toBe(2);
    expect(failures[0]?.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 2,
    });
    expect(p.idle).toBe(true);
  });

  it.each([
    ['maxRetries', { maxRetries: -2 }, 'maxRetries must be an integer in -1..10000, got -2'],
    ['maxRetries', { maxRetries: 10_001 }, 'maxRetries must be an integer in -1..10000, got 10001'],
    [
      'maxRecordAgeMs',
      { maxRecordAgeMs: 59_999 },
      'maxRecordAgeMs must be -1 or an integer in 60000..604800000 (60 s..7 days), got 59999',
    ],
    ['batchSize', { batchSize: 0 }, 'batchSize must be an integer in 1..10000, got 0'],
  ])('fails if %s is outside what the event source mapping takes', (_, options, message) => {
    expect(
      () =>
        new StreamPoller({
          streams: new DynamoDBStreamsClient({}),
          streamArn: STREAM,
          handler: async () => undefined,
          ...options,
        }),
    ).toThrow(message);
  });

  it('fails if parallelism is outside 1..10', () => {
    expect(
      () =>
        new StreamPoller({
          streams: new DynamoDBStreamsClient({}),
          streamArn: STREAM,
          handler: async () => undefined,
          parallelism: 11,
        }),
    ).toThrow('parallelism must be an integer in 1..10, got 11');
  });
});
