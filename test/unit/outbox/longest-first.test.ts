import { describe, expect, it } from 'vitest';
import { LongestFirst } from '../../../lambdas/outbox/longest-first.js';

describe('LongestFirst', () => {
  it('yields the items with the most work left first, equals in the order they got there', () => {
    const queue = new LongestFirst<string>();
    queue.set('a', 1);
    queue.set('b', 3);
    queue.set('c', 2);
    queue.set('d', 3);

    expect([...queue]).toEqual(['b', 'd', 'c', 'a']);
  });

  it('moves an item when its work left changes, behind its new equals (they take turns)', () => {
    const queue = new LongestFirst<string>();
    queue.set('a', 2);
    queue.set('b', 2);

    queue.set('a', 1);
    queue.set('b', 1);

    expect([...queue]).toEqual(['a', 'b']);
    queue.set('a', 0);
    expect([...queue]).toEqual(['b']);
  });

  it('forgets items with no work left', () => {
    const queue = new LongestFirst<string>();
    queue.set('a', 5);

    queue.set('a', 0);

    expect([...queue]).toEqual([]);
  });
});
