import { type BackoffOptions, fullJitterDelay } from './backoff.js';
import { OutboxError } from './errors.js';
import type { OutboxRecord, StoredEvent } from './outbox-record.js';

/** A record a lane gave up on, with the events of it the bus had already accepted. @internal */
export interface PoisonedRecord {
  readonly record: OutboxRecord;
  /** Our event ids (not the bus's), in order. */
  readonly acceptedEventIds: readonly string[];
}

/**
 * The publishing state of one aggregate's chain of records: which event goes next, and
 * when. Its events go out strictly one after the other, so at most one is in flight and
 * a partial failure cannot reorder them.
 *
 * @internal
 */
export class PublishLane {
  /** Index of the current record in the chain; the chain's length once the lane is done. */
  private recordIndex = 0;
  /** Index of the current event in the current record. */
  private eventIndex = 0;
  private acceptedEventIds: string[] = [];
  /** Times the current event was scheduled to be sent again: the backoff's exponent. */
  private retries = 0;
  /** Answers with an undocumented error code for the current event. */
  private unknownAnswers = 0;
  /** Monotonic ms before which the current event is not sent (its backoff). */
  private notBefore = 0;
  private awaitingAnswer = false;
  private alone = false;
  private left: number;

  constructor(readonly records: readonly OutboxRecord[]) {
    this.left = records.reduce((sum, record) => sum + record.events.length, 0);
  }

  /** Every record was accepted or poisoned. */
  get done(): boolean {
    return this.recordIndex >= this.records.length;
  }

  get record(): OutboxRecord {
    const record = this.records[this.recordIndex];
    if (record === undefined) throw new OutboxError('the lane is done: it has no current record');
    return record;
  }

  /** The next event to send. */
  get event(): StoredEvent {
    const event = this.record.events[this.eventIndex];
    if (event === undefined) throw new OutboxError('the lane is done: it has no current event');
    return event;
  }

  /** Events of the chain not yet accepted or poisoned. */
  get eventsLeft(): number {
    return this.left;
  }

  /** Monotonic ms from which the current event may be sent. */
  get readyAt(): number {
    return this.notBefore;
  }

  /** Whether the next send of the current event is a retry. */
  get retrying(): boolean {
    return this.retries > 0;
  }

  /** Whether the next entry must go in a call of its own. */
  get sendsAlone(): boolean {
    return this.alone;
  }

  /** The records not accepted or poisoned, the current one included even if partly sent. */
  get unfinishedRecords(): readonly OutboxRecord[] {
    return this.records.slice(this.recordIndex);
  }

  /** Whether the current event may go in a call now. */
  isReady(now: number): boolean {
    return !this.awaitingAnswer && !this.done && this.notBefore <= now;
  }

  /** The current event went out in a call. */
  sent(): void {
    this.awaitingAnswer = true;
  }

  /** The call holding the current event came back, whatever its answer. */
  answered(): void {
    this.awaitingAnswer = false;
  }

  /**
   * The bus accepted the current event; the lane moves to the next. Returns the record
   * when that was its last event.
   */
  accepted(eventId: string): OutboxRecord | undefined {
    // The entry that failed a multi-entry request went through alone: share calls again.
    this.alone = false;
    this.acceptedEventIds.push(eventId);
    this.left--;
    this.eventIndex++;
    this.startEventAfresh();
    const record = this.record;
    if (this.eventIndex < record.events.length) return undefined;
    this.nextRecord();
    return record;
  }

  /** The current record can never be published: the lane skips the rest of it. */
  poisoned(): PoisonedRecord {
    const poisoned = { record: this.record, acceptedEventIds: [...this.acceptedEventIds] };
    this.left -= this.record.events.length - this.eventIndex;
    this.nextRecord();
    return poisoned;
  }

  /** The current event goes again after a full-jitter backoff that grows with each retry. */
  retryLater(now: number, backoff: BackoffOptions): void {
    this.retries++;
    this.notBefore = now + fullJitterDelay(this.retries, backoff);
  }

  /** Counts an answer with an undocumented code for the current event; returns the count. */
  unknownAnswer(): number {
    this.unknownAnswers++;
    return this.unknownAnswers;
  }

  /** The current event was in a multi-entry call refused for an unknown entry: go alone. */
  sendAlone(): void {
    this.alone = true;
  }

  private nextRecord(): void {
    this.recordIndex++;
    this.eventIndex = 0;
    this.acceptedEventIds = [];
    this.startEventAfresh();
  }

  /** A new event has its own retries: the backoff and the unknown-code count start over. */
  private startEventAfresh(): void {
    this.retries = 0;
    this.unknownAnswers = 0;
    this.notBefore = 0;
  }
}
