import { describe, expect, it } from 'vitest';
import {
  DeduplicationWindow,
  deduplicationKey,
} from '../../../../local/bus/deduplication-window.js';

describe('DeduplicationWindow', () => {
  it('suppresses a seeded key until windowMs after it was seeded, not from then on', () => {
    const window = new DeduplicationWindow(1000);

    window.seed('k', 10_000);

    expect(window.suppresses('k', 10_000)).toBe(true);
    expect(window.suppresses('k', 10_999)).toBe(true);
    expect(window.suppresses('k', 11_000)).toBe(false);
    expect(window.suppresses('other', 10_500)).toBe(false);
  });

  it('counts the window from the latest seeding of a key', () => {
    const window = new DeduplicationWindow(1000);
    window.seed('k', 0);

    window.seed('k', 5000);

    expect(window.suppresses('k', 5500)).toBe(true);
  });

  it('forgets keys that left the window when it is seeded again', () => {
    const window = new DeduplicationWindow(1000);
    window.seed('a', 0);
    window.seed('b', 500);

    window.seed('c', 1200);

    expect(window.size).toBe(2);
    expect(window.suppresses('b', 1200)).toBe(true);
  });
});

describe('deduplicationKey', () => {
  it('tells apart accounts, groups, ungrouped entries and ids, even when their text runs together', () => {
    const keys = [
      deduplicationKey('111111111111', 'g', 'd'),
      deduplicationKey('222222222222', 'g', 'd'),
      deduplicationKey('111111111111', undefined, 'd'),
      deduplicationKey('111111111111', 'g', 'e'),
      deduplicationKey('111111111111', 'g:d', ''),
      deduplicationKey('111111111111', 'null', 'd'),
    ];

    expect(new Set(keys).size).toBe(keys.length);
    expect(deduplicationKey('111111111111', 'g', 'd')).toBe(keys[0]);
  });
});
