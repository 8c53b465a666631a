import type { BackoffOptions } from './backoff.js';
import { OutboxError } from './errors.js';
import {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
} from './event-bridge-publisher.js';
import type { EventBusVerdict } from './event-bus-check.js';
import type { EventPublisher } from './event-publisher.js';
import type { OutboxRecord } from './outbox-record.js';
import {
  type PublishHooks,
  type PublishReport,
  PublishRun,
  type RunSettings,
} from './publish-run.js';

export type { PublishHooks, PublishReport } from './publish-run.js';

/** How an {@link OrderedPublisher} paces itself, whatever the bus. @internal */
export interface PublishPacing {
  /**
   * Calls in flight at once (always for different aggregates).
   * @default - 4
   */
  readonly concurrency?: number;
  /** Backoff of retried entries. @default - full jitter, 50 ms base, 2 s cap */
  readonly backoff?: BackoffOptions;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds. @default - performance.now */
  readonly now?: () => number;
}

/**
 * Configuration of an {@link OrderedPublisher}: the bus, either as a publishing port
 * (`publisher`) or as the classic EventBridge bus (`eventBridge` + `eventBusName`, with
 * `maxRequestBytes` and `verifyEventBus`), and its pacing.
 * @internal
 */
export type OrderedPublisherOptions = PublishPacing &
  (EventBridgePublisherOptions | { readonly publisher: EventPublisher });

/**
 * Publishes chains of outbox records to a bus, never letting a later event of an
 * aggregate overtake an earlier one:
 *
 * - a chain's events go out strictly one after the other (the next only once the bus
 *   accepted the previous), so a call never holds two entries of one aggregate and a
 *   partial failure cannot reorder them;
 * - calls take up to the bus's entry limit from different chains, within its request byte
 *   limit, longest chains first; up to `concurrency` calls run at once;
 * - retryable failures back off with full jitter while time remains; poison records are
 *   handed to `onPoison` and their chain goes on; a configuration error stops everything;
 * - a request refused for its size or validation is split into single-entry calls, and an
 *   entry refused alone is poison; an undocumented entry code is retried a few times, then
 *   poison (nothing is retried forever).
 *
 * The ordering logic lives in `PublishRun` (the loop), `PublishLane` (one chain's state)
 * and `planCall` (the choice of a call); the bus sits behind the {@link EventPublisher}
 * port (docs/relay.md, "How the publisher is built").
 * @internal
 */
export class OrderedPublisher {
  private readonly settings: RunSettings;

  constructor(options: OrderedPublisherOptions) {
    const concurrency = options.concurrency ?? 4;
    assertPositiveInteger('concurrency', concurrency);
    const publisher =
      'publisher' in options ? options.publisher : new EventBridgePublisher(options);
    assertPositiveInteger('publisher.limits.maxEntriesPerCall', publisher.limits.maxEntriesPerCall);
    assertPositiveInteger('publisher.limits.maxRequestBytes', publisher.limits.maxRequestBytes);
    this.settings = {
      publisher,
      concurrency,
      backoff: options.backoff ?? {},
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: options.now ?? (() => performance.now()),
    };
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
    if (records.length > 0) {
      const verdict = await this.settings.publisher.verifyBus();
      if (verdict.kind !== 'exists') return nothingPublished(records, verdict);
    }
    return new PublishRun(chains, hooks, this.settings).run();
  }
}

/** Nothing published, nothing marked: the records stay PENDING for a later attempt. */
function nothingPublished(
  records: readonly OutboxRecord[],
  verdict: Exclude<EventBusVerdict, { kind: 'exists' }>,
): PublishReport {
  return {
    accepted: [],
    poisoned: [],
    unfinished: records,
    // A transient failure to look the bus up is no configuration error: the batch is
    // simply retried.
    ...(verdict.kind === 'configuration' ? { configurationError: verdict.failure } : {}),
    eventsPublished: 0,
    eventsDeduplicated: 0,
    calls: 0,
    retries: 0,
  };
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

/** Validates an option early, naming the bad value. */
function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OutboxError(`${name} must be a positive integer, got ${value}`);
  }
}
