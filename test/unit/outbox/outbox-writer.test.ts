import { createHash } from 'node:crypto';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { pendingShardOf } from '../../../lambdas/outbox/index.js';
import {
  aCreateInput,
  anEvent,
  anUpdateInput,
  aWriter,
  FIXED_NOW_EPOCH_SECONDS,
  FIXED_NOW_ISO,
  ORDER_ID,
  ORDER_SOURCE,
  ORDERS_TABLE,
  OUTBOX_TABLE,
  parseEnvelope,
  sequentialIds,
} from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ORDER_KEY = `Order#${ORDER_ID}`;

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(TransactWriteCommand).resolves({});
});

/** The input of the one TransactWriteItems call the writer made. */
function sentTransaction(): TransactWriteCommandInput {
  const calls = ddbMock.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  const call = calls[0];
  if (call === undefined) throw new Error('no TransactWriteCommand was sent');
  return call.args[0].input;
}

function sentItems(): TransactWriteItem[] {
  return sentTransaction().TransactItems ?? [];
}

/** The outbox record's `Item` in the sent transaction (always the second item). */
function sentOutboxItem(): Record<string, unknown> {
  const item = sentItems()[1]?.Put?.Item;
  if (item === undefined) throw new Error('the second transaction item is not a Put');
  return item;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('OutboxWriter.write', () => {
  describe('for a create', () => {
    it('builds a create transaction with a version-1 entity Put and a PENDING outbox Put', async () => {
      const writer = aWriter();

      await writer.write(aCreateInput());

      expect(sentTransaction()).toStrictEqual({
        TransactItems: [
          {
            Put: {
              TableName: ORDERS_TABLE,
              Item: {
                status: 'PLACED',
                total: 1200,
                currency: 'EUR',
                id: ORDER_ID,
                version: 1,
                lastEventSeq: 1,
              },
              ConditionExpression: 'attribute_not_exists(#key)',
              ExpressionAttributeNames: { '#key': 'id' },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: OUTBOX_TABLE,
              Item: {
                pk: ORDER_KEY,
                sk: '0000000000000001',
                recordType: 'OUTBOX',
                aggregateType: 'Order',
                aggregateId: ORDER_ID,
                prevSeq: 0,
                events: [
                  {
                    eventId: 'evt-0001',
                    sequence: 1,
                    source: ORDER_SOURCE,
                    detailType: 'OrderCreated',
                    detail: JSON.stringify({
                      eventId: 'evt-0001',
                      aggregateType: 'Order',
                      aggregateId: ORDER_ID,
                      sequence: 1,
                      occurredAt: FIXED_NOW_ISO,
                      data: { orderId: ORDER_ID, total: 1200, currency: 'EUR' },
                      metadata: {},
                    }),
                    time: FIXED_NOW_ISO,
                  },
                ],
                eventCount: 1,
                status: 'PENDING',
                createdAt: FIXED_NOW_ISO,
                pendingShard: pendingShardOf(ORDER_KEY, 16),
              },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': 'pk' },
            },
          },
        ],
      });
    });

    it('is matched by toHaveReceivedCommandExactlyOnceWith on the entity and outbox conditions', async () => {
      const writer = aWriter();

      await writer.write(aCreateInput());

      expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(TransactWriteCommand, {
        TransactItems: [
          expect.objectContaining({
            Put: expect.objectContaining({ ConditionExpression: 'attribute_not_exists(#key)' }),
          }),
          expect.objectContaining({
            Put: expect.objectContaining({ ConditionExpression: 'attribute_not_exists(#pk)' }),
          }),
        ],
      });
    });

    it('sets lastEventSeq on the new entity to the number of events', async () => {
      const writer = aWriter();
      const events = [anEvent(), anEvent({ detailType: 'OrderPriced' }), anEvent()];

      const result = await writer.write(aCreateInput({ events }));

      expect(sentItems()[0]?.Put?.Item).toMatchObject({ version: 1, lastEventSeq: 3 });
      expect(result).toMatchObject({ outcome: 'committed', version: 1, lastEventSeq: 3 });
    });

    it('conditions a composite-key create on the first key attribute and writes both keys', async () => {
      const writer = aWriter();

      await writer.write(
        aCreateInput({
          entity: { key: { tenant: 'acme', orderNo: 42 }, item: { status: 'PLACED' } },
        }),
      );

      expect(sentItems()[0]).toStrictEqual({
        Put: {
          TableName: ORDERS_TABLE,
          Item: { status: 'PLACED', tenant: 'acme', orderNo: 42, version: 1, lastEventSeq: 1 },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': 'tenant' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    });

    it('accepts the key repeated in the item when the values agree', async () => {
      const writer = aWriter();

      await writer.write(aCreateInput({ entity: { item: { id: ORDER_ID, status: 'PLACED' } } }));

      expect(sentItems()[0]?.Put?.Item).toStrictEqual({
        id: ORDER_ID,
        status: 'PLACED',
        version: 1,
        lastEventSeq: 1,
      });
    });

    it('returns the committed outcome with the record as written', async () => {
      const writer = aWriter();

      const result = await writer.write(aCreateInput());

      expect(result).toStrictEqual({
        outcome: 'committed',
        version: 1,
        lastEventSeq: 1,
        record: sentOutboxItem(),
      });
    });
  });

  describe('for an update', () => {
    it('builds an update transaction conditioned on the expected version', async () => {
      const writer = aWriter();
      const input = anUpdateInput({
        entity: {
          expectedVersion: 3,
          lastEventSeq: 5,
          set: { status: 'SHIPPED', shippedAt: '2026-11-25T09:00:00.000Z' },
          remove: ['holdReason', 'note'],
        },
        events: [
          anEvent({ detailType: 'OrderShipped', detail: { orderId: ORDER_ID } }),
          anEvent({ detailType: 'OrderInvoiced', detail: { orderId: ORDER_ID, invoice: 'I-1' } }),
        ],
      });

      const result = await writer.write(input);

      const [entity, outbox, ...rest] = sentItems();
      expect(rest).toStrictEqual([]);
      expect(entity).toStrictEqual({
        Update: {
          TableName: ORDERS_TABLE,
          Key: { id: ORDER_ID },
          UpdateExpression:
            'SET #version = :version, #lastEventSeq = :lastEventSeq, #s0 = :s0, #s1 = :s1 REMOVE #r0, #r1',
          ConditionExpression: '#version = :expectedVersion AND #lastEventSeq = :prevSeq',
          ExpressionAttributeNames: {
            '#version': 'version',
            '#lastEventSeq': 'lastEventSeq',
            '#s0': 'status',
            '#s1': 'shippedAt',
            '#r0': 'holdReason',
            '#r1': 'note',
          },
          ExpressionAttributeValues: {
            ':expectedVersion': 3,
            ':version': 4,
            ':lastEventSeq': 7,
            ':prevSeq': 5,
            ':s0': 'SHIPPED',
            ':s1': '2026-11-25T09:00:00.000Z',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
      expect(outbox?.Put?.Item).toMatchObject({
        pk: ORDER_KEY,
        sk: '0000000000000007',
        prevSeq: 5,
        eventCount: 2,
        events: [
          { eventId: 'evt-0001', sequence: 6, detailType: 'OrderShipped' },
          { eventId: 'evt-0002', sequence: 7, detailType: 'OrderInvoiced' },
        ],
      });
      expect(outbox?.Put?.ConditionExpression).toBe('attribute_not_exists(#pk)');
      expect(result).toMatchObject({ outcome: 'committed', version: 4, lastEventSeq: 7 });
    });

    it('requires an entity without a version at expectedVersion 0, and gives it version 1', async () => {
      const writer = aWriter();

      await writer.write(anUpdateInput({ entity: { expectedVersion: 0, lastEventSeq: 0 } }));

      const update = sentItems()[0]?.Update;
      expect(update?.ConditionExpression).toBe(
        'attribute_exists(#key) AND attribute_not_exists(#version) AND (attribute_not_exists(#lastEventSeq) OR #lastEventSeq = :prevSeq)',
      );
      expect(update?.ExpressionAttributeNames).toMatchObject({
        '#key': 'id',
        '#version': 'version',
      });
      // DynamoDB rejects a placeholder the expressions do not use.
      expect(update?.ExpressionAttributeValues).not.toHaveProperty(':expectedVersion');
      expect(update?.ExpressionAttributeValues).toMatchObject({ ':version': 1 });
    });

    it('sets only version and lastEventSeq when neither set nor remove is given', async () => {
      const writer = aWriter();

      await writer.write(anUpdateInput({ entity: { set: undefined, lastEventSeq: 0 } }));

      expect(sentItems()[0]?.Update).toMatchObject({
        UpdateExpression: 'SET #version = :version, #lastEventSeq = :lastEventSeq',
        ExpressionAttributeNames: { '#version': 'version', '#lastEventSeq': 'lastEventSeq' },
        ConditionExpression:
          '#version = :expectedVersion AND (attribute_not_exists(#lastEventSeq) OR #lastEventSeq = :prevSeq)',
        ExpressionAttributeValues: {
          ':expectedVersion': 3,
          ':version': 4,
          ':lastEventSeq': 1,
          ':prevSeq': 0,
        },
      });
      expect(sentOutboxItem()).toMatchObject({ prevSeq: 0, sk: '0000000000000001' });
    });

    it('uses the configured version and lastEventSeq attribute names', async () => {
      const writer = aWriter({ versionAttribute: 'rev', lastEventSeqAttribute: 'outboxSeq' });

      await writer.write(anUpdateInput({ entity: { set: { version: 'v2 schema' } } }));

      expect(sentItems()[0]?.Update).toMatchObject({
        ExpressionAttributeNames: {
          '#version': 'rev',
          '#lastEventSeq': 'outboxSeq',
          '#s0': 'version',
        },
      });
    });

    it('continues the sequence across consecutive writes of one aggregate', async () => {
      const writer = aWriter();
      const first = await writer.write(
        aCreateInput({ events: [anEvent(), anEvent({ detailType: 'OrderPriced' })] }),
      );
      if (first.outcome !== 'committed') throw new Error('expected a commit');

      await writer.write(
        anUpdateInput({
          entity: { expectedVersion: first.version, lastEventSeq: first.lastEventSeq },
        }),
      );

      const second = ddbMock.commandCalls(TransactWriteCommand)[1]?.args[0].input;
      expect(second?.TransactItems?.[1]?.Put?.Item).toMatchObject({
        prevSeq: 2,
        sk: '0000000000000003',
        events: [{ sequence: 3 }],
      });
      expect(first.record.sk).toBe('0000000000000002');
    });
  });

  describe('for several events', () => {
    it('gives them contiguous sequences in input order and sk = the last sequence', async () => {
      const writer = aWriter();
      const detailTypes = ['A', 'B', 'C', 'D'];

      await writer.write(
        anUpdateInput({
          entity: { lastEventSeq: 41 },
          events: detailTypes.map((detailType) => anEvent({ detailType })),
        }),
      );

      const record = sentOutboxItem();
      expect(record).toMatchObject({ prevSeq: 41, sk: '0000000000000045', eventCount: 4 });
      expect(record.events).toMatchObject([
        { eventId: 'evt-0001', sequence: 42, detailType: 'A' },
        { eventId: 'evt-0002', sequence: 43, detailType: 'B' },
        { eventId: 'evt-0003', sequence: 44, detailType: 'C' },
        { eventId: 'evt-0004', sequence: 45, detailType: 'D' },
      ]);
    });

    it('serializes each Detail as an envelope, with correlation and causation ids only when given', async () => {
      const writer = aWriter();
      const events = [
        anEvent({ detail: { n: 1 } }),
        anEvent({ detail: { n: 2 }, correlationId: 'req-1' }),
        anEvent({ detail: { n: 3 }, causationId: 'cmd-9' }),
        anEvent({ detail: { n: 4 }, correlationId: 'req-1', causationId: 'cmd-9' }),
      ];

      await writer.write(anUpdateInput({ entity: { lastEventSeq: 10 }, events }));

      const sent = sentOutboxItem().events as { detail: string }[];
      expect(sent.map((e) => parseEnvelope(e.detail))).toStrictEqual([
        {
          eventId: 'evt-0001',
          aggregateType: 'Order',
          aggregateId: ORDER_ID,
          sequence: 11,
          occurredAt: FIXED_NOW_ISO,
          data: { n: 1 },
          metadata: {},
        },
        {
          eventId: 'evt-0002',
          aggregateType: 'Order',
          aggregateId: ORDER_ID,
          sequence: 12,
          occurredAt: FIXED_NOW_ISO,
          data: { n: 2 },
          metadata: { correlationId: 'req-1' },
        },
        {
          eventId: 'evt-0003',
          aggregateType: 'Order',
          aggregateId: ORDER_ID,
          sequence: 13,
          occurredAt: FIXED_NOW_ISO,
          data: { n: 3 },
          metadata: { causationId: 'cmd-9' },
        },
        {
          eventId: 'evt-0004',
          aggregateType: 'Order',
          aggregateId: ORDER_ID,
          sequence: 14,
          occurredAt: FIXED_NOW_ISO,
          data: { n: 4 },
          metadata: { correlationId: 'req-1', causationId: 'cmd-9' },
        },
      ]);
    });

    it('drops undefined detail properties from the Detail, as JSON does', async () => {
      const writer = aWriter();

      await writer.write(aCreateInput({ events: [anEvent({ detail: { a: 1, b: undefined } })] }));

      const [event] = sentOutboxItem().events as { detail: string }[];
      expect(parseEnvelope(event?.detail ?? '').data).toStrictEqual({ a: 1 });
    });
  });

  describe('with an idempotency key', () => {
    it('adds a Put of the idempotency record that an expired record does not block', async () => {
      const writer = aWriter();
      const response = { statusCode: 201, body: { orderId: ORDER_ID } };

      await writer.write(
        aCreateInput({
          idempotency: { key: 'key-1', request: { b: 2, a: 1 }, response },
        }),
      );

      const items = sentItems();
      expect(items).toHaveLength(3);
      expect(items[2]).toStrictEqual({
        Put: {
          TableName: OUTBOX_TABLE,
          Item: {
            pk: 'IDEMPOTENCY#key-1',
            sk: 'IDEMPOTENCY',
            recordType: 'IDEMPOTENCY',
            requestHash: sha256('{"a":1,"b":2}'),
            response,
            createdAt: FIXED_NOW_ISO,
            expiresAt: FIXED_NOW_EPOCH_SECONDS + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
          ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': FIXED_NOW_EPOCH_SECONDS },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    });

    it('namespaces the record key by scope and honours a configured TTL', async () => {
      const writer = aWriter({ idempotencyTtlSeconds: 3600 });

      await writer.write(
        anUpdateInput({ idempotency: { key: 'key-1', request: {}, response: {}, scope: 'alice' } }),
      );

      expect(sentItems()[2]?.Put?.Item).toMatchObject({
        pk: 'IDEMPOTENCY#5:alice#key-1',
        sk: 'IDEMPOTENCY',
        expiresAt: FIXED_NOW_EPOCH_SECONDS + 3600,
      });
    });
  });

  describe('with additional items', () => {
    const inboxPut: TransactWriteItem = {
      Put: {
        TableName: 'inbox',
        Item: { pk: 'INBOX#msg-1', sk: 'INBOX' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const customerCheck: TransactWriteItem = {
      ConditionCheck: {
        TableName: 'customers',
        Key: { id: 'c-1' },
        ConditionExpression: 'attribute_exists(id)',
      },
    };

    it('appends them, in order, after the entity and outbox items', async () => {
      const writer = aWriter();

      await writer.write(aCreateInput({ additionalItems: [inboxPut, customerCheck] }));

      const items = sentItems();
      expect(items).toHaveLength(4);
      expect(items[2]).toStrictEqual(inboxPut);
      expect(items[3]).toStrictEqual(customerCheck);
    });

    it('appends them after the idempotency item', async () => {
      const writer = aWriter();

      await writer.write(
        aCreateInput({
          idempotency: { key: 'key-1', request: {}, response: {} },
          additionalItems: [customerCheck, inboxPut],
        }),
      );

      const items = sentItems();
      expect(items.map((i) => i.Put?.TableName ?? i.ConditionCheck?.TableName)).toStrictEqual([
        ORDERS_TABLE,
        OUTBOX_TABLE,
        OUTBOX_TABLE,
        'customers',
        'inbox',
      ]);
      expect(items[2]?.Put?.Item?.pk).toBe('IDEMPOTENCY#key-1');
    });
  });

  describe('event fields', () => {
    it('uses an event time override as occurredAt and time, and the clock for createdAt', async () => {
      const writer = aWriter();
      const time = new Date('2026-11-24T09:30:00.000Z');

      await writer.write(aCreateInput({ events: [anEvent({ time }), anEvent()] }));

      const record = sentOutboxItem();
      const events = record.events as { time: string; detail: string }[];
      expect(events.map((e) => e.time)).toStrictEqual(['2026-11-24T09:30:00.000Z', FIXED_NOW_ISO]);
      expect(events.map((e) => parseEnvelope(e.detail).occurredAt)).toStrictEqual([
        '2026-11-24T09:30:00.000Z',
        FIXED_NOW_ISO,
      ]);
      expect(record.createdAt).toBe(FIXED_NOW_ISO);
    });

    it('carries resources and the trace header, and omits them when absent', async () => {
      const writer = aWriter();
      const resources = ['arn:aws:s3:::invoices/I-1', 'arn:aws:s3:::invoices/I-2'];
      const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';

      await writer.write(
        aCreateInput({ events: [anEvent({ resources, traceHeader }), anEvent()] }),
      );

      const [withBoth, withNeither] = sentOutboxItem().events as Record<string, unknown>[];
      expect(withBoth).toMatchObject({ resources, traceHeader });
      expect(withNeither).not.toHaveProperty('resources');
      expect(withNeither).not.toHaveProperty('traceHeader');
    });

    it('copies resources, so later changes to the input do not reach the record', async () => {
      const writer = aWriter();
      const resources = ['arn:aws:s3:::a'];

      const prepared = writer.prepare(aCreateInput({ events: [anEvent({ resources })] }));
      resources.push('arn:aws:s3:::b');

      expect(prepared.record.events[0]?.resources).toStrictEqual(['arn:aws:s3:::a']);
    });

    it('serializes the Detail at write time, so later changes to the input do not reach it', () => {
      const writer = aWriter();
      const detail: Record<string, unknown> = { total: 1 };

      const prepared = writer.prepare(aCreateInput({ events: [anEvent({ detail })] }));
      detail.total = 2;

      expect(parseEnvelope(prepared.record.events[0]?.detail ?? '').data).toStrictEqual({
        total: 1,
      });
    });
  });

  describe('configuration', () => {
    it('shards the pending index by the configured shard count', async () => {
      const writer = aWriter({ pendingShards: 4 });

      await writer.write(aCreateInput());

      expect(sentOutboxItem().pendingShard).toBe(pendingShardOf(ORDER_KEY, 4));
    });

    it('defaults to UUIDv7 event ids and the system clock', async () => {
      const writer = aWriter({ newEventId: undefined, clock: undefined });
      const before = Date.now();

      await writer.write(aCreateInput({ events: [anEvent(), anEvent()] }));

      const after = Date.now();
      const record = sentOutboxItem();
      const ids = (record.events as { eventId: string }[]).map((e) => e.eventId);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      expect(new Set(ids).size).toBe(2);
      const createdAt = Date.parse(String(record.createdAt));
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(after);
    });
  });
});

describe('OutboxWriter.prepare', () => {
  it('builds the same transaction that write sends, without calling DynamoDB', async () => {
    const input = aCreateInput({ idempotency: { key: 'k', request: 1, response: 2 } });

    const prepared = aWriter({ newEventId: sequentialIds() }).prepare(input);

    expect(ddbMock.calls()).toHaveLength(0);
    await aWriter({ newEventId: sequentialIds() }).write(input);
    expect(sentTransaction()).toStrictEqual(prepared.command);
    expect(prepared.version).toBe(1);
    expect(prepared.roles).toStrictEqual([
      { role: 'entity', change: 'create' },
      { role: 'outbox', sequence: 1 },
      { role: 'idempotency', key: 'k', requestHash: sha256('1') },
    ]);
  });

  it('describes each transaction item of an update with its role', () => {
    const customerCheck: TransactWriteItem = {
      ConditionCheck: {
        TableName: 'c',
        Key: { id: '1' },
        ConditionExpression: 'attribute_exists(id)',
      },
    };

    const prepared = aWriter().prepare(
      anUpdateInput({ additionalItems: [customerCheck, customerCheck] }),
    );

    expect(prepared.roles).toStrictEqual([
      { role: 'entity', change: 'update', expectedVersion: 3, lastEventSeq: 5 },
      { role: 'outbox', sequence: 6 },
      { role: 'additional', index: 0 },
      { role: 'additional', index: 1 },
    ]);
  });
});
