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
import { StreamPoller, type StreamPollerOptions } from '../../../local/stream-poller.js';

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
