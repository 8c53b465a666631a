import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type OutboxStatus, parseSeq } from '../lambdas/outbox/index.js';
import { type AggregateRef, readAggregateRecords } from './aggregate-records.js';
import { CliError } from './errors.js';
import { table } from './output.js';
import { printable } from './printable.js';

/** One event of an inspected record. */
export interface InspectedEvent {
  readonly sequence: number;
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
  /** The envelope published as Detail, parsed. */
  readonly detail: unknown;
}

/** One outbox record of the chain. */
export interface InspectedRecord {
  /** The sequence of its last event (its sort key). */
  readonly sequence: number;
  readonly prevSeq: number;
  readonly status: OutboxStatus;
  readonly createdAt: string;
  readonly pendingShard?: number;
  readonly deliveredAt?: string;
  readonly failedAt?: string;
  readonly failure?: string;
  /** TTL (ISO-8601) of a delivered record. */
  readonly expiresAt?: string;
  readonly events: readonly InspectedEvent[];
  /** Set when the predecessor `prevSeq` is not in the table (expired by TTL). */
  readonly predecessorMissing?: boolean;
}

/** What `inspect` reports. */
export interface InspectReport {
  readonly aggregate: string;
  readonly tableName: string;
  readonly records: readonly InspectedRecord[];
  readonly counts: Readonly<Record<OutboxStatus, number>>;
}

const parsed = (detail: string): unknown => {
  try {
    return JSON.parse(detail);
  } catch {
    return detail;
  }
};

/**
 * The aggregate's outbox chain as the table holds it now: every retained record in
 * sequence order with its status, events and timestamps, read consistently.
 *
 * @throws CliError when the table holds no record of the aggregate
 * @example
 * const report = await inspectAggregate({ tableName, aggregate }, { documentClient });
 */
export async function inspectAggregate(
  options: { readonly tableName: string; readonly aggregate: AggregateRef },
  deps: { readonly documentClient: DynamoDBDocumentClient },
): Promise<InspectReport> {
  const records = await readAggregateRecords(
    deps.documentClient,
    options.tableName,
    options.aggregate.pk,
  );
  if (records.length === 0)
    throw new CliError(
      `no outbox records of ${options.aggregate.pk} in table ${options.tableName} (never written, or delivered and expired after the retention period)`,
    );
  const retained = new Set(records.map((r) => parseSeq(r.sk)));
  const counts = { PENDING: 0, DELIVERED: 0, FAILED: 0 };
  const inspected = records.map((record): InspectedRecord => {
    counts[record.status]++;
    return {
      sequence: parseSeq(record.sk),
      prevSeq: record.prevSeq,
      status: record.status,
      createdAt: record.createdAt,
      ...(record.pendingShard === undefined ? {} : { pendingShard: record.pendingShard }),
      ...(record.deliveredAt === undefined ? {} : { deliveredAt: record.deliveredAt }),
      ...(record.failedAt === undefined ? {} : { failedAt: record.failedAt }),
      ...(record.failure === undefined ? {} : { failure: record.failure }),
      ...(record.expiresAt === undefined
        ? {}
        : { expiresAt: new Date(record.expiresAt * 1000).toISOString() }),
      events: record.events.map((e) => ({
        sequence: e.sequence,
        eventId: e.eventId,
        source: e.source,
        detailType: e.detailType,
        time: e.time,
        detail: parsed(e.detail),
      })),
      ...(record.prevSeq !== 0 && !retained.has(record.prevSeq)
        ? { predecessorMissing: true }
        : {}),
    };
  });
  return {
    aggregate: options.aggregate.pk,
    tableName: options.tableName,
    records: inspected,
    counts,
  };
}

/** The human-readable chain: one line per record, its events below it. */
export function renderInspect(report: InspectReport): string {
  const rows = report.records.flatMap((r) => {
    const when =
      r.status === 'DELIVERED'
        ? `delivered ${r.deliveredAt ?? '?'}`
        : r.status === 'FAILED'
          ? `failed ${r.failedAt ?? '?'}: ${r.failure ?? '?'}`
          : `pending since ${r.createdAt} (shard ${r.pendingShard ?? '?'})`;
    const note = r.predecessorMissing ? ` [predecessor ${r.prevSeq} expired]` : '';
    return [
      [r.sequence, r.prevSeq, r.status, r.events.length, `${when}${note}`],
      ...r.events.map((e) => [
        '',
        '',
        '',
        '',
        `  event ${e.sequence}: ${e.detailType} ${e.eventId}`,
      ]),
    ];
  });
  const { PENDING, DELIVERED, FAILED } = report.counts;
  return [
    `${printable(report.aggregate)} in ${printable(report.tableName)}: ${report.records.length} record(s): ${DELIVERED} delivered, ${PENDING} pending, ${FAILED} failed`,
    '',
    table(['seq', 'prevSeq', 'status', 'events', 'detail'], rows),
  ].join('\n');
}
