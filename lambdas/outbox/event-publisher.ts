import type { EventBusVerdict } from './event-bus-check.js';
import type { StoredEvent } from './outbox-record.js';
import type { PublishFailureKind } from './publish-errors.js';
import type { PublishFailure } from './quarantine.js';

/** One event to put on the bus, with the aggregate it belongs to. @internal */
export interface PublishEntry {
  /** The aggregate's key (the record's `pk`): a bus that orders per group uses it as the group. */
  readonly aggregateKey: string;
  readonly event: StoredEvent;
}

/** What one call to the bus may carry. @internal */
export interface PublishLimits {
  /** Entries per call (classic PutEvents: 10). */
  readonly maxEntriesPerCall: number;
  /** Bytes per call, by the bus's own entry-size rule ({@link EventPublisher.sizeOf}). */
  readonly maxRequestBytes: number;
}

/** The bus's answer for one entry of a call that was answered. @internal */
export type EntryResult =
  /**
   * The bus took the event. `deduplicated`: the bus recognised a repeat of an event it had
   * already accepted and suppressed it — the event is on the bus once, so this counts as
   * accepted, but not as a new event.
   */
  | { readonly accepted: true; readonly busEventId?: string; readonly deduplicated?: boolean }
  /** The bus refused the event; `kind` says what the ordering logic should do about it. */
  | {
      readonly accepted: false;
      readonly kind: PublishFailureKind;
      readonly failure: PublishFailure;
    };

/** The bus answered a call: one result per entry, in request order. @internal */
export interface CallAnswer {
  readonly answered: true;
  readonly results: readonly EntryResult[];
}

/**
 * The call failed as a whole: no entry has an answer. Some may be on the bus all the same
 * (an answer lost on the way back): sending them again makes duplicates, never a loss.
 * @internal
 */
export interface CallRefusal {
  readonly answered: false;
  readonly kind: PublishFailureKind;
  readonly failure: PublishFailure;
  /** The HTTP status of the refusal, when there was an HTTP answer. */
  readonly httpStatus?: number;
}

/** The outcome of {@link EventPublisher.put}. @internal */
export type PutOutcome = CallAnswer | CallRefusal;

/**
 * The one port between the ordering logic (`OrderedPublisher`: chains, lanes, retries,
 * quarantine) and a bus. An adapter speaks its bus's protocol and maps its
 * answers, error codes included, to the bus-neutral {@link PublishFailureKind}: a bus
 * with other limits, other codes or other successes (a de-duplicated repeat) is a new
 * adapter, never a branch in the ordering logic.
 *
 * Contract:
 * - `put` resolves, never rejects: every failure is an outcome (the ordering logic treats
 *   a rejection as a call without an answer, and retries it);
 * - an answered outcome has exactly one result per entry, in request order; `unknown`
 *   is for an entry code the bus does not document, `tooLarge` for a request refused for
 *   its size;
 * - the ordering logic never puts two entries of one aggregate in a call, nor more than
 *   {@link PublishLimits} allow.
 * @internal
 */
export interface EventPublisher {
  readonly limits: PublishLimits;
  /** The entry's size by the rule the bus applies to {@link PublishLimits.maxRequestBytes}. */
  sizeOf(entry: PublishEntry): number;
  /** Whether the bus exists: some buses accept events for a bus that does not. */
  verifyBus(): Promise<EventBusVerdict>;
  /** Puts the entries in one call. */
  put(entries: readonly PublishEntry[]): Promise<PutOutcome>;
}
