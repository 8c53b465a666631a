import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import { formatSeq, keyString, type RecordKey } from '../../../lambdas/outbox/index.js';
import { OutboxStore, type OutboxStoreOptions } from '../../../lambdas/outbox/outbox-store.js';
import {
  aDocumentClient,
  FIXED_NOW_EPOCH_SECONDS,
  FIXED_NOW_ISO,
  fixedClock,
  OUTBOX_TABLE,
} from '../../helpers/outbox-fixtures.js';
import { anOutboxRecord, keyOf, recordKey } from '../../helpers/outbox-records.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const DAY_SECONDS = 86_400;

beforeEach(() => {
  ddbMock.reset();
});

/** A store with a fixed clock and a sleep that records its delays instead of waiting. */
function aStore(options: Partial<OutboxStoreOptions> = {}): {
  store: OutboxStore;
  sleeps: number[];
} {
  const sleeps: number[] = [];
  const store = new OutboxStore({
    client: aDocumentClient(),
    tableName: OUTBOX_TABLE,
    clock: fixedClock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { store, sleeps };
}

/** The Keys of every BatchGet sent, in order. */
function batchGetKeys(): Record<string, unknown>[][] {
  return ddbMock
    .commandCalls(BatchGetCommand)
    .map((call) => call.args[0].input.RequestItems?.[OUTBOX_TABLE]?.Keys ?? []);
}

function keys(n: number, aggregate = 'Order#1'): RecordKey[] {
  return Array.from({ length: n }, (_, i) => recordKey(aggregate, i + 1));
}

/** A BatchGet fake answering from a table of statuses; `unprocessed` picks keys to hold back. */
function answerFrom(
  table: ReadonlyMap<string, string>,
  unprocessed: (key: RecordKey, call: number) => boolean = () => false,
): void {
  let call = 0;
  ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const requested = (input.RequestItems?.[OUTBOX_TABLE]?.Keys ?? []) as RecordKey[];
    const now = call++;
    const held = requested.filter((k) => unprocessed(k, now));
    const served = requested.filter((k) => !unprocessed(k, now));
    return {
      Responses: {
        [OUTBOX_TABLE]: served.flatMap((k) => {
          const status = table.get(keyString(k));
          return status === undefined ? [] : [{ pk: k.pk, sk: k.sk, status }];
        }),
      },
      UnprocessedKeys: held.length === 0 ? {} : { [OUTBOX_TABLE]: { Keys: held } },
    };
  });
}

/**
 * Applies an UpdateItem's `SET a = :x, … REMOVE b, …` (names and values substituted) to an
 * item, so tests assert the resulting record rather than the expression's spelling.
 */
function applyUpdate(
  item: Record<string, unknown>,
  input: UpdateCommandInput,
): Record<string, unknown> {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const name = (token: string) => names[token.trim()] ?? token.trim();
  const match = /^SET (.+?)(?: REMOVE (.+))?$/.exec(input.UpdateExpression ?? '');
  if (match === null) throw new Error(`unexpected update: ${input.UpdateExpression}`);
  const result = { ...item };
  for (const assignment of (match[1] ?? '').split(',')) {
    const [left = '', right = ''] = assignment.split('=');
    const value = values[right.trim()];
    if (value === undefined) throw new Error(`no value for ${right}`);
    result[name(left)] = value;
  }
  for (const removed of match[2]?.split(',') ?? []) delete result[name(removed)];
  return result;
}

/** The condition with names and values substituted, e.g. `status = "PENDING"`. */
function resolvedCondition(input: UpdateCommandInput): string {
  return (input.ConditionExpression ?? '').replace(/[#:][A-Za-z0-9_]+/g, (token) =>
    token.startsWith('#')
      ? (input.ExpressionAttributeNames?.[token] ?? token)
      : JSON.stringify(input.ExpressionAttributeValues?.[token]),
  );
}

function sentUpdate(): UpdateCommandInput {
  const calls = ddbMock.commandCalls(UpdateCommand);
  expect(calls).toHaveLength(1);
  const call = calls[0];
  if (call === undefined) throw new Error('no UpdateCommand was sent');
  return call.args[0].input;
}

describe('OutboxStore', () => {
  describe('constructor', () => {
    it.each([0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY])(
      'fails if retentionDays is %s',
      (retentionDays) => {
        expect(() => aStore({ retentionDays })).toThrow(OutboxError);
      },
    );

    it('accepts a retention of 1 day', () => {
      expect(() => aStore({ retentionDays: 1 })).not.toThrow();
    });
  });

  describe('readStates', () => {
    it('reads with a consistent BatchGet on the outbox table, projecting key and status', async () => {
      answerFrom(new Map());
      const { store } = aStore();

      await store.readStates([recordKey('Order#1', 1)]);

      expect(ddbMock).toHaveReceivedCommandWith(BatchGetCommand, {
        RequestItems: {
          [OUTBOX_TABLE]: expect.objectContaining({
            Keys: [{ pk: 'Order#1', sk: formatSeq(1) }],
            ConsistentRead: true,
          }),
        },
      });
      const request =
        ddbMock.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[OUTBOX_TABLE];
      const projected = (request?.ProjectionExpression ?? '')
        .split(',')
        .map((token) => request?.ExpressionAttributeNames?.[token.trim()] ?? token.trim());
      expect(projected.sort()).toEqual(['pk', 'sk', 'status']);
    });

    it('returns each status by key string, and ABSENT for a key with no item', async () => {
      const delivered = recordKey('Order#1', 1);
      const pending = recordKey('Order#1', 2);
      const failed = recordKey('Order#2', 5);
      const gone = recordKey('Order#1', 3);
      answerFrom(
        new Map([
          [keyString(delivered), 'DELIVERED'],
          [keyString(pending), 'PENDING'],
          [keyString(failed), 'FAILED'],
        ]),
      );
      const { store } = aStore();

      const states = await store.readStates([delivered, pending, failed, gone]);

      expect(states).toEqual(
        new Map([
          [keyString(delivered), 'DELIVERED'],
          [keyString(pending), 'PENDING'],
          [keyString(failed), 'FAILED'],
          [keyString(gone), 'ABSENT'],
        ]),
      );
    });

    it('reads a record and its predecessor by their keys', async () => {
      const record = anOutboxRecord({ aggregate: 'Order#1', seq: 4, prevSeq: 3 });
      answerFrom(new Map([[keyString(record), 'PENDING']]));
      const { store } = aStore();

      const states = await store.readStates([record, recordKey('Order#1', 3)]);

      expect(batchGetKeys()).toEqual([[keyOf(record), recordKey('Order#1', 3)]]);
      expect(states.get(keyString(record))).toBe('PENDING');
      expect(states.get(keyString(recordKey('Order#1', 3)))).toBe('ABSENT');
    });

    it('splits 250 keys into BatchGets of 100, 100 and 50', async () => {
      answerFrom(new Map());
      const { store } = aStore();

      const states = await store.readStates(keys(250));

      expect(batchGetKeys().map((k) => k.length)).toEqual([100, 100, 50]);
      expect(ddbMock).toHaveReceivedCommandTimes(BatchGetCommand, 3);
      expect(states.size).toBe(250);
    });

    it('asks for each key once, however often it is given', async () => {
      answerFrom(new Map([[keyString(recordKey('Order#1', 1)), 'DELIVERED']]));
      const { store } = aStore();

      const states = await store.readStates([
        recordKey('Order#1', 1),
        recordKey('Order#1', 2),
        { pk: 'Order#1', sk: formatSeq(1) },
        recordKey('Order#1', 2),
      ]);

      expect(batchGetKeys()).toEqual([[recordKey('Order#1', 1), recordKey('Order#1', 2)]]);
      expect(states.size).toBe(2);
    });

    it('makes no call for no keys', async () => {
      const { store } = aStore();

      const states = await store.readStates([]);

      expect(states.size).toBe(0);
      expect(ddbMock).toHaveReceivedCommandTimes(BatchGetCommand, 0);
    });

    it('retries UnprocessedKeys after a backoff, asking only for them', async () => {
      const slow = recordKey('Order#1', 2);
      answerFrom(
        new Map([
          [keyString(recordKey('Order#1', 1)), 'DELIVERED'],
          [keyString(slow), 'PENDING'],
        ]),
        (key, call) => call < 2 && keyString(key) === keyString(slow),
      );
      const { store, sleeps } = aStore();

      const states = await store.readStates(keys(3));

      expect(batchGetKeys()).toEqual([keys(3), [slow], [slow]]);
      expect(states.get(keyString(slow))).toBe('PENDING');
      expect(states.get(keyString(recordKey('Order#1', 1)))).toBe('DELIVERED');
      expect(sleeps).toHaveLength(2);
      expect(sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(sleeps[0]).toBeLessThanOrEqual(50);
      expect(sleeps[1]).toBeLessThanOrEqual(100);
    });

    it('fails with an OutboxError when DynamoDB keeps returning unprocessed keys', async () => {
      answerFrom(new Map(), () => true);
      const { store, sleeps } = aStore();

      await expect(store.readStates(keys(2))).rejects.toThrow(OutboxError);

      expect(ddbMock).toHaveReceivedCommandTimes(BatchGetCommand, 8);
      expect(sleeps).toHaveLength(7);
    });

    it('fails if a BatchGet fails', async () => {
      ddbMock.on(BatchGetCommand).rejects(new Error('network down'));
      const { store } = aStore();

      await expect(store.readStates(keys(1))).rejects.toThrow('network down');
    });
  });

  describe('markDelivered', () => {
    const pendingItem = () => ({ ...anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 2 }) });

    it('updates the record to DELIVERED with deliveredAt and a TTL, and takes it off the pending index', async () => {
      ddbMock.on(UpdateCommand).resolves({});
      const item = pendingItem();
      expect(item.pendingShard).toEqual(expect.any(Number));
      const { store } = aStore();

      const outcome = await store.markDelivered(item);

      const update = sentUpdate();
      expect(outcome).toBe('marked');
      expect(update.TableName).toBe(OUTBOX_TABLE);
      expect(update.Key).toEqual({ pk: 'Order#1', sk: formatSeq(3) });
      const { pendingShard: _, ...rest } = item;
      expect(applyUpdate(item, update)).toEqual({
        ...rest,
        status: 'DELIVERED',
        deliveredAt: FIXED_NOW_ISO,
        expiresAt: FIXED_NOW_EPOCH_SECONDS + 7 * DAY_SECONDS,
      });
    });

    it('is conditional on the record still being PENDING', async () => {
      ddbMock.on(UpdateCommand).resolves({});
      const { store } = aStore();

      await store.markDelivered(recordKey('Order#1', 3));

      expect(resolvedCondition(sentUpdate())).toBe('status = "PENDING"');
    });

    it.each([1, 7, 30])(
      'sets expiresAt to now + %i days, in epoch seconds',
      async (retentionDays) => {
        ddbMock.on(UpdateCommand).resolves({});
        const { store } = aStore({ retentionDays });

        await store.markDelivered(recordKey('Order#1', 3));

        const expiresAt = applyUpdate({}, sentUpdate()).expiresAt;
        expect(expiresAt).toBe(FIXED_NOW_EPOCH_SECONDS + retentionDays * DAY_SECONDS);
        expect(Number.isInteger(expiresAt)).toBe(true);
      },
    );

    it('returns already-done when the record is no longer PENDING', async () => {
      ddbMock.on(UpdateCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        }),
      );
      const { store } = aStore();

      await expect(store.markDelivered(recordKey('Order#1', 3))).resolves.toBe('already-done');
    });

    it('fails if the update fails for another reason', async () => {
      const error = Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
      });
      ddbMock.on(UpdateCommand).rejects(error);
      const { store } = aStore();

      await expect(store.markDelivered(recordKey('Order#1', 3))).rejects.toBe(error);
    });
  });

  describe('markFailed', () => {
    it('updates the record to FAILED with failedAt and the failure, without a TTL, and takes it off the pending index', async () => {
      ddbMock.on(UpdateCommand).resolves({});
      const item = { ...anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 2 }) };
      const { store } = aStore();

      const outcome = await store.markFailed(item, 'InvalidArgument: bad detail');

      const update = sentUpdate();
      expect(outcome).toBe('marked');
      expect(update.Key).toEqual({ pk: 'Order#1', sk: formatSeq(3) });
      const { pendingShard: _, ...rest } = item;
      const updated = applyUpdate(item, update);
      expect(updated).toEqual({
        ...rest,
        status: 'FAILED',
        failedAt: FIXED_NOW_ISO,
        failure: 'InvalidArgument: bad detail',
      });
      expect(updated).not.toHaveProperty('expiresAt');
      expect(resolvedCondition(update)).toBe('status = "PENDING"');
    });

    it('returns already-done when the record is no longer PENDING', async () => {
      ddbMock
        .on(UpdateCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      const { store } = aStore();

      await expect(store.markFailed(recordKey('Order#1', 3), 'x')).resolves.toBe('already-done');
    });

    it('fails if the update fails for another reason', async () => {
      ddbMock.on(UpdateCommand).rejects(new Error('boom'));
      const { store } = aStore();

      await expect(store.markFailed(recordKey('Order#1', 3), 'x')).rejects.toThrow('boom');
    });
  });
});
