import { describe, expect, it } from 'vitest';
import { matchesPattern, OUTBOX_STREAM_FILTER_PATTERN } from '../../../lambdas/outbox/index.js';
import { recordsOf } from '../../helpers/relay-harness.js';
import { insertOf, modifyOf, ttlRemoveOf } from '../../helpers/stream-events.js';

describe('matchesPattern', () => {
  it.each([
    ['an exact value', { a: ['x'] }, { a: 'x' }, true],
    ['a different value', { a: ['x'] }, { a: 'y' }, false],
    ['a missing field', { a: ['x'] }, {}, false],
    ['any element of an array in the event', { a: ['x'] }, { a: ['y', 'x'] }, true],
    ['a nested field', { d: { s: ['PAID'] } }, { d: { s: 'PAID', t: 1 } }, true],
    ['a nested field on a scalar', { d: { s: ['PAID'] } }, { d: 'PAID' }, false],
    ['a prefix', { a: [{ prefix: 'Order' }] }, { a: 'OrderCreated' }, true],
    ['a suffix', { a: [{ suffix: 'ed' }] }, { a: 'OrderShipped' }, true],
    ['equals-ignore-case', { a: [{ 'equals-ignore-case': 'paid' }] }, { a: 'PAID' }, true],
    ['anything-but a listed value', { a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' }, false],
    ['anything-but another value', { a: [{ 'anything-but': 'x' }] }, { a: 'z' }, true],
    [
      'anything-but a prefix',
      { a: [{ 'anything-but': { prefix: 'tmp' } }] },
      { a: 'tmp-1' },
      false,
    ],
    ['exists: true on a present field', { a: [{ exists: true }] }, { a: 0 }, true],
    ['exists: false on a missing field', { a: [{ exists: false }] }, {}, true],
    ['exists: false on a present field', { a: [{ exists: false }] }, { a: null }, false],
    ['a numeric range', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 5 }, true],
    ['outside a numeric range', { n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 6 }, false],
    ['numeric on a string', { n: [{ numeric: ['=', 1] }] }, { n: '1' }, false],
    ['either of two rules', { a: ['x', { prefix: 'y' }] }, { a: 'yes' }, true],
  ])('matches %s: %o on %o → %s', (_, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('fails if the pattern uses an operator it does not implement', () => {
    expect(() => matchesPattern({ a: [{ wildcard: '*' }] }, { a: 'x' })).toThrow(
      "unsupported pattern operator 'wildcard'",
    );
  });
});

describe('OUTBOX_STREAM_FILTER_PATTERN (the relay event source filter)', () => {
  const [record] = recordsOf('o-1', [1]);
  if (!record) throw new Error('no record');

  it('passes the INSERT of an outbox record', () => {
    expect(matchesPattern(OUTBOX_STREAM_FILTER_PATTERN, insertOf(record))).toBe(true);
  });

  it('drops the MODIFY of our own marking (DELIVERED or FAILED)', () => {
    for (const status of ['DELIVERED', 'FAILED'] as const) {
      const marking = modifyOf(record, { ...record, status });
      expect(matchesPattern(OUTBOX_STREAM_FILTER_PATTERN, marking)).toBe(false);
    }
  });

  it('drops the REMOVE of a TTL deletion', () => {
    expect(matchesPattern(OUTBOX_STREAM_FILTER_PATTERN, ttlRemoveOf(record))).toBe(false);
  });

  it('drops the INSERT of an idempotency record', () => {
    const idempotency = {
      pk: 'IDEMPOTENCY#k',
      sk: 'IDEMPOTENCY',
      recordType: 'IDEMPOTENCY',
      response: {},
    };
    expect(matchesPattern(OUTBOX_STREAM_FILTER_PATTERN, insertOf(idempotency))).toBe(false);
  });
});
