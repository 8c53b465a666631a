import type { OutboxRecord } from './outbox-record.js';
import { formatSeq, parseSeq } from './schema.js';

/** What the table says of a record: its status, or ABSENT once TTL has removed it. @internal */
export type RecordState = 'PENDING' | 'DELIVERED' | 'FAILED' | 'ABSENT';

/** The table key of an outbox record. @internal */
export interface RecordKey {
  readonly pk: string;
  readonly sk: string;
}

/** A stable string form of a key, for maps and sets. @internal */
export const keyString = (key: RecordKey): string => `${key.pk}\u0000${key.sk}`;

/** The key of a record's predecessor, or undefined for an aggregate's first record. @internal */
export function predecessorKey(record: OutboxRecord): RecordKey | undefined {
  return record.prevSeq === 0 ? undefined : { pk: record.pk, sk: formatSeq(record.prevSeq) };
}

/** How a set of outbox records can be delivered without breaking order. @internal */
export interface DeliveryPlan {
  /**
   * One chain per aggregate: records to publish in this order. The first one's
   * predecessor is done; each later one's predecessor is the record before it.
   */
  readonly chains: readonly (readonly OutboxRecord[])[];
  /** Records the table already shows DELIVERED, FAILED or gone: nothing to do. */
  readonly alreadyDone: readonly {
    readonly record: OutboxRecord;
    readonly state: Exclude<RecordState, 'PENDING'>;
  }[];
  /** Records waiting for a predecessor that is still PENDING (and not in a chain). */
  readonly deferred: readonly { readonly record: OutboxRecord; readonly blockedBy: RecordKey }[];
}

/**
 * The ordering rule: a record may be published only when its predecessor (`prevSeq`) is
 * DELIVERED, FAILED or gone, or is itself earlier in the same chain (so it will have been
 * accepted first). Everything after a blocked record of the same aggregate waits too.
 *
 * @param records outbox records of any aggregates, in any order, without duplicates
 * @param stateOf the table's view of any record or predecessor (read consistently)
 * @internal
 */
export function planDelivery(
  records: readonly OutboxRecord[],
  stateOf: (key: RecordKey) => RecordState,
): DeliveryPlan {
  const byAggregate = new Map<string, OutboxRecord[]>();
  for (const record of records) {
    const list = byAggregate.get(record.pk) ?? [];
    list.push(record);
    byAggregate.set(record.pk, list);
  }
  const chains: OutboxRecord[][] = [];
  const alreadyDone: { record: OutboxRecord; state: Exclude<RecordState, 'PENDING'> }[] = [];
  const deferred: { record: OutboxRecord; blockedBy: RecordKey }[] = [];
  for (const list of byAggregate.values()) {
    list.sort((a, b) => parseSeq(a.sk) - parseSeq(b.sk));
    const inBatch = new Set(list.map((r) => parseSeq(r.sk)));
    const chain: OutboxRecord[] = [];
    // Sequences in this batch whose predecessor requirement is met for what follows.
    const satisfied = new Set<number>();
    let blockedBy: RecordKey | undefined;
    for (const record of list) {
      const seq = parseSeq(record.sk);
      const state = stateOf(record);
      if (state !== 'PENDING') {
        alreadyDone.push({ record, state });
        satisfied.add(seq);
        continue;
      }
      if (blockedBy !== undefined) {
        deferred.push({ record, blockedBy });
        continue;
      }
      const predecessor = predecessorKey(record);
      const ready =
        predecessor === undefined ||
        satisfied.has(record.prevSeq) ||
        // A predecessor in this batch that is not satisfied is blocked itself.
        (!inBatch.has(record.prevSeq) && stateOf(predecessor) !== 'PENDING');
      if (!ready) {
        blockedBy = predecessor;
        deferred.push({ record, blockedBy: predecessor as RecordKey });
        continue;
      }
      chain.push(record);
      satisfied.add(seq);
    }
    if (chain.length > 0) chains.push(chain);
  }
  return { chains, alreadyDone, deferred };
}
