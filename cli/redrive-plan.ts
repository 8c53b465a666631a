import {
  DEFAULT_PENDING_SHARDS,
  OutboxAttribute,
  type OutboxRecord,
  OutboxStatus,
  pendingShardOf,
  type QuarantineMessage,
  RecordType,
  type StoredEvent,
} from '../lambdas/outbox/index.js';
import { keyMismatch } from '../lambdas/outbox/record-integrity.js';

/**
 * `publish`: publish the record's events now, then mark it DELIVERED. `pending`: put the
 * record back to PENDING, for the sweeper.
 */
export type RedriveMode = 'publish' | 'pending';

/**
 * What is done with a message: publish the table's events (and mark DELIVERED), publish the
 * message's own events because the table has no record (`--allow-absent` only), set the
 * record PENDING, only delete the message (its record is delivered or pending already), or
 * keep it (it cannot, or must not, be redriven).
 */
export type RedriveAction =
  | 'publish'
  | 'publish-unverified'
  | 'set-pending'
  | 'delete-message'
  | 'keep';

/** What the table holds at the message's key: the record's status, or why it is none. */
export type TableStatus = OutboxStatus | 'ABSENT' | 'NOT_AN_OUTBOX_RECORD';

/** The decision for one message, made from the table's record and never from the message. */
export interface RedrivePlan {
  readonly action: RedriveAction;
  readonly tableStatus: TableStatus;
  readonly detail: string;
  /** What to publish: the table's events; the message's only for `publish-unverified`. */
  readonly events: readonly StoredEvent[];
  /** The record to publish and mark: the table's, or the message's when absent. */
  readonly record?: OutboxRecord;
  /** The pending-index shard for `set-pending`: the table's, or computed from the key. */
  readonly shard?: number;
}

export interface PlanOptions {
  readonly mode: RedriveMode;
  /** Publish the message's own events when the table has no record. @default false */
  readonly allowAbsent?: boolean;
  /** Shards of the pending index, for a record that carries none. @default 16 */
  readonly pendingShards?: number;
}

/** The fields of an event that reach EventBridge: two events are the same if these are. */
const published = (e: StoredEvent) =>
  JSON.stringify([
    e.eventId,
    e.sequence,
    e.source,
    e.detailType,
    e.detail,
    e.time,
    e.resources ?? null,
    e.traceHeader ?? null,
  ]);

/** Whether the message carries exactly the table's events, in the same order. */
export function sameEvents(
  message: readonly StoredEvent[],
  stored: readonly StoredEvent[],
): boolean {
  return (
    message.length === stored.length &&
    message.every((event, i) => {
      const other = stored[i];
      return other !== undefined && published(event) === published(other);
    })
  );
}

const keep = (tableStatus: TableStatus, detail: string): RedrivePlan => ({
  action: 'keep',
  tableStatus,
  detail,
  events: [],
});

/** ABSENT: nothing vouches for the message; publish it only when the operator said so. */
function planAbsent(message: QuarantineMessage, options: PlanOptions): RedrivePlan {
  if (options.mode === 'pending')
    return keep('ABSENT', 'the record is not in the table: there is nothing to set PENDING');
  if (options.allowAbsent !== true)
    return keep(
      'ABSENT',
      'refused: the record is not in the table, so nothing vouches for the events in the message (anyone who may send to the queue can write one); read the message, then publish it as it is with --allow-absent',
    );
  const foreign = refusedForeignEvents(message.record, 'ABSENT');
  if (foreign !== undefined) return foreign;
  const { events } = message.record;
  return {
    action: 'publish-unverified',
    tableStatus: 'ABSENT',
    detail: `UNVERIFIED: publish the message's own ${events.length} event(s); the record is not in the table, nothing to mark`,
    events,
    record: message.record,
  };
}

/**
 * A record whose events name another aggregate than its key (the relay quarantines it as
 * `KeyMismatch`): publishing it would put events a writer may not emit on the bus with
 * the operator's credentials. Judged from the record itself, never from the message's
 * failure code.
 */
function refusedForeignEvents(
  record: OutboxRecord,
  tableStatus: TableStatus,
): RedrivePlan | undefined {
  const problem = keyMismatch(record);
  return problem === undefined
    ? undefined
    : keep(
        tableStatus,
        `refused: ${problem}; its events do not belong to its key, so no redrive publishes them`,
      );
}

/** A FAILED record: set it PENDING, or publish every one of its stored events. */
function planFailed(record: OutboxRecord, accepted: number, options: PlanOptions): RedrivePlan {
  const foreign = refusedForeignEvents(record, OutboxStatus.failed);
  if (foreign !== undefined) return foreign;
  if (options.mode === 'pending') {
    // Never the message's shard: one above the sweeper's count would never be swept.
    const shard =
      typeof record.pendingShard === 'number'
        ? record.pendingShard
        : pendingShardOf(record.pk, options.pendingShards ?? DEFAULT_PENDING_SHARDS);
    return {
      action: 'set-pending',
      tableStatus: OutboxStatus.failed,
      detail: `FAILED → PENDING in shard ${shard}: the sweeper delivers it after its grace period`,
      events: [],
      record,
      shard,
    };
  }
  // The message's claim that some events were accepted is not trusted either: skipping them
  // on its word could drop events; publishing them again only repeats their eventIds.
  const again =
    accepted > 0
      ? ` (${accepted} were accepted before the failure: consumers see them again with the same eventId)`
      : '';
  return {
    action: 'publish',
    tableStatus: OutboxStatus.failed,
    detail: `publish the table's ${record.events.length} event(s), then FAILED → DELIVERED${again}`,
    events: record.events,
    record,
  };
}

/**
 * Decides what to do with one quarantine message. The message only says where to look: the
 * record is reloaded from the table, and what gets published is the table's stored events,
 * only while the record is FAILED, its events belong to its key, and the message carries
 * exactly those events. A message that differs from its record (forged, or from another
 * table) is kept, as is one whose record is absent, unless `allowAbsent` (then its own
 * events are published, flagged unverified, if they belong to its key).
 *
 * @example
 * const plan = planRedrive(message, await readStoredItem(client, table, message.record), {
 *   mode: 'publish',
 * });
 */
export function planRedrive(
  message: QuarantineMessage,
  stored: Record<string, unknown> | undefined,
  options: PlanOptions,
): RedrivePlan {
  if (stored === undefined) return planAbsent(message, options);
  if (stored[OutboxAttribute.recordType] !== RecordType.outbox)
    return keep(
      'NOT_AN_OUTBOX_RECORD',
      'refused: the item at this key is not an outbox record (forged message, or another table)',
    );
  const record = stored as unknown as OutboxRecord;
  if (!sameEvents(message.record.events, record.events))
    return keep(
      record.status,
      "refused: the message's events differ from the table's record (forged, or from another table); it stays in the queue",
    );
  if (record.status === OutboxStatus.delivered)
    return { ...keep(record.status, 'the record is DELIVERED already'), action: 'delete-message' };
  if (record.status === OutboxStatus.pending)
    return {
      ...keep(record.status, 'the record is PENDING again: the relay or the sweeper delivers it'),
      action: 'delete-message',
    };
  if (record.status !== OutboxStatus.failed)
    return keep(record.status, `refused: unknown record status '${String(record.status)}'`);
  return planFailed(record, message.acceptedEventIds.length, options);
}
