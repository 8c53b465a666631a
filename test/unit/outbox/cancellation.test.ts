import {
  InternalServerError,
  ResourceNotFoundException,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TransactionItemRole } from '../../../lambdas/outbox/cancellation.js';
import { replayOrThrow } from '../../../lambdas/outbox/cancellation.js';
import {
  AdditionalItemConditionError,
  AggregateAlreadyExistsError,
  AggregateNotFoundError,
  IdempotencyKeyReusedError,
  OutboxError,
  SequenceConflictError,
  VersionConflictError,
  WriteContentionError,
} from '../../../lambdas/outbox/errors.js';
import { buildIdempotencyRecord } from '../../../lambdas/outbox/idempotency.js';
import type { OutboxWriteInput } from '../../../lambdas/outbox/write-input.js';
import {
  aCreateInput,
  anUpdateInput,
  aWriter,
  CONFLICT,
  cancellation,
  conditionFailed,
  FIXED_NOW,
  FIXED_NOW_EPOCH_SECONDS,
  NONE,
  ORDER_ID,
  ORDERS_TABLE,
  type ReasonInput,
  wire,
} from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ORDER_KEY = `Order#${ORDER_ID}`;

beforeEach(() => {
  ddbMock.reset();
});

/** Makes the transaction fail with the given error and returns what `write` rejects with. */
async function failureOf(input: OutboxWriteInput, error: unknown): Promise<unknown> {
  ddbMock.on(TransactWriteCommand).rejects(error as Error);
  return aWriter()
    .write(input)
    .then(
      (result) => new Error(`expected a rejection, got ${JSON.stringify(result)}`),
      (e: unknown) => e,
    );
}

/** Asserts the common contract of a mapped error: its class, its name, and the cause. */
function expectMapped<T extends Error>(
  error: unknown,
  type: new (...args: never[]) => T,
  name: string,
  cause: unknown,
): T {
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(OutboxError);
  if (!(error instanceof type)) throw error;
  expect(error.name).toBe(name);
  expect(error.cause).toBe(cause);
  return error;
}

const idempotency = {
  key: 'key-1',
  request: { method: 'POST', body: { total: 1200 } },
  response: { statusCode: 201, body: { orderId: ORDER_ID } },
};

/** The idempotency record a previous, equal request stored. */
const storedRecord = (request: unknown = idempotency.request, now: Date = FIXED_NOW) => ({
  ...buildIdempotencyRecord({ ...idempotency, request }, now, 86_400),
});

describe('a cancelled create', () => {
  it('maps a failed entity condition to AggregateAlreadyExistsError without reading the entity', async () => {
    const cause = cancellation([conditionFailed(wire({ id: ORDER_ID, version: 4 })), NONE]);

    const error = await failureOf(aCreateInput(), cause);

    const mapped = expectMapped(
      error,
      AggregateAlreadyExistsError,
      'AggregateAlreadyExistsError',
      cause,
    );
    expect(mapped.aggregateKey).toBe(ORDER_KEY);
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('a cancelled update', () => {
  it.each<[string, ReasonInput]>([
    ['in DynamoDB wire format', conditionFailed(wire({ id: ORDER_ID, version: 7, status: 'X' }))],
    ['in plain form', conditionFailed({ id: ORDER_ID, version: 7, status: 'X' })],
  ])(
    'maps a failed version condition with the item %s to VersionConflictError',
    async (_form, reason) => {
      const cause = cancellation([reason, NONE]);

      const error = await failureOf(anUpdateInput({ entity: { expectedVersion: 3 } }), cause);

      const mapped = expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
      expect(mapped).toMatchObject({
        aggregateKey: ORDER_KEY,
        expectedVersion: 3,
        actualVersion: 7,
      });
      expect(mapped.message).toBe(`version conflict on ${ORDER_KEY}: expected version 3, found 7`);
      expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 0);
    },
  );

  it('maps a failed condition at the expected version to SequenceConflictError: the lastEventSeq was stale', async () => {
    const cause = cancellation([
      conditionFailed(wire({ id: ORDER_ID, version: 3, lastEventSeq: 9 })),
      NONE,
    ]);

    const error = await failureOf(
      anUpdateInput({ entity: { expectedVersion: 3, lastEventSeq: 5 } }),
      cause,
    );

    const mapped = expectMapped(error, SequenceConflictError, 'SequenceConflictError', cause);
    expect(mapped.message).toBe(
      `sequence conflict on ${ORDER_KEY}: the write assumed lastEventSeq 5, but the entity holds 9; pass the lastEventSeq read with the entity`,
    );
  });

  it('reads the entity consistently when the cancellation has no item, and maps "absent" to AggregateNotFoundError', async () => {
    ddbMock.on(GetCommand).resolves({});
    const cause = cancellation([conditionFailed(), NONE]);

    const error = await failureOf(anUpdateInput(), cause);

    const mapped = expectMapped(error, AggregateNotFoundError, 'AggregateNotFoundError', cause);
    expect(mapped.aggregateKey).toBe(ORDER_KEY);
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: ORDERS_TABLE,
      Key: { id: ORDER_ID },
      ConsistentRead: true,
    });
  });

  it('reads the entity when the cancellation has no item, and maps "present" to VersionConflictError', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { id: ORDER_ID, version: 5 } });
    const cause = cancellation([conditionFailed(), NONE]);

    const error = await failureOf(anUpdateInput({ entity: { expectedVersion: 3 } }), cause);

    const mapped = expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
    expect(mapped).toMatchObject({ expectedVersion: 3, actualVersion: 5 });
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('reports version 0 for an entity without a version attribute (it predates the outbox)', async () => {
    const cause = cancellation([conditionFailed(wire({ id: ORDER_ID })), NONE]);

    const error = await failureOf(anUpdateInput(), cause);

    const mapped = expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
    expect(mapped.actualVersion).toBe(0);
    expect(mapped.message).toBe(`version conflict on ${ORDER_KEY}: expected version 3, found 0`);
  });

  it('reports no actual version when the entity has a version that is not a number', async () => {
    const cause = cancellation([conditionFailed(wire({ id: ORDER_ID, version: 'v3' })), NONE]);

    const error = await failureOf(anUpdateInput(), cause);

    const mapped = expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
    expect(mapped.actualVersion).toBeUndefined();
    expect(mapped.message).toBe(
      `version conflict on ${ORDER_KEY}: expected version 3, found another version`,
    );
  });

  it('reads the version from the configured attribute', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancellation([conditionFailed(wire({ id: ORDER_ID, version: 99, rev: 8 })), NONE]));
    const writer = aWriter({ versionAttribute: 'rev' });

    const error = await writer.write(anUpdateInput()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ actualVersion: 8 });
  });
});

describe('a cancelled outbox Put', () => {
  it('maps a failed outbox condition to SequenceConflictError at the record sequence', async () => {
    const cause = cancellation([NONE, conditionFailed()]);

    const error = await failureOf(anUpdateInput({ entity: { lastEventSeq: 5 } }), cause);

    const mapped = expectMapped(error, SequenceConflictError, 'SequenceConflictError', cause);
    expect(mapped).toMatchObject({ aggregateKey: ORDER_KEY, sequence: 6 });
  });

  it('prefers the entity verdict when the entity and the outbox both failed', async () => {
    const cause = cancellation([conditionFailed(wire({ version: 9 })), conditionFailed()]);

    const error = await failureOf(anUpdateInput(), cause);

    expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
  });
});

describe('a cancelled idempotent write', () => {
  it.each<[string, (item: Record<string, unknown>) => Record<string, unknown>]>([
    ['in DynamoDB wire format', wire],
    ['in plain form', (item) => item],
  ])(
    'replays the stored response when the same request committed before (item %s)',
    async (_form, form) => {
      ddbMock
        .on(TransactWriteCommand)
        .rejects(cancellation([NONE, NONE, conditionFailed(form(storedRecord()))]));

      const result = await aWriter().write(anUpdateInput({ idempotency }));

      expect(result).toStrictEqual({ outcome: 'replayed', response: idempotency.response });
    },
  );

  it('replays when the request differs only in property order', async () => {
    const reordered = { body: { total: 1200 }, method: 'POST' };
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancellation([NONE, NONE, conditionFailed(wire(storedRecord(reordered)))]));

    const result = await aWriter().write(anUpdateInput({ idempotency }));

    expect(result).toStrictEqual({ outcome: 'replayed', response: idempotency.response });
  });

  it('lets the idempotency verdict win over a failed entity condition', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancellation([
          conditionFailed(wire({ id: ORDER_ID, version: 4 })),
          NONE,
          conditionFailed(wire(storedRecord())),
        ]),
      );

    const result = await aWriter().write(anUpdateInput({ idempotency }));

    expect(result).toStrictEqual({ outcome: 'replayed', response: idempotency.response });
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('maps a key used for a different request to IdempotencyKeyReusedError', async () => {
    const cause = cancellation([
      conditionFailed(wire({ id: ORDER_ID, version: 4 })),
      NONE,
      conditionFailed(wire(storedRecord({ method: 'POST', body: { total: 999 } }))),
    ]);

    const error = await failureOf(anUpdateInput({ idempotency }), cause);

    const mapped = expectMapped(
      error,
      IdempotencyKeyReusedError,
      'IdempotencyKeyReusedError',
      cause,
    );
    expect(mapped.idempotencyKey).toBe('key-1');
  });

  it('ignores an expired stored record and maps the remaining failure', async () => {
    const expired = storedRecord(idempotency.request, new Date('2026-11-20T00:00:00.000Z'));
    expect(expired.expiresAt).toBeLessThan(FIXED_NOW_EPOCH_SECONDS);
    const cause = cancellation([
      conditionFailed(wire({ id: ORDER_ID, version: 4 })),
      NONE,
      conditionFailed(wire(expired)),
    ]);

    const error = await failureOf(anUpdateInput({ idempotency }), cause);

    expectMapped(error, VersionConflictError, 'VersionConflictError', cause);
  });
});

describe('a cancelled additional item', () => {
  const additionalItems = [
    {
      ConditionCheck: {
        TableName: 'customers',
        Key: { id: 'c-1' },
        ConditionExpression: 'attribute_exists(id)',
      },
    },
    {
      Put: {
        TableName: 'inbox',
        Item: { pk: 'm-1' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];

  it.each<[string, (item: Record<string, unknown>) => Record<string, unknown>]>([
    ['in DynamoDB wire format', wire],
    ['in plain form', (item) => item],
  ])(
    'maps its failed condition to AdditionalItemConditionError with its index (item %s)',
    async (_form, form) => {
      const cause = cancellation([
        NONE,
        NONE,
        NONE,
        conditionFailed(form({ pk: 'm-1', seen: true })),
      ]);

      const error = await failureOf(aCreateInput({ additionalItems }), cause);

      const mapped = expectMapped(
        error,
        AdditionalItemConditionError,
        'AdditionalItemConditionError',
        cause,
      );
      expect(mapped.itemIndex).toBe(1);
      expect(mapped.existingItem).toStrictEqual({ pk: 'm-1', seen: true });
    },
  );

  it('indexes additional items after the idempotency item from 0', async () => {
    const cause = cancellation([NONE, NONE, NONE, conditionFailed()]);

    const error = await failureOf(aCreateInput({ idempotency, additionalItems }), cause);

    const mapped = expectMapped(
      error,
      AdditionalItemConditionError,
      'AdditionalItemConditionError',
      cause,
    );
    expect(mapped.itemIndex).toBe(0);
    expect(mapped.existingItem).toBeUndefined();
  });
});

describe('a cancellation without a failed condition', () => {
  it.each<[string, ReasonInput[]]>([
    ['a transaction conflict', [CONFLICT, NONE]],
    ['throttling', [NONE, { Code: 'ThrottlingError' }]],
    ['exceeded provisioned throughput', [{ Code: 'ProvisionedThroughputExceeded' }, NONE]],
    ['an exceeded request limit', [{ Code: 'RequestLimitExceeded' }, CONFLICT]],
    ['a conflict with a reason without code', [CONFLICT, {}]],
  ])('maps %s to WriteContentionError', async (_why, reasons) => {
    const cause = cancellation(reasons);

    const error = await failureOf(aCreateInput(), cause);

    const mapped = expectMapped(error, WriteContentionError, 'WriteContentionError', cause);
    expect(mapped.message).toBe(
      `transaction on ${ORDER_KEY} kept conflicting with concurrent writes or throttling after retries`,
    );
  });

  it('maps an unknown reason to a plain OutboxError that keeps the original as cause', async () => {
    const cause = cancellation([NONE, { Code: 'ValidationError', Message: 'Item too large' }]);

    const error = await failureOf(aCreateInput(), cause);

    const mapped = expectMapped(error, OutboxError, 'OutboxError', cause);
    expect(Object.getPrototypeOf(mapped)).toBe(OutboxError.prototype);
    expect(mapped.message).toBe(
      `transaction on ${ORDER_KEY} was cancelled: [None, ValidationError]`,
    );
  });

  it('does not take a condition failure mixed with a conflict for contention', async () => {
    const cause = cancellation([CONFLICT, conditionFailed()]);

    const error = await failureOf(anUpdateInput(), cause);

    expectMapped(error, SequenceConflictError, 'SequenceConflictError', cause);
  });

  it('maps reasons that are all None to a plain OutboxError, not to contention', async () => {
    const cause = cancellation([NONE, NONE]);

    const error = await failureOf(aCreateInput(), cause);

    expect(Object.getPrototypeOf(error)).toBe(OutboxError.prototype);
    expect(error).toMatchObject({
      message: `transaction on ${ORDER_KEY} was cancelled: [None, None]`,
    });
  });
});

describe('an error that is not a cancellation', () => {
  it.each<[string, () => Error]>([
    ['a plain Error', () => new Error('socket hang up')],
    ['an InternalServerError', () => new InternalServerError({ message: 'boom', $metadata: {} })],
    [
      'a ResourceNotFoundException',
      () => new ResourceNotFoundException({ message: 'no table', $metadata: {} }),
    ],
  ])('rethrows %s unchanged (the same object)', async (_kind, make) => {
    const original = make();
    ddbMock.on(TransactWriteCommand).rejects(original);

    await expect(aWriter().write(aCreateInput())).rejects.toBe(original);
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('replayOrThrow', () => {
  const roles: TransactionItemRole[] = [
    { role: 'entity', change: 'update', expectedVersion: 2 },
    { role: 'outbox', sequence: 3 },
  ];
  const context = {
    aggregateKey: ORDER_KEY,
    versionAttribute: 'version',
    lastEventSeqAttribute: 'lastEventSeq',
    now: FIXED_NOW,
    loadEntity: async () => undefined,
  };

  it('throws a thrown non-Error value wrapped in an OutboxError', async () => {
    const outcome = replayOrThrow('boom', roles, context);

    await expect(outcome).rejects.toBeInstanceOf(OutboxError);
    await expect(outcome).rejects.toMatchObject({ message: 'boom', cause: 'boom' });
  });

  it('throws a plain OutboxError for a cancellation without reasons', async () => {
    const cause: TransactionCanceledException = cancellation([]);
    delete cause.CancellationReasons;

    const error = await replayOrThrow(cause, roles, context).catch((e: unknown) => e);

    expect(Object.getPrototypeOf(error)).toBe(OutboxError.prototype);
    expect(error).toMatchObject({ message: `transaction on ${ORDER_KEY} was cancelled: []` });
  });

  it('returns a replay, not an error, for a live equal idempotent request', async () => {
    const record = storedRecord();
    const outcome = await replayOrThrow(
      cancellation([NONE, NONE, conditionFailed(wire(record))]),
      [...roles, { role: 'idempotency', key: 'key-1', requestHash: record.requestHash }],
      context,
    );

    expect(outcome).toStrictEqual({ replayed: true, response: idempotency.response });
  });
});
