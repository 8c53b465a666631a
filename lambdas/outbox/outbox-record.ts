import type { OutboxStatus, RecordType } from './schema.js';

/**
 * One event inside an outbox record, stored exactly as the relay will send it: the
 * Detail is serialized once, at write time, so what was validated is what is published.
 */
export interface StoredEvent {
  readonly eventId: string;
  readonly sequence: number;
  readonly source: string;
  readonly detailType: string;
  /** The serialized {@link EventEnvelope}: PutEvents `Detail`, verbatim. */
  readonly detail: string;
  /** ISO-8601 `occurredAt`: PutEvents `Time`. */
  readonly time: string;
  readonly resources?: readonly string[];
  readonly traceHeader?: string;
}

/**
 * The outbox item of one committed transaction: every event it emitted, in order.
 * `prevSeq` is the sort key (as a number) of the aggregate's previous record, 0 for the
 * first: the relay publishes a record only once that predecessor is delivered.
 */
export interface OutboxRecord {
  readonly pk: string;
  readonly sk: string;
  readonly recordType: typeof RecordType.outbox;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly prevSeq: number;
  readonly events: readonly StoredEvent[];
  readonly eventCount: number;
  readonly status: OutboxStatus;
  /** ISO-8601 commit time (the writer's clock). */
  readonly createdAt: string;
  /** Pending-index shard; present only while PENDING (sparse index). */
  readonly pendingShard?: number;
  readonly deliveredAt?: string;
  readonly failedAt?: string;
  readonly failure?: string;
  /** TTL, epoch seconds; set on delivery only. */
  readonly expiresAt?: number;
}
