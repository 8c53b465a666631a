import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrderedPublisher } from './ordered-publisher.js';
import {
  keyString,
  planDelivery,
  predecessorKey,
  type RecordKey,
  type RecordState,
} from './ordering.js';
import type { OutboxRecord } from './outbox-record.js';
import type { OutboxStore } from './outbox-store.js';
import type { PublishFailure, Quarantine } from './quarantine.js';
import { keyMismatch } from './record-integrity.js';

/** Counters of a delivery run, for metrics and logs. @internal */
export interface DeliveryTally {
  /** Events the bus accepted as new events. */
  published: number;
  /** Events the bus answered as repeats it suppressed (Custom Event Bus `DEDUPLICATED`). */
  deduplicated: number;
  /** Records found already DELIVERED: not published again. */
  duplicatesSkipped: number;
  /** Records quarantined to the DLQ. */
  poison: number;
  /** Entries sent again after a retryable failure. */
  retries: number;
  /** PutEvents calls. */
  calls: number;
}

/** A fresh, zeroed tally. @internal */
export const emptyTally = (): DeliveryTally => ({
  published: 0,
  deduplicated: 0,
  duplicatesSkipped: 0,
  poison: 0,
  retries: 0,
  calls: 0,
});

/** The outcome of one {@link OutboxDelivery.deliver} pass. @internal */
export interface DeliveryOutcome {
  /** Records still waiting for a PENDING predecessor. */
  readonly deferred: readonly OutboxRecord[];
  /** Set when EventBridge refused the caller itself (permissions, missing bus). */
  readonly configurationError?: PublishFailure;
}

/**
 * One delivery pass over outbox records, shared by the relay and the sweeper so that both
 * follow the same rule: read the states of the records and of their predecessors
 * (consistently), quarantine records whose events are not their key's, plan by the
 * ordering rule, publish in order, mark each fully accepted record DELIVERED at once, and
 * quarantine poison with its payload.
 * @internal
 */
export class OutboxDelivery {
  private readonly store: OutboxStore;
  private readonly publisher: OrderedPublisher;
  private readonly quarantine: Quarantine;
  private readonly logger: Logger;

  constructor(deps: {
    readonly store: OutboxStore;
    readonly publisher: OrderedPublisher;
    readonly quarantine: Quarantine;
    readonly logger: Logger;
  }) {
    this.store = deps.store;
    this.publisher = deps.publisher;
    this.quarantine = deps.quarantine;
    this.logger = deps.logger;
  }

  /**
   * Delivers what the ordering rule allows now. Keys of records that are done (delivered,
   * skipped, quarantined) are added to `done`, which also counts as DELIVERED for
   * predecessors in later passes.
   */
  async deliver(
    records: readonly OutboxRecord[],
    done: Set<string>,
    tally: DeliveryTally,
    remainingMs: () => number,
  ): Promise<DeliveryOutcome> {
    const inBatch = new Set(records.map(keyString));
    const predecessors = records
      .map(predecessorKey)
      .filter((k): k is RecordKey => k !== undefined && !inBatch.has(keyString(k)));
    const states = await this.store.readStates([...records, ...predecessors]);
    const foreign = await this.refuseForeignEvents(records, states, done, tally);
    const stateOf = (key: RecordKey): RecordState =>
      done.has(keyString(key)) ? 'DELIVERED' : (states.get(keyString(key)) ?? 'ABSENT');
    const plan = planDelivery(
      records.filter((record) => !foreign.has(keyString(record))),
      stateOf,
    );
    for (const { record, state } of plan.alreadyDone) {
      done.add(keyString(record));
      if (state === 'DELIVERED') tally.duplicatesSkipped++;
    }

    const settling: Promise<void>[] = [];
    const report = await this.publisher.publish(plan.chains, {
      remainingMs,
      onAccepted: (record) => {
        settling.push(
          this.store.markDelivered(record).then(
            () => void done.add(keyString(record)),
            (error: unknown) =>
              this.logger.warn('marking failed; the record will be published again', {
                key: record.pk,
                sk: record.sk,
                error: error as Error,
              }),
          ),
        );
      },
      onPoison: (record, failure, acceptedEventIds) => {
        settling.push(this.quarantineRecord(record, failure, acceptedEventIds, done, tally));
      },
    });
    await Promise.all(settling);
    tally.published += report.eventsPublished;
    tally.deduplicated += report.eventsDeduplicated;
    tally.retries += report.retries;
    tally.calls += report.calls;
    return {
      deferred: plan.deferred.map((d) => d.record),
      ...(report.configurationError ? { configurationError: report.configurationError } : {}),
    };
  }

  /**
   * Quarantines the PENDING records whose events name another aggregate than their key
   * (`KeyMismatch`), so that IAM's hold on a writer's keys holds on its events too; such
   * records never reach the plan. Returns their keys.
   */
  private async refuseForeignEvents(
    records: readonly OutboxRecord[],
    states: ReadonlyMap<string, RecordState>,
    done: Set<string>,
    tally: DeliveryTally,
  ): Promise<Set<string>> {
    const foreign = new Set<string>();
    for (const record of records) {
      const problem = keyMismatch(record);
      const key = keyString(record);
      if (problem === undefined) continue;
      foreign.add(key);
      if (done.has(key)) continue;
      // Already FAILED (a redelivered stream record) or gone: nothing left to do.
      if (states.get(key) !== 'PENDING') {
        done.add(key);
        continue;
      }
      await this.quarantineRecord(
        record,
        { code: 'KeyMismatch', message: problem },
        [],
        done,
        tally,
      );
    }
    return foreign;
  }

  /**
   * Sends a record that can never be published to the DLQ with its payload, then marks it
   * FAILED. If either step fails the record stays PENDING (and not done): nothing is lost.
   */
  async quarantineRecord(
    record: OutboxRecord,
    failure: PublishFailure,
    acceptedEventIds: readonly string[],
    done: Set<string>,
    tally: DeliveryTally,
  ): Promise<void> {
    try {
      await this.quarantine.send(record, failure, acceptedEventIds);
      await this.store.markFailed(record, `${failure.code}: ${failure.message}`);
      done.add(keyString(record));
      tally.poison++;
      this.logger.error('poison record quarantined', { key: record.pk, sk: record.sk, failure });
    } catch (error) {
      this.logger.error('quarantine failed; the record stays PENDING', {
        key: record.pk,
        sk: record.sk,
        error: error as Error,
      });
    }
  }

  /** Sends an unreadable image (no usable key) to the DLQ: it cannot be marked. */
  async quarantineUnkeyed(image: Record<string, unknown>, failure: PublishFailure): Promise<void> {
    await this.quarantine.send(image as unknown as OutboxRecord, failure, []);
  }
}
