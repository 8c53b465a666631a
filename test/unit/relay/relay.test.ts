import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { NumberValue, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import { PublishNotAuthorizedError, relayStreamBatch } from '../../../lambdas/relay/index.js';
import { compareSequenceNumbers } from '../../../lambdas/relay/relay.js';
import {
  BUS_NAME,
  DLQ_URL,
  lambdaTime,
  type RelayHarness,
  recordsOf,
  relayHarness,
} from '../../helpers/relay-harness.js';
import {
  insertOf,
  modifyOf,
  removeOf,
  type StreamViewType,
  streamEvent,
  ttlRemoveOf,
} from '../../helpers/stream-events.js';

let h: RelayHarness;
beforeEach(() => {
  h = relayHarness();
});
afterEach(() => h.restore());

const delivered = (record: OutboxRecord): OutboxRecord => ({ ...record, status: 'DELIVERED' });
const pending = (record: OutboxRecord): OutboxRecord => ({ ...record, status: 'PENDING' });

describe('relayStreamBatch', () => {
  it('publishes each event of a committed record with the stored Detail, Time and the bus name', async () => {
    const [record] = recordsOf('o-1', [2]);
    if (!record) throw new Error('no record');
    h.table.put(record);

    const result = await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

    expect(result.batchItemFailures).toEqual([]);
    expect(h.bus.accepted.map((e) => e.entry)).toEqual(
      record.events.map((event) => ({
        Source: event.source,
        DetailType: event.detailType,
        Detail: event.detail,
        EventBusName: BUS_NAME,
        Time: new Date(event.time),
      })),
    );
  });

  it('sends Resources and TraceHeader when the event has them', async () => {
    const [base] = recordsOf('o-1', [1]);
    if (!base) throw new Error('no record');
    const record: OutboxRecord = {
      ...base,
      events: base.events.map((e) => ({
        ...e,
        resources: ['arn:aws:s3:::b'],
        traceHeader: 'Root=1-abc',
      })),
    };
    h.table.put(record);

    await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

    expect(h.bus.accepted[0]?.entry).toMatchObject({
      Resources: ['arn:aws:s3:::b'],
      TraceHeader: 'Root=1-abc',
    });
  });

  it('marks a published record DELIVERED with deliveredAt and a TTL, and leaves the pending index', async () => {
    const [record] = recordsOf('o-1', [1]);
    if (!record) throw new Error('no record');
    h.table.put(record);

    await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

    const item = h.table.get(record);
    expect(item).toMatchObject({ status: 'DELIVERED', deliveredAt: '2026-11-25T10:00:00.000Z' });
    expect(item?.expiresAt).toBe(Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 7 * 86_400);
    expect(item).not.toHaveProperty('pendingShard');
    expect(h.table.mock).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: expect.objectContaining({ ':from': 'PENDING' }),
    });
  });

  describe('on every stream record shape AWS sends', () => {
    const idempotency = {
      pk: 'IDEMPOTENCY#k',
      sk: 'IDEMPOTENCY',
      recordType: 'IDEMPOTENCY',
      response: {},
    };
    /** An item of another kind in the table, holding legal DynamoDB numbers JS cannot hold. */
    const foreign = {
      pk: 'Customer#1',
      sk: 'PROFILE',
      huge: NumberValue.from('1.2345E+40'),
      precise: NumberValue.from('1234567890123456789012345678.9012345678'),
    };
    const [record] = recordsOf('o-1', [1]);
    if (!record) throw new Error('no record');
    const delivered: OutboxRecord = { ...record, status: 'DELIVERED', expiresAt: 1_764_000_000 };

    it.each<[string, ReturnType<typeof insertOf>]>([
      ['our own marking (MODIFY, NEW_IMAGE: new image only)', modifyOf(record, delivered)],
      [
        'our own marking (MODIFY, NEW_AND_OLD_IMAGES)',
        modifyOf(record, delivered, { viewType: 'NEW_AND_OLD_IMAGES' }),
      ],
      ['a TTL deletion (REMOVE, keys only, userIdentity Service)', ttlRemoveOf(delivered)],
      [
        'a TTL deletion on a NEW_AND_OLD_IMAGES stream (REMOVE with the old image)',
        ttlRemoveOf(delivered, { viewType: 'NEW_AND_OLD_IMAGES' }),
      ],
      ['a delete by a caller (REMOVE, keys only)', removeOf(record)],
      ['a delete by a caller on an OLD_IMAGE stream', removeOf(record, { viewType: 'OLD_IMAGE' })],
      ['an INSERT on a KEYS_ONLY stream (no image)', insertOf(record, { viewType: 'KEYS_ONLY' })],
      ['the INSERT of an idempotency record', insertOf(idempotency)],
      ['the INSERT of an item that is not ours, with 1.2345E+40 in it', insertOf(foreign)],
      ['the MODIFY of an item that is not ours', modifyOf(foreign, { ...foreign, v: 2 })],
    ])('ignores %s, publishing nothing and failing nothing', async (_, streamRecord) => {
      h.table.put(record);

      const result = await relayStreamBatch(h.deps, streamEvent([streamRecord]), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.calls).toHaveLength(0);
      expect(h.dlq.messages).toHaveLength(0);
      expect(h.table.statusOf(record)).toBe('PENDING');
    });

    it.each<StreamViewType>(['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'])(
      'publishes an outbox INSERT on a %s stream',
      async (viewType) => {
        h.table.put(record);

        const result = await relayStreamBatch(
          h.deps,
          streamEvent([insertOf(record, { viewType })]),
          lambdaTime(),
        );

        expect(result.batchItemFailures).toEqual([]);
        expect(h.bus.sequencesOf('Order#o-1')).toEqual([1]);
      },
    );

    it('publishes the outbox INSERT of a batch that holds every other shape too', async () => {
      const [first, second] = recordsOf('o-2', [1, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(delivered, second);
      h.table.put({ ...first, status: 'DELIVERED' });
      const batch = [
        insertOf(foreign),
        modifyOf(record, delivered),
        ttlRemoveOf(delivered),
        insertOf(idempotency),
        insertOf(second),
        removeOf(foreign),
      ];

      const result = await relayStreamBatch(h.deps, streamEvent(batch), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.accepted.map((e) => `${e.aggregate}/${e.sequence}`)).toEqual(['Order#o-2/2']);
    });
  });

  describe('order per aggregate', () => {
    it('publishes a record whose predecessor outside the batch is DELIVERED', async () => {
      const [first, second] = recordsOf('o-1', [1, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(delivered(first), second);

      await relayStreamBatch(h.deps, streamEvent([insertOf(second)]), lambdaTime());

      expect(h.bus.sequencesOf('Order#o-1')).toEqual([2]);
    });

    it('publishes a record whose predecessor expired (no longer in the table)', async () => {
      const [, second] = recordsOf('o-1', [1, 1]);
      if (!second) throw new Error('no record');
      h.table.put(second);

      await relayStreamBatch(h.deps, streamEvent([insertOf(second)]), lambdaTime());

      expect(h.bus.sequencesOf('Order#o-1')).toEqual([2]);
    });

    it('defers a record whose predecessor is still PENDING, and reports it as the checkpoint', async () => {
      const [first, second] = recordsOf('o-1', [1, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(first, second);
      const stream = insertOf(second);

      const result = await relayStreamBatch(h.deps, streamEvent([stream]), lambdaTime());

      expect(h.bus.calls).toHaveLength(0);
      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: stream.dynamodb?.SequenceNumber },
      ]);
      expect(h.table.statusOf(second)).toBe('PENDING');
      expect(h.metrics.get('RecordsDeferred')).toBe(1);
    });

    it('publishes the deferred record once another lane delivers its predecessor while it waits', async () => {
      h.restore();
      h = relayHarness({ predecessorWaitMs: 1_000 });
      const [first, second] = recordsOf('o-1', [1, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(first, second);
      let reads = 0;
      h.table.beforeRead = () => {
        if (++reads === 2) h.table.put(delivered(first));
      };

      const result = await relayStreamBatch(h.deps, streamEvent([insertOf(second)]), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.sequencesOf('Order#o-1')).toEqual([2]);
      expect(h.clock.ms).toBeGreaterThan(0);
      expect(h.clock.ms).toBeLessThanOrEqual(1_000);
    });

    it('publishes records of one aggregate in sequence order even when the batch holds them reversed', async () => {
      const records = recordsOf('o-1', [1, 2, 1]);
      h.table.put(...records);

      await relayStreamBatch(
        h.deps,
        streamEvent([...records].reverse().map((r) => insertOf(r))),
        lambdaTime(),
      );

      expect(h.bus.sequencesOf('Order#o-1')).toEqual([1, 2, 3, 4]);
      expect(h.bus.calls.every((call) => call.length === 1)).toBe(true);
    });

    it('defers everything after a blocked record of the aggregate, and nothing of other aggregates', async () => {
      const [a1, a2, a3] = recordsOf('a', [1, 1, 1]);
      const [b1] = recordsOf('b', [1]);
      if (!a1 || !a2 || !a3 || !b1) throw new Error('no records');
      h.table.put(a1, a2, a3, b1);
      const streams = [insertOf(a2), insertOf(b1), insertOf(a3)];

      const result = await relayStreamBatch(h.deps, streamEvent(streams), lambdaTime());

      expect(h.bus.sequencesOf('Order#a')).toEqual([]);
      expect(h.bus.sequencesOf('Order#b')).toEqual([1]);
      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: streams[0]?.dynamodb?.SequenceNumber },
      ]);
    });
  });

  describe('the checkpoint', () => {
    it('is the earliest record, in stream order, that is not done', async () => {
      const [a1] = recordsOf('a', [1]);
      const [b1, b2] = recordsOf('b', [1, 1]);
      const [c1] = recordsOf('c', [1]);
      if (!a1 || !b1 || !b2 || !c1) throw new Error('no records');
      h.table.put(a1, b1, b2, c1);
      const streams = [insertOf(a1), insertOf(b2), insertOf(c1)];

      const result = await relayStreamBatch(h.deps, streamEvent(streams), lambdaTime());

      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: streams[1]?.dynamodb?.SequenceNumber },
      ]);
      expect(h.table.statusOf(a1)).toBe('DELIVERED');
      expect(h.table.statusOf(c1)).toBe('DELIVERED');
    });

    it('restarting from it skips what was done and delivers the rest', async () => {
      const [a1] = recordsOf('a', [1]);
      const [b1, b2] = recordsOf('b', [1, 1]);
      const [c1] = recordsOf('c', [1]);
      if (!a1 || !b1 || !b2 || !c1) throw new Error('no records');
      h.table.put(a1, b1, b2, c1);
      const streams = [insertOf(a1), insertOf(b2), insertOf(c1)];
      await relayStreamBatch(h.deps, streamEvent(streams), lambdaTime());
      h.table.put(delivered(b1));

      const result = await relayStreamBatch(h.deps, streamEvent(streams.slice(1)), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.accepted.map((e) => `${e.aggregate}/${e.sequence}`)).toEqual([
        'Order#a/1',
        'Order#c/1',
        'Order#b/2',
      ]);
      expect(h.metrics.get('DuplicatesSkipped')).toBe(1);
    });

    it('is the lowest sequence number not done, whatever the order of the batch array', async () => {
      const [a1, a2] = recordsOf('a', [1, 1]);
      const [b1, b2] = recordsOf('b', [1, 1]);
      if (!a1 || !a2 || !b1 || !b2) throw new Error('no records');
      h.table.put(a1, a2, b1, b2);
      // Numerically, not as text: '9…' sorts after '10…' as text.
      const early = insertOf(b2, { sequenceNumber: '900000000000000000200' });
      const late = insertOf(a2, { sequenceNumber: '1000000000000000000100' });

      const result = await relayStreamBatch(h.deps, streamEvent([late, early]), lambdaTime());

      expect(result.batchItemFailures).toEqual([{ itemIdentifier: '900000000000000000200' }]);
    });

    it('is the first unpublished record when time runs out', async () => {
      const records = ['a', 'b', 'c'].flatMap((id) => recordsOf(id, [1]));
      h.table.put(...records);
      const streams = records.map((r) => insertOf(r));

      const result = await relayStreamBatch(h.deps, streamEvent(streams), lambdaTime(500));

      expect(h.bus.calls).toHaveLength(0);
      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: streams[0]?.dynamodb?.SequenceNumber },
      ]);
    });
  });

  describe('skipping what is done', () => {
    it('does not publish a record the table shows DELIVERED, and counts it', async () => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      h.table.put(delivered(record));

      const result = await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.calls).toHaveLength(0);
      expect(h.metrics.get('DuplicatesSkipped')).toBe(1);
    });

    it('publishes a record repeated in the batch once', async () => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      h.table.put(record);

      await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(record), insertOf(record)]),
        lambdaTime(),
      );

      expect(h.bus.sequencesOf('Order#o-1')).toEqual([1]);
    });

    it('treats a record the sweeper marked meanwhile as done', async () => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      h.table.put(record);
      h.table.mock
        .on(UpdateCommand)
        .rejects(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }));

      const result = await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
    });
  });

  describe('failures', () => {
    it('retries throttled entries and still publishes in order', async () => {
      const records = recordsOf('o-1', [2, 1]);
      h.table.put(...records);
      let throttles = 3;
      h.bus.outcome = () => (throttles-- > 0 ? 'ThrottlingException' : undefined);

      const result = await relayStreamBatch(
        h.deps,
        streamEvent(records.map((r) => insertOf(r))),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.sequencesOf('Order#o-1')).toEqual([1, 2, 3]);
      expect(h.metrics.get('PublishRetries')).toBe(3);
    });

    it('quarantines a poison record with its full payload, marks it FAILED, and goes on with the next', async () => {
      const [first, second] = recordsOf('o-1', [2, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(first, second);
      h.bus.outcome = (_, envelope) => (envelope.sequence === 2 ? 'InvalidArgument' : undefined);

      const result = await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(first), insertOf(second)]),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.dlq.messages).toHaveLength(1);
      expect(h.dlq.mock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: DLQ_URL });
      expect(h.dlq.messages[0]).toMatchObject({
        kind: 'dynamo-outbox.poison-record',
        failure: { code: 'InvalidArgument' },
        acceptedEventIds: [first.events[0]?.eventId],
        record: { pk: first.pk, sk: first.sk, events: first.events },
      });
      expect(h.table.get(first)).toMatchObject({
        status: 'FAILED',
        failure: expect.stringContaining('InvalidArgument'),
      });
      expect(h.table.get(first)).not.toHaveProperty('expiresAt');
      expect(h.table.statusOf(second)).toBe('DELIVERED');
      expect(h.bus.sequencesOf('Order#o-1')).toEqual([1, 3]);
      expect(h.metrics.get('PoisonRecords')).toBe(1);
    });

    it('fails the batch on AccessDeniedException, quarantining nothing but marking what was published', async () => {
      const [a1] = recordsOf('a', [1]);
      const [b1] = recordsOf('b', [1]);
      if (!a1 || !b1) throw new Error('no records');
      h.table.put(a1, b1);
      h.bus.outcome = (_, envelope) =>
        envelope.aggregateId === 'b' ? 'AccessDeniedException' : undefined;

      await expect(
        relayStreamBatch(h.deps, streamEvent([insertOf(a1), insertOf(b1)]), lambdaTime()),
      ).rejects.toThrow(PublishNotAuthorizedError);

      expect(h.dlq.messages).toHaveLength(0);
      expect(h.table.statusOf(a1)).toBe('DELIVERED');
      expect(h.table.statusOf(b1)).toBe('PENDING');
    });

    it('fails loudly on InvalidAccountIdException: the batch fails, nothing is quarantined or marked', async () => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      h.table.put(record);
      h.bus.outcome = () => 'InvalidAccountIdException';

      await expect(
        relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime()),
      ).rejects.toThrow(PublishNotAuthorizedError);

      expect(h.bus.calls).toHaveLength(1);
      expect(h.dlq.messages).toHaveLength(0);
      expect(h.table.statusOf(record)).toBe('PENDING');
    });

    it('quarantines a record EventBridge answers with RedactionFailure, and goes on with the next', async () => {
      const [first, second] = recordsOf('o-1', [1, 1]);
      if (!first || !second) throw new Error('no records');
      h.table.put(first, second);
      h.bus.outcome = (_, envelope) => (envelope.sequence === 1 ? 'RedactionFailure' : undefined);

      const result = await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(first), insertOf(second)]),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.calls).toHaveLength(2);
      expect(h.dlq.messages[0]).toMatchObject({ failure: { code: 'RedactionFailure' } });
      expect(h.table.statusOf(first)).toBe('FAILED');
      expect(h.table.statusOf(second)).toBe('DELIVERED');
    });

    it('leaves a record PENDING and reports it when marking fails, so it is published again', async () => {
      const [record] = recordsOf('o-1', [1]);
      if (!record) throw new Error('no record');
      h.table.put(record);
      h.table.failUpdate = () => true;
      const stream = insertOf(record);

      const result = await relayStreamBatch(h.deps, streamEvent([stream]), lambdaTime());

      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: stream.dynamodb?.SequenceNumber },
      ]);
      expect(h.table.statusOf(record)).toBe('PENDING');
    });

    it('quarantines a malformed outbox insert instead of blocking the shard', async () => {
      const malformed = {
        pk: 'Order#x',
        sk: '0000000000000001',
        recordType: 'OUTBOX',
        prevSeq: 0,
        events: 'nope',
        status: 'PENDING',
      };
      h.table.items.set('Order#x\u00000000000000000001', { ...malformed });

      const result = await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(malformed)]),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.dlq.messages[0]).toMatchObject({ failure: { code: 'MalformedRecord' } });
      expect(h.table.get(malformed)?.status).toBe('FAILED');
    });

    it('quarantines and marks FAILED an outbox insert whose sort key is not a sequence', async () => {
      const malformed = {
        pk: 'Order#y',
        sk: 'not-a-sequence',
        recordType: 'OUTBOX',
        prevSeq: 0,
        events: [],
        status: 'PENDING',
      };
      h.table.items.set('Order#y\u0000not-a-sequence', { ...malformed });

      const result = await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(malformed)]),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.dlq.messages).toHaveLength(1);
      expect(h.dlq.messages[0]).toMatchObject({ failure: { code: 'MalformedRecord' } });
      expect(h.table.get(malformed)?.status).toBe('FAILED');
    });

    it('quarantines an outbox insert holding a number a JS number cannot hold exactly, keeping its digits', async () => {
      const [record] = recordsOf('o-9', [1]);
      if (!record) throw new Error('no record');
      const unreadable = { ...record, prevSeq: NumberValue.from('12345678901234567890') };
      h.table.items.set(`${record.pk}\u0000${record.sk}`, { ...unreadable });

      const result = await relayStreamBatch(
        h.deps,
        streamEvent([insertOf(unreadable)]),
        lambdaTime(),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(h.bus.calls).toHaveLength(0);
      expect(h.dlq.messages).toHaveLength(1);
      expect(h.dlq.messages[0]).toMatchObject({
        failure: {
          code: 'MalformedRecord',
          message: expect.stringContaining('12345678901234567890'),
        },
        record: { pk: record.pk, sk: record.sk, prevSeq: '12345678901234567890' },
      });
      expect(h.table.get(record)?.status).toBe('FAILED');
    });

    it('sends an insert without a key to the DLQ, its only copy, and goes on', async () => {
      const unkeyed = { recordType: 'OUTBOX', status: 'PENDING', events: [], prevSeq: 0 };

      const result = await relayStreamBatch(h.deps, streamEvent([insertOf(unkeyed)]), lambdaTime());

      expect(result.batchItemFailures).toEqual([]);
      expect(h.dlq.messages).toHaveLength(1);
      expect(h.dlq.messages[0]).toMatchObject({
        failure: { code: 'MalformedRecord' },
        record: unkeyed,
      });
    });
  });

  it('emits the lag from the oldest record creation time', async () => {
    const [record] = recordsOf('o-1', [1]);
    if (!record) throw new Error('no record');
    h.table.put(pending(record));
    const createdAtSeconds = Date.parse('2026-11-25T10:00:00.000Z') / 1000 - 3;

    await relayStreamBatch(
      h.deps,
      streamEvent([insertOf(record, { createdAtSeconds })]),
      lambdaTime(),
    );

    expect(h.metrics.get('RelayLagMs')).toBe(3_000);
    expect(h.metrics.get('EventsPublished')).toBe(1);
  });
});

describe('compareSequenceNumbers', () => {
  it('orders stream sequence numbers numerically, beyond the safe integer range', () => {
    expect(compareSequenceNumbers('9', '10')).toBe(-1);
    expect(
      compareSequenceNumbers('400000000000000000000000001', '400000000000000000000000000'),
    ).toBe(1);
    expect(compareSequenceNumbers('77', '77')).toBe(0);
  });
});
