import type { BusLog } from './bus-log.js';
import type { CustomBusEvent } from './custom-event-bus.js';

/** An event a custom bus keeps, with what subscribers and retention need to know of it. */
export interface RetainedEvent {
  readonly event: CustomBusEvent;
  /** The entry's DeduplicationId, for the dead-letter record of a subscriber. */
  readonly deduplicationId?: string;
  /** When the bus accepted it (epoch ms): retention and a subscriber's event age count from here. */
  readonly ingestedAt: number;
}

/** Called for every event appended, in acceptance order. */
export type RetainedEventListener = (event: RetainedEvent) => void;

/** Settings of {@link RetainedEvents}. */
export interface RetainedEventsOptions {
  /** How long an event is kept, from its acceptance. */
  readonly retentionMs: number;
  /** When the bus came to be: the retention window never starts before it. */
  readonly createdAt: Date;
  readonly clock: () => Date;
  readonly log: BusLog;
}

/**
 * The events one custom bus retains, oldest first: "it keeps a copy of every event for a
 * retention period that you set on the bus" (eb-custom-bus-what-is). What subscribers
 * read — replay from a point in the window, then each event as it is appended. An event
 * older than the retention period is dropped the next time the store is touched.
 */
export class RetainedEvents {
  private events: RetainedEvent[] = [];
  private readonly listeners = new Set<RetainedEventListener>();

  constructor(private readonly options: RetainedEventsOptions) {}

  /** Keeps an accepted event and tells every listener about it. */
  append(event: RetainedEvent): void {
    this.expire();
    this.events.push(event);
    for (const listener of this.listeners) this.tell(listener, event);
  }

  /** The retained events accepted at or after `from`, oldest first (a copy). */
  since(from: Date): RetainedEvent[] {
    this.expire();
    return this.events.filter((e) => e.ingestedAt >= from.getTime());
  }

  /**
   * `RetentionWindowStartTime`: "the earliest point a subscriber can read from; on a new
   * bus that is the bus's creation time" (eb-custom-bus-replay).
   */
  windowStart(): Date {
    const { createdAt, retentionMs, clock } = this.options;
    return new Date(Math.max(createdAt.getTime(), clock().getTime() - retentionMs));
  }

  /** Registers a listener for appended events; returns a function that removes it. */
  onAppend(listener: RetainedEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Drops the events that left the retention window. */
  private expire(): void {
    const start = this.windowStart().getTime();
    const kept = this.events.findIndex((e) => e.ingestedAt >= start);
    const dropped = kept < 0 ? this.events.length : kept;
    if (dropped === 0) return;
    this.events = this.events.slice(dropped);
    this.options.log(`${dropped} event(s) left the retention window and were dropped`);
  }

  /** A failing listener is logged; it never fails the put that appended the event. */
  private tell(listener: RetainedEventListener, event: RetainedEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.options.log(`subscriber failed to take event ${event.event.id}: ${String(error)}`);
    }
  }
}
