/**
 * Items ordered by the work they have left, most first; among equals, in the order they
 * reached that amount (so equals take turns). A PutEvents call filled longest chain first
 * never leaves one long chain to finish alone at the end, one event per call: the calls
 * of a batch approach max(⌈events / 10⌉, longest chain), the order-safe minimum.
 *
 * Buckets keyed by the amount left make a move O(1); iterating stops as soon as the
 * caller has enough, so a call over thousands of chains looks at a handful.
 * @internal
 */
export class LongestFirst<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly left = new Map<T, number>();
  private most = 0;

  /** Adds an item, or moves it to its new amount of work left (0 removes it). */
  set(item: T, remaining: number): void {
    const previous = this.left.get(item);
    if (previous !== undefined) this.buckets.get(previous)?.delete(item);
    if (remaining <= 0) {
      this.left.delete(item);
      return;
    }
    this.left.set(item, remaining);
    let bucket = this.buckets.get(remaining);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(remaining, bucket);
    }
    bucket.add(item);
    if (remaining > this.most) this.most = remaining;
  }

  /** The items, most work left first. Moving items while iterating may visit one twice. */
  *[Symbol.iterator](): Generator<T> {
    for (let amount = this.most; amount > 0; amount--) {
      const bucket = this.buckets.get(amount);
      if (bucket === undefined || bucket.size === 0) {
        // Nothing is ever added above `most`, so empty top buckets can be dropped for good.
        if (amount === this.most) this.most--;
        continue;
      }
      yield* bucket;
    }
  }
}
