import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  OrderedPublisher,
  OutboxDelivery,
  type OutboxRecord,
  OutboxWriter,
} from '../../lambdas/outbox/index.js';
import { OutboxStore } from '../../lambdas/outbox/outbox-store.js';
import { Quarantine } from '../../lambdas/outbox/quarantine.js';
import type { RelayDependencies } from '../../lambdas/relay/index.js';
import type { SweeperDependencies } from '../../lambdas/sweeper/index.js';
import { FakeDeadLetterQueue, FakeEventBus, FakeOutboxTable } from './fake-aws.js';

export const BUS_NAME = 'orders-bus';
export const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq';
const NOW = Date.parse('2026-11-25T10:00:00.000Z');

/** A clock that only moves when something sleeps on it: retries take no real time. */
export class VirtualClock {
  ms = 0;
  readonly now = (): number => this.ms;
  readonly date = (): Date => new Date(NOW + this.ms);
  readonly sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
}

/** Metric values the relay emitted, by name (summed). */
export class MetricsRecorder {
  readonly values = new Map<string, number>();
  addMetric(name: string, _unit: string, value: number): void {
    this.values.set(name, (this.values.get(name) ?? 0) + value);
  }
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
}

/** Everything a relay test needs: the fakes, and the relay's dependencies wired to them. */
export interface RelayHarness {
  readonly table: FakeOutboxTable;
  readonly bus: FakeEventBus;
  readonly dlq: FakeDeadLetterQueue;
  readonly clock: VirtualClock;
  readonly metrics: MetricsRecorder;
  readonly deps: RelayDependencies;
  /** Restores the mocked SDK clients. */
  restore(): void;
}

/**
 * Builds the relay over in-memory fakes of the outbox table, the bus and the DLQ, with the
 * real store, publisher and quarantine.
 *
 * @example
 * const h = relayHarness();
 * const result = await relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());
 */
export function relayHarness(
  options: {
    readonly maxRequestBytes?: number;
    readonly concurrency?: number;
    readonly predecessorWaitMs?: number;
  } = {},
): RelayHarness {
  const table = new FakeOutboxTable();
  const bus = new FakeEventBus(options.maxRequestBytes);
  const dlq = new FakeDeadLetterQueue();
  const clock = new VirtualClock();
  const metrics = new MetricsRecorder();
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const logger = new Logger({ serviceName: 'relay-test', logLevel: 'SILENT' });
  const deps: RelayDependencies = {
    delivery: new OutboxDelivery({
      store: new OutboxStore({
        client,
        tableName: 'outbox',
        clock: clock.date,
        sleep: clock.sleep,
      }),
      publisher: new OrderedPublisher({
        eventBridge: new EventBridgeClient({}),
        eventBusName: BUS_NAME,
        ...(options.maxRequestBytes === undefined
          ? {}
          : { maxRequestBytes: options.maxRequestBytes }),
        concurrency: options.concurrency ?? 4,
        sleep: clock.sleep,
        now: clock.now,
      }),
      quarantine: new Quarantine({ sqs: new SQSClient({}), queueUrl: DLQ_URL, clock: clock.date }),
      logger,
    }),
    logger,
    metrics,
    safetyMarginMs: 1_000,
    predecessorWaitMs: options.predecessorWaitMs ?? 0,
    clock: clock.date,
    sleep: clock.sleep,
  };
  return {
    table,
    bus,
    dlq,
    clock,
    metrics,
    deps,
    restore: () => {
      table.mock.restore();
      bus.mock.restore();
      dlq.mock.restore();
    },
  };
}

/** A Lambda context's clock: `remaining` ms left (default: plenty). */
export function lambdaTime(remaining = 60_000): { getRemainingTimeInMillis(): number } {
  return { getRemainingTimeInMillis: () => remaining };
}

/**
 * The outbox records an aggregate's transactions produce, built by the real writer:
 * one record per entry of `eventsPerTransaction`, with contiguous sequences.
 *
 * @example
 * const [first, second] = recordsOf('o-1', [1, 2]); // sequences 1, then 2..3
 */
export function recordsOf(
  aggregateId: string,
  eventsPerTransaction: readonly number[],
  detailBytes = 16,
): OutboxRecord[] {
  let ids = 0;
  const writer = new OutboxWriter({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: 'outbox',
    clock: () => new Date(NOW),
    newEventId: () => `${aggregateId}/${++ids}`,
  });
  let lastEventSeq = 0;
  return eventsPerTransaction.map((count, t) => {
    const events = Array.from({ length: count }, (_, i) => ({
      source: 'com.example.orders',
      detailType: `Step${t}.${i}`,
      detail: { pad: 'x'.repeat(detailBytes) },
    }));
    const { record } = writer.prepare({
      aggregate: { type: 'Order', id: aggregateId },
      entity:
        t === 0
          ? { type: 'create', tableName: 'orders', key: { id: aggregateId }, item: {} }
          : {
              type: 'update',
              tableName: 'orders',
              key: { id: aggregateId },
              expectedVersion: t,
              lastEventSeq,
            },
      events,
    });
    lastEventSeq += count;
    return record;
  });
}

/**
 * The sweeper's dependencies over a harness's fake table, bus and DLQ (the relay's own
 * delivery pass), with the construct's defaults and a clock at `now`.
 *
 * @example
 * await sweepPendingRecords(sweeperOf(h, { maxRecordsPerRun: 2 }), lambdaTime());
 */
export function sweeperOf(
  harness: RelayHarness,
  overrides: Partial<SweeperDependencies> & { readonly now?: Date } = {},
): SweeperDependencies {
  const { now = new Date('2026-11-25T10:00:00.000Z'), ...rest } = overrides;
  return {
    documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: 'outbox',
    delivery: harness.deps.delivery,
    logger: new Logger({ serviceName: 'sweeper-test', logLevel: 'SILENT' }),
    metrics: new MetricsRecorder(),
    pendingShards: 16,
    graceMs: 5 * 60_000,
    maxRecordsPerRun: 1_000,
    safetyMarginMs: 1_000,
    clock: () => now,
    ...rest,
  };
}
