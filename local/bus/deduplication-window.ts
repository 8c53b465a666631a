/**
 * The de-duplication window of a custom bus: the keys of accepted entries, each with the
 * time it was accepted. "EventBridge suppresses a duplicate that arrives within 5 minutes
 * (300 seconds) of the entry it repeats" (eb-custom-bus-ordering), so a repeat does not
 * extend the window, and only accepted entries seed it. A repeat exactly `windowMs` after
 * the original is no longer suppressed (the less kind edge).
 */
export class DeduplicationWindow {
  /** Acceptance time (epoch ms) by key, oldest first: a key is re-inserted when re-seeded. */
  private readonly seeded = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Whether an entry with this key was accepted less than `windowMs` before `now`. */
  suppresses(key: string, now: number): boolean {
    const acceptedAt = this.seeded.get(key);
    return acceptedAt !== undefined && now - acceptedAt < this.windowMs;
  }

  /** Remembers an accepted entry's key from `now` on, forgetting keys out of the window. */
  seed(key: string, now: number): void {
    this.forgetBefore(now - this.windowMs);
    this.seeded.delete(key);
    this.seeded.set(key, now);
  }

  /** How many keys are in the window's memory (for tests of its pruning). */
  get size(): number {
    return this.seeded.size;
  }

  private forgetBefore(limit: number): void {
    for (const [key, acceptedAt] of this.seeded) {
      if (acceptedAt > limit) return;
      this.seeded.delete(key);
    }
  }
}

/**
 * The key of an entry's de-duplication scope: "scoped to your account and, when the entry
 * has an EventGroupId, to the event group … Entries without an EventGroupId are still
 * deduplicated across all of the account's ungrouped entries on that bus."
 */
export function deduplicationKey(
  accountId: string,
  eventGroupId: string | undefined,
  deduplicationId: string,
): string {
  return JSON.stringify([accountId, eventGroupId ?? null, deduplicationId]);
}
