import type { BusLog } from './bus-log.js';
import type { AcceptedEvents, EventListener, LocalEvent } from './event-bus.js';

/**
 * Every event the local buses accepted, in acceptance order, and the listeners told about
 * each: what `GET /events`, `accepted()` and `onEvent` read. One journal is shared by the
 * classic bus and the custom buses, so one list shows both in the order they were taken.
 */
export class EventJournal implements AcceptedEvents {
  private readonly events: LocalEvent[] = [];
  /** Position of each event in `events`, by id, for `acceptedAfter`. */
  private readonly positions = new Map<string, number>();
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly log: BusLog) {}

  /** Appends an accepted event and tells every listener about it. */
  record(event: LocalEvent): void {
    this.positions.set(event.id, this.events.length);
    this.events.push(event);
    this.notify(event);
  }

  accepted(): LocalEvent[] {
    return [...this.events];
  }

  acceptedAfter(id: string): LocalEvent[] | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.events.slice(position + 1);
  }

  /** Registers a listener for accepted events; returns a function that removes it. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Hands the event to every listener; a failing listener is logged, never fails the put. */
  private notify(event: LocalEvent): void {
    for (const listener of this.listeners) {
      const failed = (error: unknown) =>
        this.log(`listener failed on event ${event.id}: ${String(error)}`);
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}
