import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type BackoffOptions, fullJitterDelay } from './backoff.js';
import { OutboxError } from './errors.js';
import { EventBusCheck } from './event-bus-check.js';
import { LongestFirst } from './longest-first.js';
import type { OutboxRecord, StoredEvent } from './outbox-record.js';
import {
  classifyEntryError,
  classifyRequestError,
  MISSING_RESULT_CODE,
  UNKNOWN_CODE_ATTEMPTS,
} from './publish-errors.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  MAX_PUT_EVENTS_ENTRIES,
  storedEventSize,
  toPutEventsEntry,
} from './put-events-entry.js';
import type { PublishFailure } from './quarantine.js';

/** Configuration of an {@link OrderedPublisher}. */
export interface OrderedPublisherOptions {
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /**
   * PutEvents request size limit, by the documented entry-size formula.
   * @default - 1 MB (1,048,576 bytes)
   */
  readonly maxRequestBytes?: number;
  /**
   * PutEvents calls in flight at once (always for different aggregates).
   * @default - 4
   */
  readonly concurrency?: number;
  /**
   * Describe the bus before the first publish, and publish nothing if it does not exist:
   * PutEvents accepts events for a bus that does not exist. Turn it off only for a bus in
   * another account, which `DescribeEventBus` cannot see.
   * @default - true
   */
  readonly verifyEventBus?: boolean;
  /** Backoff of retried entries. @default - full jitter, 50 ms base, 2 s cap */
  readonly backoff?: BackoffOptions;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds. @default - performance.now */
  readonly now?: () => number;
}

/** What the caller learns as publishing goes, so it can mark records immediately. */
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

/** The outcome of {@link OrderedPublisher.publish}. */
export interface PublishReport {
  readonly accepted: readonly OutboxRecord[];
  readonly poisoned: readonly OutboxRecord[];
  /** Records not finished (time ran out, or a configuration error stopped publishing). */
  readonly unfinished: readonly OutboxRecord[];
  /** Set when EventBridge refused the relay itself (permissions, missing bus). */
  readonly configurationError?: PublishFailure;
  readonly eventsPublished: number;
  readonly calls: number;
  /** Entries sent again after a retryable failure. */
  readonly retries: number;
}

/** Ready lanes a call is chosen from: a few calls' worth, so choosing stays cheap. */
const CANDIDATES_PER_CALL = 5 * MAX_PUT_EVENTS_ENTRIES;

/** Publishing state of one aggregate's chain. */
interface Lane {
  readonly records: readonly OutboxRecord[];
  record: number;
  event: number;
  acceptedEventIds: string[];
  attempts: number;
  /** Answers with an undocumented error code for the current event. */
  unknownAnswers: number;
  readyAt: number;
  inFlight: boolean;
  /** Send alone: a multi-entry request failed validation and the culprit is unknown. */
  solo: boolean;
  /** Events of the chain not yet accepted or poisoned. */
  left: number;
}

interface Slot {
  readonly lane: Lane;
  readonly event: StoredEvent;
}

/**
 * Publishes chains of outbox records to EventBridge, never letting a later event of an
 * aggregate overtake an earlier one:
 *
 * - a chain's events go out strictly one after the other (the next only once PutEvents
 *   accepted the previous), so a PutEvents call never holds two entries of one aggregate
 *   and a partial failure cannot reorder them;
 * - calls take up to 10 entries from different chains, within the request byte limit,
 *   and up to `concurrency` calls run at once;
 * - retryable failures back off with full jitter while time remains; poison records are
 *   handed to `onPoison` and their chain goes on; a configuration error stops everything;
 * - a request refused for its size or validation is split into single-entry calls, and an
 *   entry refused alone is poison; an undocumented entry code is retried a few times, then
 *   poison (nothing is retried forever).
 *
 * @example
 * const report = await publisher.publish(plan.chains, { remainingMs, onAccepted, onPoison });
 */
export class OrderedPublisher {
  private readonly eventBridge: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly maxRequestBytes: number;
  private readonly concurrency: number;
  private readonly backoff: BackoffOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly busCheck: EventBusCheck | undefined;

  constructor(options: OrderedPublisherOptions) {
    this.eventBridge = options.eventBridge;
    this.eventBusName = options.eventBusName;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.concurrency = options.concurrency ?? 4;
    this.backoff = options.backoff ?? {};
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => performance.now());
    this.busCheck =
      options.verifyEventBus === false
        ? undefined
        : new EventBusCheck(options.eventBridge, options.eventBusName);
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new OutboxError(`concurrency must be a positive integer, got ${this.concurrency}`);
    }
    if (!Number.isSafeInteger(this.maxRequestBytes) || this.maxRequestBytes < 1) {
      throw new OutboxError(
        `maxRequestBytes must be a positive integer, got ${this.maxRequestBytes}`,
      );
    }
  }

  /**
   * Publishes the chains (one per aggregate, records in sequence order), once the bus is
   * known to exist.
   *
   * @throws OutboxError if two chains belong to the same aggregate
   */
  async publish(
    chains: readonly (readonly OutboxRecord[])[],
    hooks: PublishHooks,
  ): Promise<PublishReport> {
    assertOneChainPerAggregate(chains);
    const records = chains.flat();
    if (records.length === 0 || this.busCheck === undefined)
      return this.publishChains(chains, hooks);
    const verdict = await this.busCheck.verify();
    if (verdict.kind === 'exists') return this.publishChains(chains, hooks);
    // Nothing published, nothing marked: the records stay PENDING for a later attempt.
    return {
      accepted: [],
      poisoned: [],
      unfinished: records,
      ...(verdict.kind === 'configuration' ? { configurationError: verdict.failure } : {}),
      eventsPublished: 0,
      calls: 0,
      retries: 0,
    };
  }

  private async publishChains(
    chains: readonly (readonly OutboxRecord[])[],
    hooks: PublishHooks,
  ): Promise<PublishReport> {
    const lanes: Lane[] = chains
      .filter((chain) => chain.length > 0)
      .map((records) => ({
        records,
        record: 0,
        event: 0,
        acceptedEventIds: [],
        attempts: 0,
        unknownAnswers: 0,
        readyAt: 0,
        inFlight: false,
        solo: false,
        left: records.reduce((sum, record) => sum + record.events.length, 0),
      }));
    // A lane's next entry is looked at by every call until it goes: size it once.
    const sizes = new WeakMap<StoredEvent, number>();
    const sizeOf = (event: StoredEvent) => {
      const known = sizes.get(event);
      if (known !== undefined) return known;
      const size = storedEventSize(event);
      sizes.set(event, size);
      return size;
    };
    const byWorkLeft = new LongestFirst<Lane>();
    for (const lane of lanes) byWorkLeft.set(lane, lane.left);
    const accepted: OutboxRecord[] = [];
    const poisoned: OutboxRecord[] = [];
    const counters = { eventsPublished: 0, calls: 0, retries: 0 };
    let configurationError: PublishFailure | undefined;
    const inFlight = new Set<Promise<void>>();

    const done = (lane: Lane) => lane.record >= lane.records.length;
    const current = (lane: Lane) => lane.records[lane.record] as OutboxRecord;
    const nextRecord = (lane: Lane) => {
      lane.record++;
      lane.event = 0;
      lane.acceptedEventIds = [];
      lane.attempts = 0;
      lane.unknownAnswers = 0;
      lane.readyAt = 0;
    };
    const poison = (lane: Lane, failure: PublishFailure) => {
      const record = current(lane);
      poisoned.push(record);
      hooks.onPoison(record, failure, [...lane.acceptedEventIds]);
      lane.left -= record.events.length - lane.event;
      nextRecord(lane);
      byWorkLeft.set(lane, lane.left);
    };
    const retryLater = (lane: Lane) => {
      lane.attempts++;
      lane.readyAt = this.now() + fullJitterDelay(lane.attempts, this.backoff);
    };
    // An undocumented code may be transient, or may never go away: a few tries, then the DLQ.
    const retryUnknownOrPoison = (lane: Lane, failure: PublishFailure) => {
      lane.unknownAnswers++;
      if (lane.unknownAnswers < UNKNOWN_CODE_ATTEMPTS) return retryLater(lane);
      poison(lane, {
        code: failure.code,
        message: `${failure.message} (not a documented PutEvents error code; quarantined after ${lane.unknownAnswers} attempts)`,
      });
    };
    // EventBridge refused a request of this entry alone for its size (HTTP 413 or the
    // request-size ValidationException): it can never be sent.
    const tooLargeAlone = (slot: Slot, error: unknown, failure: PublishFailure) => {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      return {
        code: 'EntryTooLarge',
        message: `EventBridge refused the entry alone as too large (HTTP ${status ?? '?'} ${failure.code}: ${failure.message}); it is ${sizeOf(slot.event)} bytes by the entry-size formula, the configured request limit ${this.maxRequestBytes}`,
      };
    };
    // Our own eventId (stable across re-deliveries), not EventBridge's.
    const acceptOne = (lane: Lane, eventId: string) => {
      counters.eventsPublished++;
      // The entry that failed a multi-entry request went through alone: share calls again.
      lane.solo = false;
      lane.acceptedEventIds.push(eventId);
      lane.event++;
      lane.attempts = 0;
      lane.unknownAnswers = 0;
      lane.readyAt = 0;
      if (lane.event >= current(lane).events.length) {
        accepted.push(current(lane));
        hooks.onAccepted(current(lane));
        nextRecord(lane);
      }
      lane.left--;
      byWorkLeft.set(lane, lane.left);
    };

    const settle = (
      slots: readonly Slot[],
      entries: readonly PutEventsResultEntry[] | undefined,
      error: unknown,
    ) => {
      for (const slot of slots) slot.lane.inFlight = false;
      if (error !== undefined) {
        const kind = classifyRequestError(error);
        const failure = {
          code: (error as Error).name ?? 'Error',
          message: (error as Error).message ?? String(error),
        };
        const only = slots.length === 1 ? (slots[0] as Slot) : undefined;
        if (kind === 'configuration') configurationError ??= failure;
        else if ((kind === 'poison' || kind === 'tooLarge') && only === undefined)
          for (const slot of slots) slot.lane.solo = true;
        else if (kind === 'poison' && only) poison(only.lane, failure);
        else if (kind === 'tooLarge' && only)
          poison(only.lane, tooLargeAlone(only, error, failure));
        else for (const slot of slots) retryLater(slot.lane);
        return;
      }
      slots.forEach((slot, i) => {
        const entry = entries?.[i];
        if (entry?.EventId) {
          acceptOne(slot.lane, slot.event.eventId);
          return;
        }
        const code = entry?.ErrorCode ?? MISSING_RESULT_CODE;
        const failure = {
          code,
          message: entry?.ErrorMessage ?? 'EventBridge returned no result for this entry',
        };
        const kind = classifyEntryError(code);
        if (kind === 'poison') poison(slot.lane, failure);
        else if (kind === 'configuration') configurationError ??= failure;
        else if (kind === 'unknown') retryUnknownOrPoison(slot.lane, failure);
        else retryLater(slot.lane);
      });
    };

    const nextCall = (): Slot[] => {
      const t = this.now();
      const ready = (lane: Lane) => !lane.inFlight && !done(lane) && lane.readyAt <= t;
      // A lane that must go alone goes first, so it cannot starve behind shared calls.
      const solo = lanes.find((lane) => lane.solo && ready(lane));
      // The lane's next entry, or undefined once it is poisoned for being too large to send.
      const nextEntry = (lane: Lane): (Slot & { readonly size: number }) | undefined => {
        const event = current(lane).events[lane.event] as StoredEvent;
        const size = sizeOf(event);
        if (size <= this.maxRequestBytes) return { lane, event, size };
        poison(lane, {
          code: 'EntryTooLarge',
          message: `entry is ${size} bytes; the request limit is ${this.maxRequestBytes}`,
        });
        return undefined;
      };
      const soloEntry = solo && nextEntry(solo);
      if (soloEntry) return [{ lane: soloEntry.lane, event: soloEntry.event }];
      // The candidates: longest chains first (a long chain left for the end would go one
      // event per call), a few calls' worth of them.
      const candidates: (Slot & { readonly size: number })[] = [];
      const visited = new Set<Lane>();
      for (const lane of byWorkLeft) {
        if (candidates.length >= CANDIDATES_PER_CALL) break;
        if (!ready(lane) || lane.solo || visited.has(lane)) continue;
        visited.add(lane);
        const entry = nextEntry(lane);
        if (entry) candidates.push(entry);
      }
      // Among them, longer chains still first, then larger entries first (first-fit
      // decreasing): big entries open calls that small ones fill, instead of each big one
      // finding the bytes left by smaller ones too few.
      candidates.sort((a, b) => b.lane.left - a.lane.left || b.size - a.size);
      const slots: Slot[] = [];
      let bytes = 0;
      for (const candidate of candidates) {
        if (slots.length >= MAX_PUT_EVENTS_ENTRIES) break;
        if (bytes + candidate.size > this.maxRequestBytes) continue;
        slots.push({ lane: candidate.lane, event: candidate.event });
        bytes += candidate.size;
      }
      return slots;
    };

    const launch = (slots: Slot[]) => {
      for (const slot of slots) {
        slot.lane.inFlight = true;
        if (slot.lane.attempts > 0) counters.retries++;
      }
      counters.calls++;
      const command = new PutEventsCommand({
        Entries: slots.map((s) => toPutEventsEntry(s.event, this.eventBusName)),
      });
      // Through an async function, so that even a synchronous throw settles the lanes.
      const call = (async () => this.eventBridge.send(command))()
        .then(
          (output) => settle(slots, output.Entries, undefined),
          (error: unknown) => settle(slots, undefined, error ?? new Error('PutEvents failed')),
        )
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
    };

    for (;;) {
      while (
        configurationError === undefined &&
        inFlight.size < this.concurrency &&
        hooks.remainingMs() > 0
      ) {
        const slots = nextCall();
        if (slots.length === 0) break;
        launch(slots);
      }
      if (inFlight.size > 0) {
        await Promise.race(inFlight);
        continue;
      }
      const waiting = lanes.filter((lane) => !done(lane));
      if (configurationError !== undefined || waiting.length === 0) break;
      const wait = Math.max(0, Math.min(...waiting.map((lane) => lane.readyAt)) - this.now());
      if (wait >= hooks.remainingMs()) break;
      await this.sleep(wait);
    }

    const unfinished = lanes.flatMap((lane) => lane.records.slice(lane.record));
    return {
      accepted,
      poisoned,
      unfinished,
      ...(configurationError ? { configurationError } : {}),
      ...counters,
    };
  }
}

/** Two chains of one aggregate could interleave its events: refuse them. */
function assertOneChainPerAggregate(chains: readonly (readonly OutboxRecord[])[]): void {
  const seen = new Set<string>();
  for (const chain of chains) {
    const pk = chain[0]?.pk;
    if (pk === undefined) continue;
    if (seen.has(pk))
      throw new OutboxError(`two chains for aggregate ${pk}: order could not be guaranteed`);
    seen.add(pk);
  }
}
