import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  OutboxConfigError,
  OutboxError,
  OutboxValidationError,
} from '../../../lambdas/outbox/errors.js';
import type { OutboxEventInput } from '../../../lambdas/outbox/event-input.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  MAX_ITEM_BYTES,
  type OutboxWriter,
  putEventsEntrySize,
  type StoredEvent,
} from '../../../lambdas/outbox/index.js';
import { dynamoItemSize } from '../../../lambdas/outbox/item-size.js';
import { MAX_TRANSACTION_BYTES } from '../../../lambdas/outbox/limits.js';
import type { OutboxWriterOptions } from '../../../lambdas/outbox/outbox-writer.js';
import {
  LEGACY_MAX_REQUEST_BYTES,
  MAX_DETAIL_DEPTH,
} from '../../../lambdas/outbox/put-events-entry.js';
import type { OutboxWriteInput } from '../../../lambdas/outbox/write-input.js';
import {
  aCreateInput,
  aDocumentClient,
  anEvent,
  anUpdateInput,
  aWriter,
  ORDER_ID,
  OUTBOX_TABLE,
  unchecked,
} from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(TransactWriteCommand).resolves({});
});

/**
 * Writes the input, expects an OutboxValidationError and no call to DynamoDB at all, and
 * returns the error.
 */
async function validationErrorOf(
  input: OutboxWriteInput,
  writer: OutboxWriter = aWriter(),
): Promise<OutboxValidationError> {
  const error = await writer.write(input).then(
    (result) => new Error(`expected a validation error, got ${result.outcome}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboxValidationError);
  expect(ddbMock.calls()).toHaveLength(0);
  if (!(error instanceof OutboxValidationError)) throw error;
  return error;
}

function pathsOf(error: OutboxValidationError): string[] {
  return error.issues.map((issue) => issue.path);
}

/** Writes the input and expects a single, committed TransactWriteItems. */
async function expectCommitted(input: OutboxWriteInput, writer: OutboxWriter = aWriter()) {
  await expect(writer.write(input)).resolves.toMatchObject({ outcome: 'committed' });
  expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
}

const withEvent = (overrides: Partial<OutboxEventInput>): OutboxWriteInput =>
  aCreateInput({ events: [anEvent(overrides)] });

describe('OutboxValidationError', () => {
  it('names itself, lists every issue in its message, and is an OutboxError', async () => {
    const error = await validationErrorOf(withEvent({ source: '', detailType: '' }));

    expect(error.name).toBe('OutboxValidationError');
    expect(error).toBeInstanceOf(OutboxError);
    expect(pathsOf(error)).toStrictEqual(['events[0].source', 'events[0].detailType']);
    expect(error.message).toBe(
      'invalid outbox write: events[0].source: must not be empty; events[0].detailType: must not be empty',
    );
  });
});

describe('event validation', () => {
  it('fails if there is no event', async () => {
    const error = await validationErrorOf(aCreateInput({ events: [] }));

    expect(error.issues).toStrictEqual([
      { path: 'events', message: 'must hold at least one event' },
    ]);
  });

  it('fails if detailType is empty', async () => {
    const error = await validationErrorOf(withEvent({ detailType: '' }));

    expect(error.issues).toStrictEqual([
      { path: 'events[0].detailType', message: 'must not be empty' },
    ]);
  });

  it('fails if detailType is longer than 128 characters, pointing at the right event', async () => {
    const error = await validationErrorOf(
      aCreateInput({ events: [anEvent(), anEvent({ detailType: 'x'.repeat(129) })] }),
    );

    expect(error.issues).toStrictEqual([
      { path: 'events[1].detailType', message: 'must be at most 128 characters' },
    ]);
  });

  it('accepts a detailType of exactly 128 characters', async () => {
    await expectCommitted(withEvent({ detailType: 'x'.repeat(128) }));
  });

  it('fails if source is empty', async () => {
    const error = await validationErrorOf(withEvent({ source: '' }));

    expect(pathsOf(error)).toStrictEqual(['events[0].source']);
  });

  it('fails if source starts with "aws." (reserved for AWS services)', async () => {
    const error = await validationErrorOf(withEvent({ source: 'aws.s3' }));

    expect(error.issues).toStrictEqual([
      {
        path: 'events[0].source',
        message: 'must not start with "aws." (reserved for AWS services)',
      },
    ]);
  });

  it('accepts a source that merely contains "aws."', async () => {
    await expectCommitted(withEvent({ source: 'com.example.aws.orders' }));
  });

  it.each<[string, unknown]>([
    ['an array', [{ a: 1 }]],
    ['null', null],
    ['a string', '{"a":1}'],
    ['a number', 42],
    ['a Date', new Date('2026-01-01T00:00:00.000Z')],
    ['a Map', new Map([['a', 1]])],
    ['a class instance', new (class Order {})()],
  ])('fails if detail is %s instead of a JSON object', async (_kind, detail) => {
    const error = await validationErrorOf(withEvent({ detail: unchecked(detail) }));

    expect(error.issues).toStrictEqual([
      { path: 'events[0].detail', message: 'must be a JSON object' },
    ]);
  });

  it('accepts a detail object with a null prototype', async () => {
    const detail: Record<string, unknown> = Object.assign(Object.create(null), { a: 1 });

    await expectCommitted(withEvent({ detail }));
  });

  it.each<[string, () => Record<string, unknown>, string, string]>([
    [
      'NaN',
      () => ({ a: { b: [1, Number.NaN] } }),
      'events[0].detail.a.b[1]',
      'is NaN, which is not valid JSON',
    ],
    [
      'Infinity',
      () => ({ total: Number.POSITIVE_INFINITY }),
      'events[0].detail.total',
      'is Infinity, which is not valid JSON',
    ],
    [
      '-Infinity',
      () => ({ total: Number.NEGATIVE_INFINITY }),
      'events[0].detail.total',
      'is -Infinity, which is not valid JSON',
    ],
    [
      'a bigint',
      () => ({ n: 10n }),
      'events[0].detail.n',
      'is a bigint, which is not a JSON value',
    ],
    [
      'a function',
      () => ({ f: () => 1 }),
      'events[0].detail.f',
      'is a function, which is not a JSON value',
    ],
    [
      'a symbol',
      () => ({ s: Symbol('s') }),
      'events[0].detail.s',
      'is a symbol, which is not a JSON value',
    ],
    [
      'a nested Date',
      () => ({ order: { placedAt: new Date(0) } }),
      'events[0].detail.order.placedAt',
      'is an instance of Date, which is not a JSON value',
    ],
    [
      'undefined inside an array',
      () => ({ items: ['a', undefined] }),
      'events[0].detail.items[1]',
      'is undefined, which is not a JSON value',
    ],
    [
      'a circular reference',
      () => {
        const order: Record<string, unknown> = { id: 1 };
        order.lines = [{ order }];
        return { order };
      },
      'events[0].detail.order.lines[0].order',
      'is a circular reference',
    ],
  ])(
    'fails if detail contains %s, with a path into the detail',
    async (_kind, detail, path, message) => {
      const error = await validationErrorOf(withEvent({ detail: detail() }));

      expect(error.issues).toStrictEqual([{ path, message }]);
    },
  );

  it('accepts the same object referenced twice without a cycle', async () => {
    const shared = { sku: 'A-1' };

    await expectCommitted(withEvent({ detail: { first: shared, second: shared, list: [shared] } }));
  });

  it(`accepts a detail nested ${MAX_DETAIL_DEPTH} levels deep and fails one level deeper`, async () => {
    const nest = (depth: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { leaf: true };
      for (let i = 1; i < depth; i++) value = { a: value };
      return value;
    };

    await expectCommitted(withEvent({ detail: nest(MAX_DETAIL_DEPTH) }));
    ddbMock.resetHistory();
    const error = await validationErrorOf(withEvent({ detail: nest(MAX_DETAIL_DEPTH + 1) }));

    expect(error.issues).toHaveLength(1);
    // The leaf sits MAX_DETAIL_DEPTH + 1 keys below the detail: 1000 × 'a', then 'leaf'.
    expect(error.issues[0]?.path).toBe(`events[0].detail${'.a'.repeat(MAX_DETAIL_DEPTH)}.leaf`);
    expect(error.issues[0]?.message).toBe(`is nested deeper than ${MAX_DETAIL_DEPTH} levels`);
  });

  it.each<[string, Partial<OutboxEventInput>, string]>([
    ['an empty resource', { resources: ['arn:aws:s3:::a', ''] }, 'events[0].resources[1]'],
    ['an empty traceHeader', { traceHeader: '' }, 'events[0].traceHeader'],
    ['an empty correlationId', { correlationId: '' }, 'events[0].correlationId'],
    ['an empty causationId', { causationId: '' }, 'events[0].causationId'],
    ['an invalid time', { time: new Date(Number.NaN) }, 'events[0].time'],
  ])('fails if an event has %s', async (_kind, overrides, path) => {
    const error = await validationErrorOf(withEvent(overrides));

    expect(pathsOf(error)).toStrictEqual([path]);
  });
});

describe('size validation', () => {
  /** A writer whose event ids all have the same length, so sizes are reproducible. */
  const sizedWriter = (options: Partial<OutboxWriterOptions> = {}) =>
    aWriter({ newEventId: () => 'evt-fixed', ...options });

  const entrySizeOf = (event: StoredEvent | undefined): number => {
    if (event === undefined) throw new Error('no event');
    return putEventsEntrySize({
      Time: new Date(event.time),
      Source: event.source,
      DetailType: event.detailType,
      Detail: event.detail,
      Resources: event.resources,
    });
  };

  const paddedInput = (padding: number, char = 'x'): OutboxWriteInput =>
    aCreateInput({
      events: [anEvent({ detail: { orderId: ORDER_ID, pad: char.repeat(padding) } })],
    });

  /** The padding that makes the single event's PutEvents entry exactly `bytes` long. */
  function paddingForEntrySize(bytes: number): number {
    const base = sizedWriter({ maxEntryBytes: DEFAULT_MAX_REQUEST_BYTES }).prepare(paddedInput(0));
    return bytes - entrySizeOf(base.record.events[0]);
  }

  /** The padding that makes the outbox item exactly `bytes` long by dynamoItemSize. */
  function paddingForItemSize(bytes: number): number {
    const base = sizedWriter().prepare(paddedInput(0));
    return bytes - dynamoItemSize(base.record as unknown as Record<string, unknown>);
  }

  describe('with a writer configured for the legacy 256 KB limit', () => {
    const writer = () => sizedWriter({ maxEntryBytes: LEGACY_MAX_REQUEST_BYTES });

    it('accepts an event whose PutEvents entry is exactly 262,144 bytes', async () => {
      const input = paddedInput(paddingForEntrySize(LEGACY_MAX_REQUEST_BYTES));

      expect(entrySizeOf(writer().prepare(input).record.events[0])).toBe(LEGACY_MAX_REQUEST_BYTES);
      await expectCommitted(input, writer());
    });

    it('fails if the PutEvents entry is one byte over 262,144 bytes', async () => {
      const input = paddedInput(paddingForEntrySize(LEGACY_MAX_REQUEST_BYTES + 1));

      const error = await validationErrorOf(input, writer());

      expect(error.issues).toStrictEqual([
        {
          path: 'events[0]',
          message: 'PutEvents entry would be 262145 bytes; the limit is 262144',
        },
      ]);
    });

    it('counts UTF-8 bytes, not characters', async () => {
      // 90,000 euro signs are 90,000 characters but 270,000 bytes.
      const error = await validationErrorOf(paddedInput(90_000, '€'), writer());

      expect(pathsOf(error)).toStrictEqual(['events[0]']);
    });

    it('fails if the outbox item exceeds 400 KB although each entry is within the limit', async () => {
      const big = (n: number) => anEvent({ detail: { n, pad: 'x'.repeat(210_000) } });

      const error = await validationErrorOf(aCreateInput({ events: [big(1), big(2)] }), writer());

      expect(pathsOf(error)).toStrictEqual(['events']);
      expect(error.issues[0]?.message).toMatch(
        /^outbox record would be \d+ bytes; DynamoDB items are limited to 409600$/,
      );
    });
  });

  describe('with the default 1 MB limit', () => {
    it('does not flag an entry of exactly 1,048,576 bytes (only the 400 KB item limit does)', async () => {
      const input = paddedInput(paddingForEntrySize(DEFAULT_MAX_REQUEST_BYTES));

      const error = await validationErrorOf(input, sizedWriter());

      expect(pathsOf(error)).toStrictEqual(['events']);
    });

    it('flags an entry of 1,048,577 bytes', async () => {
      const input = paddedInput(paddingForEntrySize(DEFAULT_MAX_REQUEST_BYTES + 1));

      const error = await validationErrorOf(input, sizedWriter());

      expect(error.issues).toContainEqual({
        path: 'events[0]',
        message: 'PutEvents entry would be 1048577 bytes; the limit is 1048576',
      });
    });
  });

  describe('of the outbox item', () => {
    it('accepts an outbox item of exactly 400 KB', async () => {
      const input = paddedInput(paddingForItemSize(MAX_ITEM_BYTES));
      const record = sizedWriter().prepare(input).record;

      expect(dynamoItemSize(record as unknown as Record<string, unknown>)).toBe(MAX_ITEM_BYTES);
      await expectCommitted(input, sizedWriter());
    });

    it('fails if the outbox item is one byte over 400 KB', async () => {
      const input = paddedInput(paddingForItemSize(MAX_ITEM_BYTES + 1));

      const error = await validationErrorOf(input, sizedWriter());

      expect(error.issues).toStrictEqual([
        {
          path: 'events',
          message: 'outbox record would be 409601 bytes; DynamoDB items are limited to 409600',
        },
      ]);
    });
  });

  it('fails if the whole transaction exceeds 4 MB', async () => {
    const bigItem = (i: number): TransactWriteItem => ({
      Put: { TableName: 'blobs', Item: { pk: `blob-${i}`, blob: 'x'.repeat(400_000) } },
    });

    const error = await validationErrorOf(
      aCreateInput({ additionalItems: Array.from({ length: 11 }, (_, i) => bigItem(i)) }),
    );

    expect(pathsOf(error)).toStrictEqual(['']);
    expect(error.issues[0]?.message).toMatch(
      new RegExp(`^transaction would be about \\d+ bytes; the limit is ${MAX_TRANSACTION_BYTES}$`),
    );
  });
});

describe('transaction item count', () => {
  const check = (i: number): TransactWriteItem => ({
    ConditionCheck: {
      TableName: 'customers',
      Key: { id: `c-${i}` },
      ConditionExpression: 'attribute_exists(id)',
    },
  });
  const checks = (n: number) => Array.from({ length: n }, (_, i) => check(i));

  it('accepts 98 additional items (100 in all)', async () => {
    await expectCommitted(aCreateInput({ additionalItems: checks(98) }));
  });

  it('fails with more than 100 transaction items', async () => {
    const error = await validationErrorOf(aCreateInput({ additionalItems: checks(99) }));

    expect(error.issues).toStrictEqual([
      {
        path: 'additionalItems',
        message: 'makes 101 transaction items; TransactWriteItems takes at most 100',
      },
    ]);
  });

  it('counts the idempotency item', async () => {
    const idempotency = { key: 'k', request: {}, response: {} };

    await expectCommitted(aCreateInput({ idempotency, additionalItems: checks(97) }));
    ddbMock.resetHistory();
    const error = await validationErrorOf(
      aCreateInput({ idempotency, additionalItems: checks(98) }),
    );

    expect(pathsOf(error)).toStrictEqual(['additionalItems']);
  });

  it('fails if an additional item is not an object', async () => {
    const error = await validationErrorOf(aCreateInput({ additionalItems: [unchecked('Put')] }));

    expect(pathsOf(error)).toStrictEqual(['additionalItems[0]']);
  });
});

describe('aggregate validation', () => {
  it.each<[string, string]>([
    ['contains "#"', 'Or#der'],
    ['is empty', ''],
    ['starts with a digit', '1Order'],
    ['contains a space', 'Sales Order'],
    ['is 65 characters long', `O${'x'.repeat(64)}`],
  ])('fails if the aggregate type %s', async (_why, type) => {
    const error = await validationErrorOf(aCreateInput({ aggregate: { type, id: ORDER_ID } }));

    expect(error.issues).toStrictEqual([
      {
        path: 'aggregate.type',
        message: 'must be 1..64 letters, digits, _ . - starting with a letter',
      },
    ]);
  });

  it('accepts an aggregate type of letters, digits, _ . and - up to 64 characters', async () => {
    await expectCommitted(
      aCreateInput({ aggregate: { type: `Sales.Order_v2-${'x'.repeat(49)}`, id: ORDER_ID } }),
    );
  });

  it('fails if the aggregate id is empty', async () => {
    const error = await validationErrorOf(aCreateInput({ aggregate: { type: 'Order', id: '' } }));

    expect(error.issues).toStrictEqual([{ path: 'aggregate.id', message: 'must not be empty' }]);
  });

  it('fails if the outbox key would exceed the 2048-byte partition key limit', async () => {
    // 'Order#' is 6 bytes.
    await expectCommitted(aCreateInput({ aggregate: { type: 'Order', id: 'x'.repeat(2042) } }));
    ddbMock.resetHistory();

    const error = await validationErrorOf(
      aCreateInput({ aggregate: { type: 'Order', id: 'x'.repeat(2043) } }),
    );

    expect(error.issues).toStrictEqual([
      {
        path: 'aggregate.id',
        message: 'makes an outbox key of 2049 bytes; the limit is 2048',
      },
    ]);
  });
});

describe('idempotency validation', () => {
  const withKey = (key: string) =>
    aCreateInput({ idempotency: { key, request: {}, response: {} } });

  it.each<[string, string]>([
    ['is empty', ''],
    ['is 256 characters long', 'k'.repeat(256)],
    ['contains a space', 'key 1'],
    ['contains a tab', 'key\t1'],
    ['contains non-ASCII characters', 'clé'],
  ])('fails if the idempotency key %s', async (_why, key) => {
    const error = await validationErrorOf(withKey(key));

    expect(error.issues).toStrictEqual([
      { path: 'idempotency.key', message: 'must be 1..255 visible ASCII characters' },
    ]);
  });

  it('accepts a key of 255 visible ASCII characters', async () => {
    await expectCommitted(withKey('~!'.repeat(127).concat('Z')));
  });

  it('fails if the scope is empty', async () => {
    const error = await validationErrorOf(
      aCreateInput({ idempotency: { key: 'k', request: {}, response: {}, scope: '' } }),
    );

    expect(pathsOf(error)).toStrictEqual(['idempotency.scope']);
  });
});

describe('entity validation', () => {
  it.each<[string, OutboxWriteInput, string, string]>([
    [
      'an update sets version',
      anUpdateInput({ entity: { set: { version: 9 } } }),
      'entity.set.version',
      "'version' is maintained by the outbox writer and must not be set",
    ],
    [
      'an update sets lastEventSeq',
      anUpdateInput({ entity: { set: { lastEventSeq: 9 } } }),
      'entity.set.lastEventSeq',
      "'lastEventSeq' is maintained by the outbox writer and must not be set",
    ],
    [
      'an update removes version',
      anUpdateInput({ entity: { remove: ['note', 'version'] } }),
      'entity.remove[1]',
      "'version' is maintained by the outbox writer and must not be set",
    ],
    [
      'an update sets a key attribute',
      anUpdateInput({ entity: { set: { id: 'other' } } }),
      'entity.set.id',
      "'id' is part of the key and cannot be changed",
    ],
    [
      'an update removes a key attribute',
      anUpdateInput({ entity: { remove: ['id'] } }),
      'entity.remove[0]',
      "'id' is part of the key and cannot be changed",
    ],
    [
      'a create item holds version',
      aCreateInput({ entity: { item: { version: 5 } } }),
      'entity.item.version',
      "'version' is maintained by the outbox writer and must not be set",
    ],
    [
      'a create item holds lastEventSeq',
      aCreateInput({ entity: { item: { lastEventSeq: 5 } } }),
      'entity.item.lastEventSeq',
      "'lastEventSeq' is maintained by the outbox writer and must not be set",
    ],
    [
      'a create item repeats the key with another value',
      aCreateInput({ entity: { item: { id: 'other' } } }),
      'entity.item.id',
      "'id' is part of the key and cannot be changed",
    ],
    [
      'an update sets and removes the same attribute',
      anUpdateInput({ entity: { set: { note: 'x' }, remove: ['note'] } }),
      'entity.set.note',
      "'note' is both set and removed",
    ],
    [
      'an update sets an attribute to undefined',
      anUpdateInput({ entity: { set: { status: 'SHIPPED', note: undefined } } }),
      'entity.set.note',
      'is undefined; omit it, or list it in remove to delete the attribute',
    ],
  ])('fails if %s', async (_why, input, path, message) => {
    const error = await validationErrorOf(input);

    expect(error.issues).toStrictEqual([{ path, message }]);
  });

  it('reserves the configured attribute names instead of the defaults', async () => {
    const writer = () => aWriter({ versionAttribute: 'rev', lastEventSeqAttribute: 'seq' });

    const error = await validationErrorOf(
      anUpdateInput({ entity: { set: { rev: 2, seq: 3 } } }),
      writer(),
    );
    expect(pathsOf(error)).toStrictEqual(['entity.set.rev', 'entity.set.seq']);

    await expectCommitted(anUpdateInput({ entity: { set: { version: 2 } } }), writer());
  });

  it.each<[string, unknown, string, string]>([
    ['negative', -1, 'entity.expectedVersion', 'must not be negative'],
    ['not an integer', 1.5, 'entity.expectedVersion', 'must be an integer'],
  ])('fails if expectedVersion is %s', async (_why, expectedVersion, path, message) => {
    const error = await validationErrorOf(
      anUpdateInput({ entity: { expectedVersion: unchecked<number>(expectedVersion) } }),
    );

    expect(error.issues).toStrictEqual([{ path, message }]);
  });

  it.each<[string, number, string]>([
    ['negative', -1, 'must not be negative'],
    ['not an integer', 2.5, 'must be an integer'],
  ])('fails if lastEventSeq is %s', async (_why, lastEventSeq, message) => {
    const error = await validationErrorOf(anUpdateInput({ entity: { lastEventSeq } }));

    expect(error.issues).toStrictEqual([{ path: 'entity.lastEventSeq', message }]);
  });

  it.each<[string, Record<string, string | number>]>([
    ['no attribute', {}],
    ['three attributes', { a: '1', b: '2', c: '3' }],
  ])('fails if the key has %s', async (_why, key) => {
    const error = await validationErrorOf(anUpdateInput({ entity: { key } }));

    expect(error.issues).toStrictEqual([
      { path: 'entity.key', message: 'must have 1 or 2 attributes' },
    ]);
  });

  it('fails if a key value is an empty string', async () => {
    const error = await validationErrorOf(aCreateInput({ entity: { key: { id: '' } } }));

    expect(pathsOf(error)).toStrictEqual(['entity.key.id']);
  });

  it('fails if the entity table name is empty', async () => {
    const error = await validationErrorOf(anUpdateInput({ entity: { tableName: '' } }));

    expect(error.issues).toStrictEqual([
      { path: 'entity.tableName', message: 'must not be empty' },
    ]);
  });

  it('fails if the create item is not a plain object', async () => {
    const error = await validationErrorOf(
      aCreateInput({ entity: { item: unchecked(new Map([['a', 1]])) } }),
    );

    expect(error.issues).toStrictEqual([
      { path: 'entity.item', message: 'must be a plain object' },
    ]);
  });

  it('fails if the entity type is neither create nor update', async () => {
    const error = await validationErrorOf(
      unchecked({ ...aCreateInput(), entity: { ...aCreateInput().entity, type: 'delete' } }),
    );

    expect(pathsOf(error)).toStrictEqual(['entity.type']);
  });
});

describe('strict objects', () => {
  it.each<[string, unknown, string]>([
    ['the write input', { ...aCreateInput(), extra: 1 }, ''],
    [
      'the aggregate',
      aCreateInput({ aggregate: unchecked({ type: 'Order', id: '1', v: 2 }) }),
      'aggregate',
    ],
    [
      'a create entity',
      { ...aCreateInput(), entity: { ...aCreateInput().entity, ttl: 1 } },
      'entity',
    ],
    [
      'an update entity',
      { ...anUpdateInput(), entity: { ...anUpdateInput().entity, upsert: true } },
      'entity',
    ],
    [
      'an event',
      aCreateInput({ events: [anEvent(), unchecked({ ...anEvent(), detial: {} })] }),
      'events[1]',
    ],
    [
      'the idempotency input',
      aCreateInput({ idempotency: unchecked({ key: 'k', request: {}, response: {}, ttl: 5 }) }),
      'idempotency',
    ],
  ])('fails on an unknown property of %s', async (_where, input, path) => {
    const error = await validationErrorOf(unchecked(input));

    expect(pathsOf(error)).toStrictEqual([path]);
    expect(error.issues[0]?.message).toMatch(/^Unrecognized key/);
  });
});

describe('OutboxWriter configuration', () => {
  const client = aDocumentClient();

  it.each<[string, Partial<OutboxWriterOptions>, RegExp]>([
    [
      'maxEntryBytes is 0',
      { maxEntryBytes: 0 },
      /^maxEntryBytes must be a positive integer, got 0$/,
    ],
    ['maxEntryBytes is not an integer', { maxEntryBytes: 1.5 }, /^maxEntryBytes must be/],
    ['maxEntryBytes is NaN', { maxEntryBytes: Number.NaN }, /^maxEntryBytes must be/],
    ['pendingShards is 0', { pendingShards: 0 }, /^pendingShards must be/],
    ['idempotencyTtlSeconds is negative', { idempotencyTtlSeconds: -1 }, /^idempotencyTtlSeconds/],
    ['tableName is empty', { tableName: '' }, /^tableName must not be empty$/],
    [
      'versionAttribute and lastEventSeqAttribute are the same',
      { versionAttribute: 'v', lastEventSeqAttribute: 'v' },
      /^versionAttribute and lastEventSeqAttribute must be distinct, non-empty names, got 'v' and 'v'$/,
    ],
    [
      'lastEventSeqAttribute is the default version name',
      { lastEventSeqAttribute: 'version' },
      /must be distinct/,
    ],
    ['versionAttribute is empty', { versionAttribute: '' }, /must be distinct, non-empty/],
    [
      'retryTransientCancellations is not a boolean',
      { retryTransientCancellations: 'false' as unknown as boolean },
      /^retryTransientCancellations must be true or false, got false$/,
    ],
  ])('throws OutboxConfigError if %s', (_why, options, message) => {
    const create = () => aWriter({ client, tableName: OUTBOX_TABLE, ...options });

    expect(create).toThrow(OutboxConfigError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect(error).toBeInstanceOf(OutboxError);
      expect((error as Error).name).toBe('OutboxConfigError');
    }
  });
});
