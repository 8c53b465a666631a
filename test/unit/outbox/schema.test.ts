import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregateKey,
  DEFAULT_PENDING_SHARDS,
  formatSeq,
  OutboxAttribute,
  outboxTableDefinition,
  PENDING_INDEX_NAME,
  parseSeq,
  pendingShardOf,
} from '../../../lambdas/outbox/index.js';
import { SEQ_WIDTH, TTL_ATTRIBUTE } from '../../../lambdas/outbox/schema.js';

describe('formatSeq', () => {
  it.each<[number, string]>([
    [0, '0000000000000000'],
    [1, '0000000000000001'],
    [42, '0000000000000042'],
    [1_000_000, '0000000001000000'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('formats %d as %s', (seq, sk) => {
    expect(formatSeq(seq)).toBe(sk);
  });

  it.each<[string, number]>([
    ['negative', -1],
    ['not an integer', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['beyond the safe integers', Number.MAX_SAFE_INTEGER + 1],
  ])('throws a RangeError for a sequence that is %s', (_why, seq) => {
    expect(() => formatSeq(seq)).toThrow(RangeError);
  });

  it(`always yields ${SEQ_WIDTH} digits that sort like the numbers`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (a, b) => {
          const [sa, sb] = [formatSeq(a), formatSeq(b)];
          expect(sa).toMatch(/^\d{16}$/);
          expect(Math.sign(sa.localeCompare(sb, 'en'))).toBe(Math.sign(a - b));
          expect(sa < sb).toBe(a < b);
        },
      ),
    );
  });
});

describe('parseSeq', () => {
  it('parses a sort key back to its sequence', () => {
    expect(parseSeq('0000000000000042')).toBe(42);
    expect(parseSeq('0000000000000000')).toBe(0);
  });

  it('round-trips every safe sequence through formatSeq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        expect(parseSeq(formatSeq(seq))).toBe(seq);
      }),
    );
  });

  it.each(['', 'abc', '-1', '1.5', ' 42', '42 ', '1e3', 'IDEMPOTENCY', '0x10'])(
    'throws a RangeError for %j',
    (sk) => {
      expect(() => parseSeq(sk)).toThrow(RangeError);
      expect(() => parseSeq(sk)).toThrow(`not an outbox sequence: '${sk}'`);
    },
  );
});

describe('aggregateKey', () => {
  it('joins type and id with "#"', () => {
    expect(aggregateKey('Order', '0193-abc')).toBe('Order#0193-abc');
  });

  it('keeps ids that contain "#" intact after the first separator', () => {
    expect(aggregateKey('Order', 'a#b')).toBe('Order#a#b');
  });
});

describe('pendingShardOf', () => {
  it('is the FNV-1a hash of the key modulo the shard count', () => {
    // Published FNV-1a 32-bit test vectors; 2^32 shards leave the hash unreduced.
    expect(pendingShardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(pendingShardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(pendingShardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(pendingShardOf('foobar', 16)).toBe(0xbf9cf968 % 16);
  });

  it(`defaults to ${DEFAULT_PENDING_SHARDS} shards`, () => {
    expect(pendingShardOf('Order#42')).toBe(pendingShardOf('Order#42', DEFAULT_PENDING_SHARDS));
  });

  it('is a stable integer within 0..shards-1, the same for the same key', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 1, max: 1024 }),
        (key, shards) => {
          const shard = pendingShardOf(key, shards);
          expect(Number.isInteger(shard)).toBe(true);
          expect(shard).toBeGreaterThanOrEqual(0);
          expect(shard).toBeLessThan(shards);
          expect(pendingShardOf(key, shards)).toBe(shard);
        },
      ),
    );
  });

  it('spreads aggregate keys over every shard', () => {
    const shards = new Set(
      Array.from({ length: 1000 }, (_, i) => pendingShardOf(`Order#${i}`, DEFAULT_PENDING_SHARDS)),
    );

    expect(shards.size).toBe(DEFAULT_PENDING_SHARDS);
  });
});

describe('outboxTableDefinition', () => {
  it('keys the pending index by shard and creation time, from the schema attribute names', () => {
    expect(outboxTableDefinition).toStrictEqual({
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      globalSecondaryIndexes: [
        {
          indexName: PENDING_INDEX_NAME,
          partitionKey: { name: OutboxAttribute.pendingShard, type: 'N' },
          sortKey: { name: OutboxAttribute.createdAt, type: 'S' },
          projection: 'KEYS_ONLY',
        },
      ],
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: 'NEW_IMAGE',
    });
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });
});
