/**
 * A ready lane, as the planner sees it: its next entry's size and how much it has left.
 * @internal
 */
export interface CallCandidate<L> {
  readonly lane: L;
  /** Size of the lane's next entry, by the bus's entry-size rule. */
  readonly entryBytes: number;
  /** Events the lane has left, its next one included. */
  readonly eventsLeft: number;
}

/**
 * The lanes a call may be chosen from. Every lane here is ready: not in flight, not waiting.
 * @internal
 */
export interface ReadyLanes<L> {
  /**
   * The first lane that must go alone: a multi-entry call holding its entry was refused
   * and the culprit is unknown.
   */
  readonly alone?: CallCandidate<L> | undefined;
  /** The other ready lanes, most events left first. Read lazily, only as far as needed. */
  readonly byEventsLeft: Iterable<CallCandidate<L>>;
}

/** What one call may hold. @internal */
export interface CallLimits {
  readonly maxEntries: number;
  readonly maxRequestBytes: number;
  /** How many lanes of {@link ReadyLanes.byEventsLeft} are weighed for one call. */
  readonly maxCandidates: number;
}

/** The planner's choice. @internal */
export interface CallPlan<L> {
  /** The lanes whose next entry goes in the call, in entry order; empty when none is ready. */
  readonly slots: readonly CallCandidate<L>[];
  /** Lanes whose next entry is over the request limit on its own: it can never be sent. */
  readonly tooLarge: readonly CallCandidate<L>[];
}

/**
 * Chooses the next call; pure, so the policy is tested without a bus:
 *
 * 1. a lane that must go alone goes first, alone, so it cannot starve behind shared calls;
 * 2. otherwise a few calls' worth of lanes are weighed, most events left first: a long
 *    chain left for the end would go one event per call, so each call should carry one
 *    event of every long chain;
 * 3. among those, longer chains still first, then larger entries first (first-fit
 *    decreasing): big entries open calls that small ones fill, instead of each big one
 *    finding the bytes left by smaller ones too few;
 * 4. entries go in while the call has room for their count and their bytes.
 *
 * A lane's entry over the request limit on its own is never put in a call: it is listed
 * in `tooLarge`, and does not count towards the lanes weighed.
 * @internal
 */
export function planCall<L>(ready: ReadyLanes<L>, limits: CallLimits): CallPlan<L> {
  const tooLarge: CallCandidate<L>[] = [];
  const fits = (candidate: CallCandidate<L>) => {
    if (candidate.entryBytes <= limits.maxRequestBytes) return true;
    tooLarge.push(candidate);
    return false;
  };
  if (ready.alone !== undefined && fits(ready.alone)) return { slots: [ready.alone], tooLarge };
  const weighed = firstThatFit(ready.byEventsLeft, limits.maxCandidates, fits);
  weighed.sort(longerChainThenLargerEntry);
  return { slots: firstFit(weighed, limits), tooLarge };
}

/** Up to `count` candidates that pass `fits`, in the order given. */
function firstThatFit<L>(
  candidates: Iterable<CallCandidate<L>>,
  count: number,
  fits: (candidate: CallCandidate<L>) => boolean,
): CallCandidate<L>[] {
  const chosen: CallCandidate<L>[] = [];
  // Count before reading the next one: reading may walk past many lanes that are not ready.
  const iterator = candidates[Symbol.iterator]();
  while (chosen.length < count) {
    const next = iterator.next();
    if (next.done === true) break;
    if (fits(next.value)) chosen.push(next.value);
  }
  return chosen;
}

/** More events left first; among equals, the larger entry first. */
function longerChainThenLargerEntry<L>(a: CallCandidate<L>, b: CallCandidate<L>): number {
  return b.eventsLeft - a.eventsLeft || b.entryBytes - a.entryBytes;
}

/** Takes the candidates in order while the call has room; skips one whose bytes do not fit. */
function firstFit<L>(candidates: readonly CallCandidate<L>[], limits: CallLimits) {
  const slots: CallCandidate<L>[] = [];
  let bytes = 0;
  for (const candidate of candidates) {
    if (slots.length >= limits.maxEntries) break;
    if (bytes + candidate.entryBytes > limits.maxRequestBytes) continue;
    slots.push(candidate);
    bytes += candidate.entryBytes;
  }
  return slots;
}
