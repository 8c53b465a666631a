import { describe, expect, it } from 'vitest';
import { putEventsEntrySize } from '../../../lambdas/outbox/index.js';
import { dynamoItemSize } from '../../../lambdas/outbox/item-size.js';
import type { SizedEntry } from '../../../lambdas/outbox/put-events-entry.js';

describe('putEventsEntrySize', () => {
  const time = new Date('2026-11-25T10:00:00.000Z');

  it('follows the documented example: 14 bytes for Time plus Source, DetailType and Detail', () => {
    expect(
      putEventsEntrySize({
        Time: time,
        Source: 'orders',
        DetailType: 'OrderCreated',
        Detail: '{}',
      }),
    ).toBe(14 + 6 + 12 + 2);
  });

  it('counts nothing for an absent Time', () => {
    expect(putEventsEntrySize({ Source: 'orders', DetailType: 'OrderCreated', Detail: '{}' })).toBe(
      20,
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    // é is 2 bytes, € 3 bytes, 😀 4 bytes (a surrogate pair: 2 UTF-16 units).
    expect(putEventsEntrySize({ Source: 'é', DetailType: '€', Detail: '"😀"' })).toBe(2 + 3 + 6);
  });

  it('adds the bytes of every resource', () => {
    const resources = ['arn:aws:s3:::a', 'arn:aws:s3:::bc'];

    expect(putEventsEntrySize({ Time: time, Resources: resources })).toBe(14 + 14 + 15);
  });

  it('ignores fields that do not count, such as EventBusName and TraceHeader', () => {
    const entry = {
      Time: time,
      Source: 's',
      DetailType: 'd',
      Detail: '{}',
      EventBusName: 'orders-bus',
      TraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793',
    };
    const sized: SizedEntry = entry;

    expect(putEventsEntrySize(sized)).toBe(14 + 1 + 1 + 2);
  });

  it('is 0 for an empty entry', () => {
    expect(putEventsEntrySize({})).toBe(0);
  });
});

describe('dynamoItemSize', () => {
  it('follows the documented example', () => {
    expect(dynamoItemSize({ pk: 'Order#1', n: 12345 })).toBe(2 + 7 + 1 + 4);
  });

  it('counts attribute names and strings in UTF-8 bytes', () => {
    expect(dynamoItemSize({ é: '€😀' })).toBe(2 + 3 + 4);
    expect(dynamoItemSize({ s: '' })).toBe(1);
  });

  it.each<[number, number]>([
    [0, 2],
    [7, 2],
    [12, 2],
    [123, 3],
    [1234, 3],
    [12345, 4],
    [-12345, 4],
    [1.5, 2],
    [123.456, 4],
    [1000000, 2],
    [1200, 2],
    [0.001, 2],
    [0.00123, 3],
    [1e21, 2],
    [1.5e-7, 2],
  ])('counts the number %d as %d bytes (1 per 2 significant digits, plus 1)', (n, size) => {
    expect(dynamoItemSize({ n })).toBe(1 + size);
  });

  it('counts a bigint by its digits', () => {
    expect(dynamoItemSize({ n: 12345678901234567890n })).toBe(1 + 11);
  });

  it('counts booleans and null as one byte', () => {
    expect(dynamoItemSize({ t: true, f: false, z: null })).toBe(3 * (1 + 1));
  });

  it('counts a map as 3 bytes plus, per entry, 1 byte, the key and the value', () => {
    // m: 1 + map(3 + [1 + 'a' 1 + 2] + [1 + 'bc' 2 + 'xy' 2]) = 1 + 3 + 4 + 5
    expect(dynamoItemSize({ m: { a: 12, bc: 'xy' } })).toBe(13);
    expect(dynamoItemSize({ m: {} })).toBe(1 + 3);
  });

  it('counts a list as 3 bytes plus, per element, 1 byte and the value', () => {
    // l: 1 + list(3 + [1 + 2] + [1 + 2] + [1 + 1]) = 1 + 3 + 3 + 3 + 2
    expect(dynamoItemSize({ l: [1, 'ab', null] })).toBe(12);
    expect(dynamoItemSize({ l: [] })).toBe(1 + 3);
  });

  it('adds up nested maps and lists', () => {
    // o: 1 + map(3 + [1 + 'l' 1 + list(3 + [1 + map(3 + [1 + 'k' 1 + 'v' 1])])])
    expect(dynamoItemSize({ o: { l: [{ k: 'v' }] } })).toBe(1 + 3 + 1 + 1 + 3 + 1 + 3 + 1 + 1 + 1);
  });

  it('skips undefined attributes and map entries, and counts undefined list elements as null', () => {
    expect(dynamoItemSize({ a: undefined, b: 'x' })).toBe(2);
    expect(dynamoItemSize({ m: { a: undefined, b: 'x' } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(dynamoItemSize({ l: [undefined] })).toBe(1 + 3 + 1 + 1);
  });

  it('counts binary by its length and sets by their members', () => {
    expect(dynamoItemSize({ b: new Uint8Array(10) })).toBe(1 + 10);
    expect(dynamoItemSize({ s: new Set(['a', 'bc']) })).toBe(1 + 1 + 2);
    expect(dynamoItemSize({ s: new Set([12, 1234]) })).toBe(1 + 2 + 3);
  });

  it('rejects values DynamoDB cannot store', () => {
    expect(() => dynamoItemSize({ f: () => 1 })).toThrow(TypeError);
    expect(() => dynamoItemSize({ s: Symbol('s') })).toThrow('not a DynamoDB value: symbol');
  });

  it('is 0 for an empty item', () => {
    expect(dynamoItemSize({})).toBe(0);
  });
});
