import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoValueProblem } from '../../../lambdas/outbox/dynamo-value.js';
import { OutboxValidationError } from '../../../lambdas/outbox/errors.js';
import { aCreateInput, anUpdateInput, aWriter } from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('dynamoValueProblem', () => {
  it.each([
    ['strings, numbers, booleans, null', { a: 'x', b: 1.5, c: true, d: null }],
    ['bigints and binaries', { a: 10n ** 30n, b: new Uint8Array([1, 2]) }],
    ['sets of one kind', { a: new Set(['x', 'y']), b: new Set([1, 2]) }],
    [
      'nested lists and maps up to 32 levels',
      { a: JSON.parse(`${'['.repeat(31)}1${']'.repeat(31)}`) },
    ],
  ])('accepts %s', (_, value) => {
    expect(dynamoValueProblem(value)).toBeUndefined();
  });

  it.each([
    ['a Date', { at: new Date() }, ['at'], 'is an instance of Date'],
    ['undefined', { a: [1, undefined] }, ['a', 1], 'is undefined'],
    ['NaN', { a: { b: Number.NaN } }, ['a', 'b'], 'is NaN'],
    ['an empty set', { s: new Set() }, ['s'], 'is an empty set'],
    ['a mixed set', { s: new Set(['a', 1]) }, ['s'], 'only strings'],
    ['a function', { f: () => 1 }, ['f'], 'is a function'],
    ['a lone surrogate', { s: 'a\ud800' }, ['s'], 'lone UTF-16 surrogate'],
    [
      'nesting deeper than 32 levels',
      { a: JSON.parse(`${'['.repeat(33)}1${']'.repeat(33)}`) },
      undefined,
      'deeper than 32',
    ],
  ])('rejects %s, with its path', (_, value, path, message) => {
    const problem = dynamoValueProblem(value);

    if (path !== undefined) expect(problem?.path).toEqual(path);
    expect(problem?.message).toContain(message);
  });
});

describe('the writer, before any call', () => {
  it('fails if an entity attribute is a Date, naming it', async () => {
    const input = aCreateInput({ entity: { item: { placedAt: new Date() } } });

    await expect(aWriter().write(input)).rejects.toThrow(OutboxValidationError);
    await expect(aWriter().write(input)).rejects.toThrow('entity.item.placedAt');
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });

  it('fails if an updated attribute is undefined, suggesting remove', async () => {
    const input = anUpdateInput({ entity: { set: { note: undefined } } });

    await expect(aWriter().write(input)).rejects.toThrow(
      'entity.set.note: is undefined; omit it, or list it in remove',
    );
  });

  it('fails if the idempotent response is not JSON', async () => {
    const input = aCreateInput({
      idempotency: { key: 'k', request: {}, response: { total: Number.NaN } },
    });

    await expect(aWriter().write(input)).rejects.toThrow('idempotency.response.total');
  });

  it('stores the idempotent response as JSON would carry it', async () => {
    await aWriter().write(
      aCreateInput({
        idempotency: { key: 'k', request: {}, response: { total: -0, gone: undefined } },
      }),
    );

    const stored =
      ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[2]?.Put?.Item;
    expect(stored?.response).toStrictEqual({ total: 0 });
  });
});
