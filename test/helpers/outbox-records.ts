/**
 * Typed outbox records, as the writer stores them, for the publisher, ordering, store,
 * quarantine and relay suites: deterministic keys, event ids, times and sizes.
 *
 * @example
 * const record = anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 2 });
 * record.events[0]?.eventId; // 'Order#1/3/0'
 * const chain = aChain({ aggregate: 'Order#1', records: 3, eventsPerRecord: 4 });
 */

import { buildEnvelope, type EventEnvelope } from '../../lambdas/outbox/envelope.js';
import {
  formatSeq,
  type OutboxRecord,
  OutboxStatus,
  parseSeq,
  pendingShardOf,
  type RecordKey,
  RecordType,
  type StoredEvent,
} from '../../lambdas/outbox/index.js';
import { storedEventSize } from '../../lambdas/outbox/put-events-entry.js';
import { FIXED_NOW_ISO } from './outbox-fixtures.js';

/** The Source of every event the factory builds, unless overridden. */
export const RECORD_SOURCE = 'com.example.orders';
/** The DetailType of every event the factory builds, unless overridden. */
export const RECORD_DETAIL_TYPE = 'OrderChanged';

/** What {@link anOutboxRecord} builds; everything has a default. */
export interface OutboxRecordSpec {
  /** The aggregate key, `<type>#<id>`. @default 'Order#1' */
  readonly aggregate?: string;
  /**
   * The record's sequence (its sort key): the sequence of its last event.
   * @default prevSeq + events
   */
  readonly seq?: number;
  /** The sequence of the aggregate's previous record; 0 for the first. @default seq − events */
  readonly prevSeq?: number;
  /** Number of events. @default seq − prevSeq when both are given, else 1 */
  readonly events?: number;
  /**
   * Exact UTF-8 size of every event's Detail (the envelope is padded to it).
   * @default - the unpadded envelope
   */
  readonly detailBytes?: number;
  readonly source?: string;
  readonly detailType?: string;
  /** ISO-8601 time of every event. @default FIXED_NOW_ISO */
  readonly time?: string;
  readonly resources?: readonly string[];
  readonly traceHeader?: string;
  /** @default 'PENDING' (with a pending shard) */
  readonly status?: OutboxStatus;
  /** @default FIXED_NOW_ISO */
  readonly createdAt?: string;
}

/** The deterministic event id of event `index` of record `seq`: `Order#1/3/0`. */
export function recordEventId(aggregate: string, seq: number, index: number): string {
  return `${aggregate}/${seq}/${index}`;
}

/** Splits `Order#1` into its type and id (the id may itself contain `#`). */
export function splitAggregate(aggregate: string): { type: string; id: string } {
  const at = aggregate.indexOf('#');
  if (at <= 0 || at === aggregate.length - 1) {
    throw new Error(`aggregate must look like '<type>#<id>', got '${aggregate}'`);
  }
  return { type: aggregate.slice(0, at), id: aggregate.slice(at + 1) };
}

/** Resolves seq, prevSeq and the event count from whichever of them the spec gives. */
function resolveSequences(spec: OutboxRecordSpec): { seq: number; prevSeq: number; n: number } {
  const { seq, prevSeq, events } = spec;
  let n: number;
  let last: number;
  let prev: number;
  if (seq !== undefined && prevSeq !== undefined) {
    n = events ?? seq - prevSeq;
    last = seq;
    prev = prevSeq;
  } else if (seq !== undefined) {
    n = events ?? 1;
    last = seq;
    prev = seq - n;
  } else {
    n = events ?? 1;
    prev = prevSeq ?? 0;
    last = prev + n;
  }
  if (!Number.isSafeInteger(n) || n < 1 || last - prev !== n || prev < 0) {
    throw new Error(
      `inconsistent record spec: seq ${last}, prevSeq ${prev}, events ${n} (seq − prevSeq must equal events ≥ 1)`,
    );
  }
  return { seq: last, prevSeq: prev, n };
}

/** Pads the envelope's data so that the serialized Detail is exactly `bytes` long. */
function detailOf(envelope: EventEnvelope<Record<string, unknown>>, bytes?: number): string {
  if (bytes === undefined) return JSON.stringify(envelope);
  const withPad = (pad: string) => JSON.stringify({ ...envelope, data: { ...envelope.data, pad } });
  const missing = bytes - Buffer.byteLength(withPad(''), 'utf8');
  if (missing < 0) {
    throw new Error(`detailBytes ${bytes} is below the smallest envelope (${bytes - missing})`);
  }
  return withPad('x'.repeat(missing));
}

/**
 * A stored outbox record, as the writer builds it: events with contiguous sequences
 * `prevSeq + 1 … seq`, a JSON envelope as Detail, deterministic ids `<aggregate>/<seq>/<i>`.
 *
 * @example
 * anOutboxRecord({ aggregate: 'Order#1', seq: 3, prevSeq: 2 }); // one event, sequence 3
 * anOutboxRecord({ aggregate: 'Order#2', prevSeq: 4, events: 3 }); // events 5, 6, 7; sk 7
 * anOutboxRecord({ detailBytes: 1_000 }); // every Detail exactly 1,000 bytes
 */
export function anOutboxRecord(spec: OutboxRecordSpec = {}): OutboxRecord {
  const aggregate = spec.aggregate ?? 'Order#1';
  const { type, id } = splitAggregate(aggregate);
  const { seq, prevSeq, n } = resolveSequences(spec);
  const time = spec.time ?? FIXED_NOW_ISO;
  const status = spec.status ?? OutboxStatus.pending;
  const events = Array.from({ length: n }, (_, i): StoredEvent => {
    const eventId = recordEventId(aggregate, seq, i);
    const sequence = prevSeq + i + 1;
    const envelope = buildEnvelope<Record<string, unknown>>({
      eventId,
      aggregateType: type,
      aggregateId: id,
      sequence,
      occurredAt: time,
      data: { index: i },
    });
    return {
      eventId,
      sequence,
      source: spec.source ?? RECORD_SOURCE,
      detailType: spec.detailType ?? RECORD_DETAIL_TYPE,
      detail: detailOf(envelope, spec.detailBytes),
      time,
      ...(spec.resources === undefined ? {} : { resources: [...spec.resources] }),
      ...(spec.traceHeader === undefined ? {} : { traceHeader: spec.traceHeader }),
    };
  });
  return {
    pk: aggregate,
    sk: formatSeq(seq),
    recordType: RecordType.outbox,
    aggregateType: type,
    aggregateId: id,
    prevSeq,
    events,
    eventCount: n,
    status,
    createdAt: spec.createdAt ?? FIXED_NOW_ISO,
    ...(status === OutboxStatus.pending ? { pendingShard: pendingShardOf(aggregate) } : {}),
  };
}

/** What {@link aChain} builds. */
export interface ChainSpec extends Omit<OutboxRecordSpec, 'seq' | 'prevSeq' | 'events'> {
  /** Number of records. @default 1 */
  readonly records?: number;
  /** Events per record: one count for all, or one per record. @default 1 */
  readonly eventsPerRecord?: number | readonly number[];
  /** The `prevSeq` of the first record. @default 0 */
  readonly startAfter?: number;
}

/**
 * Consecutive records of one aggregate, each one's `prevSeq` the previous one's `seq`:
 * event sequences run `startAfter + 1, startAfter + 2, …` with no gap.
 *
 * @example
 * aChain({ aggregate: 'Order#1', records: 3, eventsPerRecord: [1, 2, 1] });
 * // sk 1 (prevSeq 0), sk 3 (prevSeq 1), sk 4 (prevSeq 3)
 */
export function aChain(spec: ChainSpec = {}): OutboxRecord[] {
  const { records = 1, eventsPerRecord = 1, startAfter = 0, ...rest } = spec;
  const counts =
    typeof eventsPerRecord === 'number'
      ? Array.from({ length: records }, () => eventsPerRecord)
      : [...eventsPerRecord];
  if (counts.length !== records) {
    throw new Error(`eventsPerRecord has ${counts.length} counts for ${records} records`);
  }
  const chain: OutboxRecord[] = [];
  let prevSeq = startAfter;
  for (const events of counts) {
    chain.push(anOutboxRecord({ ...rest, prevSeq, events }));
    prevSeq += events;
  }
  return chain;
}

/** The table key of a record. */
export function keyOf(record: OutboxRecord): RecordKey {
  return { pk: record.pk, sk: record.sk };
}

/** The key of record `seq` of an aggregate. */
export function recordKey(aggregate: string, seq: number): RecordKey {
  return { pk: aggregate, sk: formatSeq(seq) };
}

/** The sequence (as a number) of a record. */
export function seqOf(record: OutboxRecord): number {
  return parseSeq(record.sk);
}

/** Every event id of the records, in order. */
export function eventIdsOf(records: readonly OutboxRecord[]): string[] {
  return records.flatMap((r) => r.events.map((e) => e.eventId));
}

/** The PutEvents entry size (documented formula) of the first event of a record. */
export function firstEntrySize(record: OutboxRecord): number {
  const event = record.events[0];
  if (event === undefined) throw new Error(`record ${record.pk}/${record.sk} has no events`);
  return storedEventSize(event);
}
