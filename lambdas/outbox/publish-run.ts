import type { BackoffOptions } from './backoff.js';
import { type CallCandidate, type CallLimits, planCall } from './call-planner.js';
import type {
  CallRefusal,
  EntryResult,
  EventPublisher,
  PublishEntry,
  PutOutcome,
} from './event-publisher.js';
import { LongestFirst } from './longest-first.js';
import type { OutboxRecord, StoredEvent } from './outbox-record.js';
import { MISSING_RESULT_CODE, UNKNOWN_CODE_ATTEMPTS } from './publish-errors.js';
import { PublishLane } from './publish-lane.js';
import type { PublishFailure } from './quarantine.js';

/** What the caller learns as publishing goes, so it can mark records immediately. @internal */
export interface PublishHooks {
  /** Milliseconds the publisher may still use; it starts no call and no wait beyond them. */
  readonly remainingMs: () => number;
  /** Every event of the record was accepted, in order. */
  readonly onAccepted: (record: OutboxRecord) => void;
  /** The record can never be published; the ones after it in its chain go on. */
  readonly onPoison: (
    record: OutboxRecord,
    failure: PublishFailure,
    acceptedEventIds: readonly string[],
  ) => void;
}

/** The outcome of `OrderedPublisher.publish`. @internal */
export interface PublishReport {
  readonly accepted: readonly OutboxRecord[];
  readonly poisoned: readonly OutboxRecord[];
  /** Records not finished (time ran out, or a configuration error stopped publishing). */
  readonly unfinished: readonly OutboxRecord[];
  /** Set when the bus refused the relay itself (permissions, missing bus). */
  readonly configurationError?: PublishFailure;
  /** Events the bus accepted as new events. */
  readonly eventsPublished: number;
  /** Events the bus recognised as repeats of ones it had accepted (a de-duplicating bus). */
  readonly eventsDeduplicated: number;
  readonly calls: number;
  /** Entries sent again after a retryable failure. */
  readonly retries: number;
}

/** The bus, and how a run paces itself against it. @internal */
export interface RunSettings {
  readonly publisher: EventPublisher;
  readonly concurrency: number;
  readonly backoff: BackoffOptions;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** One entry of a call: the lane it came from and what was sent for it. */
interface Slot {
  readonly lane: PublishLane;
  readonly entry: PublishEntry;
}

/** Lanes weighed for one call, in calls' worth: enough to fill well, few enough to stay cheap. */
const CALLS_WEIGHED = 5;

/** An answered call with fewer results than entries (a port breaking its contract). */
const NO_RESULT: EntryResult = {
  accepted: false,
  kind: 'retryable',
  failure: { code: MISSING_RESULT_CODE, message: 'the bus returned no result for this entry' },
};

/**
 * One `OrderedPublisher.publish`: a lane per chain, the calls in flight, and what
 * happened so far. The loop starts calls while there is room (`concurrency`), time and a
 * ready lane; waits for any call to come back (and refills at once); and when nothing is
 * in flight, sleeps until the earliest backoff ends, unless that is past the time left.
 *
 * Order per aggregate rests on one rule: a lane is not ready while its entry awaits an
 * answer, so no call, and no two calls in flight, hold two events of one aggregate, and
 * a lane's next event is planned only once the bus accepted (or we gave up on) the one
 * before. The time budget is checked before each call and each sleep; a call already
 * started still settles.
 *
 * @internal
 */
export class PublishRun {
  private readonly lanes: readonly PublishLane[];
  /** The lanes with events left, most first: the order calls are filled in. */
  private readonly byEventsLeft = new LongestFirst<PublishLane>();
  private readonly callsInFlight = new Set<Promise<void>>();
  /** A lane's next entry is weighed by every call until it goes: size it once. */
  private readonly entrySizes = new WeakMap<StoredEvent, number>();
  private readonly limits: CallLimits;
  private readonly accepted: OutboxRecord[] = [];
  private readonly poisoned: OutboxRecord[] = [];
  private configurationError: PublishFailure | undefined;
  private eventsPublished = 0;
  private eventsDeduplicated = 0;
  private calls = 0;
  private retries = 0;

  constructor(
    chains: readonly (readonly OutboxRecord[])[],
    private readonly hooks: PublishHooks,
    private readonly settings: RunSettings,
  ) {
    this.lanes = chains.filter((chain) => chain.length > 0).map((chain) => new PublishLane(chain));
    for (const lane of this.lanes) this.byEventsLeft.set(lane, lane.eventsLeft);
    const { maxEntriesPerCall, maxRequestBytes } = settings.publisher.limits;
    this.limits = {
      maxEntries: maxEntriesPerCall,
      maxRequestBytes,
      maxCandidates: CALLS_WEIGHED * maxEntriesPerCall,
    };
  }

  /** Publishes until every lane is done, time runs out, or a configuration error stops it. */
  async run(): Promise<PublishReport> {
    for (;;) {
      this.startCalls();
      if (this.callsInFlight.size > 0) {
        await Promise.race(this.callsInFlight);
        continue;
      }
      if (!(await this.sleepUntilNextRetry())) return this.report();
    }
  }

  /** Starts calls while there is room, time, and a lane ready to send. */
  private startCalls(): void {
    while (
      this.configurationError === undefined &&
      this.callsInFlight.size < this.settings.concurrency &&
      this.hooks.remainingMs() > 0
    ) {
      const slots = this.nextCall();
      if (slots.length === 0) return;
      this.start(slots);
    }
  }

  /** Plans the next call; an entry too large to ever send is poisoned on the way. */
  private nextCall(): Slot[] {
    const now = this.settings.now();
    const plan = planCall(
      { alone: this.firstLaneAlone(now), byEventsLeft: this.sharedLanes(now) },
      this.limits,
    );
    // Poisoned only now, after planning: poisoning moves a lane in `byEventsLeft`, which
    // the planner was reading.
    for (const { lane, entryBytes } of plan.tooLarge) {
      this.poison(lane, {
        code: 'EntryTooLarge',
        message: `entry is ${entryBytes} bytes; the request limit is ${this.limits.maxRequestBytes}`,
      });
    }
    return plan.slots.map(({ lane }) => ({ lane, entry: entryOf(lane) }));
  }

  /** The first ready lane whose entry must go alone, in the order the chains were given. */
  private firstLaneAlone(now: number): CallCandidate<PublishLane> | undefined {
    const lane = this.lanes.find((l) => l.sendsAlone && l.isReady(now));
    return lane === undefined ? undefined : this.candidate(lane);
  }

  /** The ready lanes that may share a call, most events left first, read lazily. */
  private *sharedLanes(now: number): Generator<CallCandidate<PublishLane>> {
    for (const lane of this.byEventsLeft) {
      if (!lane.sendsAlone && lane.isReady(now)) yield this.candidate(lane);
    }
  }

  /** The lane as the planner sees it. */
  private candidate(lane: PublishLane): CallCandidate<PublishLane> {
    return { lane, entryBytes: this.entryBytes(entryOf(lane)), eventsLeft: lane.eventsLeft };
  }

  /** The entry's size by the bus's rule, computed once per event. */
  private entryBytes(entry: PublishEntry): number {
    const known = this.entrySizes.get(entry.event);
    if (known !== undefined) return known;
    const size = this.settings.publisher.sizeOf(entry);
    this.entrySizes.set(entry.event, size);
    return size;
  }

  /** Sends the call; its answer settles the lanes whenever it comes. */
  private start(slots: readonly Slot[]): void {
    for (const { lane } of slots) {
      if (lane.retrying) this.retries++;
      lane.sent();
    }
    this.calls++;
    const call = this.put(slots)
      .then((outcome) => this.settle(slots, outcome))
      .finally(() => this.callsInFlight.delete(call));
    this.callsInFlight.add(call);
  }

  /** The bus's answer. A port that throws despite its contract counts as no answer: retried. */
  private async put(slots: readonly Slot[]): Promise<PutOutcome> {
    try {
      return await this.settings.publisher.put(slots.map((slot) => slot.entry));
    } catch (error) {
      const e = error as { name?: string; message?: string } | undefined;
      return {
        answered: false,
        kind: 'retryable',
        failure: { code: e?.name ?? 'Error', message: e?.message ?? String(error) },
      };
    }
  }

  /** Applies the bus's answer to the lanes of the call, entry by entry in request order. */
  private settle(slots: readonly Slot[], outcome: PutOutcome): void {
    for (const { lane } of slots) lane.answered();
    if (outcome.answered) {
      slots.forEach((slot, i) => {
        this.settleEntry(slot, outcome.results[i] ?? NO_RESULT);
      });
    } else {
      this.settleRefusedCall(slots, outcome);
    }
  }

  /** A call refused as a whole: stop, split it, quarantine its only entry, or retry it. */
  private settleRefusedCall(slots: readonly Slot[], refusal: CallRefusal): void {
    const only = slots.length === 1 ? slots[0] : undefined;
    if (refusal.kind === 'configuration') {
      this.stop(refusal.failure);
    } else if (refusal.kind !== 'poison' && refusal.kind !== 'tooLarge') {
      for (const { lane } of slots) this.retryLater(lane);
    } else if (only === undefined) {
      // Which entry the bus objected to is unknown: each goes alone, and the one refused
      // alone is the culprit. No backoff: the bus did not ask us to slow down.
      for (const { lane } of slots) lane.sendAlone();
    } else if (refusal.kind === 'tooLarge') {
      this.poison(only.lane, this.refusedAsTooLarge(only, refusal));
    } else {
      this.poison(only.lane, refusal.failure);
    }
  }

  /** One entry's answer: accept it, quarantine its record, stop, or send it again later. */
  private settleEntry({ lane, entry }: Slot, result: EntryResult): void {
    if (result.accepted) this.accept(lane, entry.event.eventId, result.deduplicated === true);
    else if (result.kind === 'poison') this.poison(lane, result.failure);
    else if (result.kind === 'configuration') this.stop(result.failure);
    else if (result.kind === 'unknown') this.answeredUnknown(lane, result.failure);
    else this.retryLater(lane);
  }

  /** Records our own eventId (stable across re-deliveries), not the bus's. */
  private accept(lane: PublishLane, eventId: string, deduplicated: boolean): void {
    if (deduplicated) this.eventsDeduplicated++;
    else this.eventsPublished++;
    const record = lane.accepted(eventId);
    if (record !== undefined) {
      this.accepted.push(record);
      this.hooks.onAccepted(record);
    }
    this.byEventsLeft.set(lane, lane.eventsLeft);
  }

  /** Hands the lane's current record to quarantine; the rest of its chain goes on. */
  private poison(lane: PublishLane, failure: PublishFailure): void {
    const { record, acceptedEventIds } = lane.poisoned();
    this.poisoned.push(record);
    this.hooks.onPoison(record, failure, acceptedEventIds);
    this.byEventsLeft.set(lane, lane.eventsLeft);
  }

  /** The lane's event goes again after its backoff; other lanes go on meanwhile. */
  private retryLater(lane: PublishLane): void {
    lane.retryLater(this.settings.now(), this.settings.backoff);
  }

  /** An undocumented code may be transient, or may never go away: a few tries, then the DLQ. */
  private answeredUnknown(lane: PublishLane, failure: PublishFailure): void {
    const answers = lane.unknownAnswer();
    if (answers < UNKNOWN_CODE_ATTEMPTS) {
      this.retryLater(lane);
      return;
    }
    this.poison(lane, {
      code: failure.code,
      message: `${failure.message} (not a documented PutEvents error code; quarantined after ${answers} attempts)`,
    });
  }

  /**
   * The bus refused the relay itself (permissions, account, bus): nothing more is sent,
   * and nothing is quarantined for it, since the same records go through once it is fixed.
   * Calls already in flight still settle.
   */
  private stop(failure: PublishFailure): void {
    this.configurationError ??= failure;
  }

  /** The bus refused a call of this entry alone for its size: it can never be sent. */
  private refusedAsTooLarge(slot: Slot, refusal: CallRefusal): PublishFailure {
    const { code, message } = refusal.failure;
    return {
      code: 'EntryTooLarge',
      message: `EventBridge refused the entry alone as too large (HTTP ${refusal.httpStatus ?? '?'} ${code}: ${message}); it is ${this.entryBytes(slot.entry)} bytes by the entry-size formula, the configured request limit ${this.limits.maxRequestBytes}`,
    };
  }

  /**
   * With nothing in flight, sleeps until the earliest lane's backoff ends. False (stop)
   * once every lane is done, a configuration error stopped the run, or the wait would not
   * end within the time left.
   */
  private async sleepUntilNextRetry(): Promise<boolean> {
    const waiting = this.lanes.filter((lane) => !lane.done);
    if (this.configurationError !== undefined || waiting.length === 0) return false;
    const earliest = waiting.reduce((min, lane) => Math.min(min, lane.readyAt), Infinity);
    const wait = Math.max(0, earliest - this.settings.now());
    if (wait >= this.hooks.remainingMs()) return false;
    await this.settings.sleep(wait);
    return true;
  }

  /** What the run did, for the caller's metrics and its `batchItemFailures`. */
  private report(): PublishReport {
    return {
      accepted: this.accepted,
      poisoned: this.poisoned,
      // A record partly accepted is unfinished: it is sent again whole, later; consumers
      // de-duplicate the repeats by eventId.
      unfinished: this.lanes.flatMap((lane) => lane.unfinishedRecords),
      ...(this.configurationError === undefined
        ? {}
        : { configurationError: this.configurationError }),
      eventsPublished: this.eventsPublished,
      eventsDeduplicated: this.eventsDeduplicated,
      calls: this.calls,
      retries: this.retries,
    };
  }
}

/** The lane's next entry. */
function entryOf(lane: PublishLane): PublishEntry {
  return { aggregateKey: lane.record.pk, event: lane.event };
}
