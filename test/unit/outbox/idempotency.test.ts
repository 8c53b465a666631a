import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  IdempotencyKeyReusedError,
  OutboxValidationError,
} from '../../../lambdas/outbox/errors.js';
import {
  buildIdempotencyRecord,
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  idempotencyPk,
  isLive,
  requestHash,
} from '../../../lambdas/outbox/idempotency.js';
import {
  aWriter,
  FIXED_NOW,
  FIXED_NOW_EPOCH_SECONDS,
  FIXED_NOW_ISO,
  OUTBOX_TABLE,
} from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddbMock.reset();
});

const request = { method: 'POST', path: '/orders', body: { total: 1200, currency: 'EUR' } };
const response = { statusCode: 201, body: { orderId: 'o-1' } };

function storedItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pk: 'IDEMPOTENCY#key-1',
    sk: 'IDEMPOTENCY',
    recordType: 'IDEMPOTENCY',
    requestHash: requestHash(request),
    response,
    createdAt: FIXED_NOW_ISO,
    expiresAt: FIXED_NOW_EPOCH_SECONDS + 60,
    ...overrides,
  };
}

describe('OutboxWriter.findIdempotentResponse', () => {
  it('returns undefined for an unused key', async () => {
    ddbMock.on(GetCommand).resolves({});

    const found = await aWriter().findIdempotentResponse({ key: 'key-1', request });

    expect(found).toBeUndefined();
  });

  it('reads the idempotency record with a consistent read', async () => {
    ddbMock.on(GetCommand).resolves({});

    await aWriter().findIdempotentResponse({ key: 'key-1', request });

    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: OUTBOX_TABLE,
      Key: { pk: 'IDEMPOTENCY#key-1', sk: 'IDEMPOTENCY' },
      ConsistentRead: true,
    });
  });

  it('reads the scoped record when a scope is given', async () => {
    ddbMock.on(GetCommand).resolves({});

    await aWriter().findIdempotentResponse({ key: 'key-1', request, scope: 'alice' });

    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'IDEMPOTENCY#5:alice#key-1', sk: 'IDEMPOTENCY' },
    });
  });

  it.each([
    ['the key is empty', { key: '' }, 'key: must be 1..255 visible ASCII characters'],
    ['the key has a space', { key: 'a b' }, 'key: must be 1..255 visible ASCII characters'],
    ['the key is too long', { key: 'k'.repeat(256) }, 'key: must be 1..255 visible ASCII'],
    ['the scope is empty', { key: 'key-1', scope: '' }, 'scope: must not be empty'],
  ])('fails if %s, like a write would, and reads nothing', async (_why, input, message) => {
    const lookup = aWriter().findIdempotentResponse({ request, ...input });

    await expect(lookup).rejects.toThrow(OutboxValidationError);
    await expect(aWriter().findIdempotentResponse({ request, ...input })).rejects.toThrow(message);
    expect(ddbMock).not.toHaveReceivedCommand(GetCommand);
  });

  it('returns the stored response for a live record of the same request', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedItem() });

    const found = await aWriter().findIdempotentResponse({ key: 'key-1', request });

    expect(found).toStrictEqual({ response });
  });

  it('treats a request whose properties are in another order as the same request', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedItem() });
    const reordered = { body: { currency: 'EUR', total: 1200 }, path: '/orders', method: 'POST' };

    const found = await aWriter().findIdempotentResponse({ key: 'key-1', request: reordered });

    expect(found).toStrictEqual({ response });
  });

  it('throws IdempotencyKeyReusedError for a live record of a different request', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedItem() });
    const other = { ...request, body: { total: 999, currency: 'EUR' } };

    const error = await aWriter()
      .findIdempotentResponse({ key: 'key-1', request: other })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({
      name: 'IdempotencyKeyReusedError',
      idempotencyKey: 'key-1',
      message: "idempotency key 'key-1' was already used for a different request",
    });
  });

  it.each<[string, unknown]>([
    ['expired a second ago', FIXED_NOW_EPOCH_SECONDS - 1],
    ['expiring at this very second', FIXED_NOW_EPOCH_SECONDS],
    ['without a numeric expiresAt', String(FIXED_NOW_EPOCH_SECONDS + 60)],
  ])('returns undefined for a record %s, even of a different request', async (_why, expiresAt) => {
    ddbMock.on(GetCommand).resolves({ Item: storedItem({ expiresAt, requestHash: 'other' }) });

    const found = await aWriter().findIdempotentResponse({ key: 'key-1', request });

    expect(found).toBeUndefined();
  });

  it('replays a stored response of undefined as undefined', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedItem({ response: undefined }) });

    const found = await aWriter().findIdempotentResponse({ key: 'key-1', request });

    expect(found).toStrictEqual({ response: undefined });
  });
});

describe('requestHash', () => {
  it('is the SHA-256 of the JSON with sorted keys', () => {
    const expected = createHash('sha256').update('{"a":{"c":3,"d":4},"b":[2,1]}').digest('hex');

    expect(requestHash({ b: [2, 1], a: { d: 4, c: 3 } })).toBe(expected);
  });

  it('differs when a value or the order of an array differs', () => {
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: '1' }));
  });

  it('hashes undefined and cyclic requests without throwing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;

    expect(requestHash(undefined)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash(cyclic)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('idempotencyPk', () => {
  it('prefixes the key', () => {
    expect(idempotencyPk('key-1')).toBe('IDEMPOTENCY#key-1');
  });

  it('length-prefixes the scope so that no scope/key pair can imitate another', () => {
    expect(idempotencyPk('key-1', 'alice')).toBe('IDEMPOTENCY#5:alice#key-1');
    expect(idempotencyPk('b#c', 'a')).not.toBe(idempotencyPk('c', 'a#b'));
  });
});

describe('buildIdempotencyRecord', () => {
  it('stores the hash, the response, createdAt and a TTL in epoch seconds', () => {
    const record = buildIdempotencyRecord(
      { key: 'key-1', request, response, scope: 'alice' },
      new Date('2026-11-25T10:00:00.999Z'),
      DEFAULT_IDEMPOTENCY_TTL_SECONDS,
    );

    expect(record).toStrictEqual({
      pk: 'IDEMPOTENCY#5:alice#key-1',
      sk: 'IDEMPOTENCY',
      recordType: 'IDEMPOTENCY',
      requestHash: requestHash(request),
      response,
      createdAt: '2026-11-25T10:00:00.999Z',
      expiresAt: FIXED_NOW_EPOCH_SECONDS + 86_400,
    });
  });
});

describe('isLive', () => {
  it('is true only while expiresAt is after the current second', () => {
    expect(isLive({ expiresAt: FIXED_NOW_EPOCH_SECONDS + 1 }, FIXED_NOW)).toBe(true);
    expect(isLive({ expiresAt: FIXED_NOW_EPOCH_SECONDS }, FIXED_NOW)).toBe(false);
    expect(isLive({ expiresAt: FIXED_NOW_EPOCH_SECONDS - 1 }, FIXED_NOW)).toBe(false);
  });

  it('is false without a numeric expiresAt', () => {
    expect(isLive({}, FIXED_NOW)).toBe(false);
    expect(isLive({ expiresAt: `${FIXED_NOW_EPOCH_SECONDS + 1}` }, FIXED_NOW)).toBe(false);
  });
});
