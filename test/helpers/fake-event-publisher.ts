import type { EventBusVerdict } from '../../lambdas/outbox/event-bus-check.js';
import type {
  CallAnswer,
  EntryResult,
  EventPublisher,
  PublishEntry,
  PublishLimits,
  PutOutcome,
} from '../../lambdas/outbox/event-publisher.js';

/** How a {@link FakeEventPublisher} behaves; every field has a kind default. */
export interface FakeEventPublisherSpec {
  /** @default - 100 entries (the enhanced Custom Event Bus), 1 MB */
  readonly limits?: PublishLimits;
  /** @default - the Detail's length */
  readonly sizeOf?: (entry: PublishEntry) => number;
  /** @default - the bus exists */
  readonly verdict?: EventBusVerdict;
  /**
   * The answer to call `call` (0-based); undefined accepts every entry; a throw is a port
   * breaking its contract.
   * @default - accept everything
   */
  readonly answer?: (entries: readonly PublishEntry[], call: number) => PutOutcome | undefined;
}

/**
 * A bus behind the publishing port, scripted per call, for the ordering logic's tests:
 * it records every call and, unless told otherwise, accepts every entry.
 *
 * @example
 * const bus = new FakeEventPublisher({ limits: { maxEntriesPerCall: 100, maxRequestBytes: 1_048_576 } });
 * await new OrderedPublisher({ publisher: bus }).publish(chains, hooks);
 * bus.calls.map((call) => call.length); // [100, 50]
 */
export class FakeEventPublisher implements EventPublisher {
  readonly limits: PublishLimits;
  /** Every call, in the order the ordering logic made them. */
  readonly calls: (readonly PublishEntry[])[] = [];
  verifications = 0;

  constructor(private readonly spec: FakeEventPublisherSpec = {}) {
    this.limits = spec.limits ?? { maxEntriesPerCall: 100, maxRequestBytes: 1_048_576 };
  }

  sizeOf(entry: PublishEntry): number {
    return this.spec.sizeOf?.(entry) ?? entry.event.detail.length;
  }

  async verifyBus(): Promise<EventBusVerdict> {
    this.verifications++;
    return this.spec.verdict ?? { kind: 'exists' };
  }

  async put(entries: readonly PublishEntry[]): Promise<PutOutcome> {
    const call = this.calls.length;
    this.calls.push([...entries]);
    return this.spec.answer?.(entries, call) ?? acceptAll(entries);
  }
}

/** Every entry accepted, with a bus id per entry. */
export function acceptAll(entries: readonly PublishEntry[]): CallAnswer {
  const results: EntryResult[] = entries.map((entry) => ({
    accepted: true,
    busEventId: `bus-${entry.event.eventId}`,
  }));
  return { answered: true, results };
}
