import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { BusTarget } from '../lambdas/outbox/bus-target.js';
import {
  busPublisher,
  MAX_PUT_EVENTS_ENTRIES,
  OrderedPublisher,
  OutboxDelivery,
  type OutboxRecord,
} from '../lambdas/outbox/index.js';
import { OutboxStore } from '../lambdas/outbox/outbox-store.js';
import { toPutEventsEntry } from '../lambdas/outbox/put-events-entry.js';
import { Quarantine } from '../lambdas/outbox/quarantine.js';
import { relayStreamBatch } from '../lambdas/relay/index.js';
import {
  type StubCustomBus,
  type StubEventBus,
  type StubOutboxTable,
  unusedQueue,
} from './stubs.js';

/**
 * The two relays the benchmarks compare, over the same stubs: ours (the real
 * `relayStreamBatch` with the real store, publisher and quarantine, configured as the
 * construct deploys it), and the naive relay of public samples. Ours publishes to the
 * classic bus or to the Custom Event Bus: the same relay code, only the adapter differs.
 */

export const BUS_NAME = 'orders-bus';
export const TABLE_NAME = 'outbox';

/** A relay: handles one stream batch. */
export type Relay = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

/** Settings both relays share. */
export interface RelaySetup {
  readonly bus: StubEventBus;
  /**
   * When set, ours publishes to this Custom Event Bus (`EVENT_BUS_KIND=custom`) and `bus`
   * stays unused; the naive relay always publishes to `bus`.
   * @default - ours publishes to `bus`
   */
  readonly customBus?: StubCustomBus;
  readonly table: StubOutboxTable;
  /** @default 1 MiB */
  readonly maxRequestBytes?: number;
  /** `PUBLISH_CONCURRENCY`. @default 4, the construct's default */
  readonly concurrency?: number;
}

const silent = new Logger({ serviceName: 'outbox-bench', logLevel: 'SILENT' });
const noMetrics = { addMetric: () => undefined };
const lambdaContext = { getRemainingTimeInMillis: () => 60_000 };

/**
 * Our relay: `relayStreamBatch` with the construct's defaults (`PUBLISH_CONCURRENCY` 4), its
 * publisher built by `busPublisher` as `createOutboxDelivery` builds it.
 */
export function ourRelay(setup: RelaySetup): Relay {
  const target: BusTarget = setup.customBus
    ? { kind: 'custom', eventBusArn: setup.customBus.arn }
    : { kind: 'classic', eventBusName: BUS_NAME };
  const delivery = new OutboxDelivery({
    store: new OutboxStore({ client: setup.table.client, tableName: TABLE_NAME }),
    publisher: new OrderedPublisher({
      publisher: busPublisher(target, {
        maxRequestBytes: setup.maxRequestBytes ?? 1024 * 1024,
        eventBridge: setup.bus.client,
        ...(setup.customBus ? { eventBridgeV2: setup.customBus.client } : {}),
      }),
      concurrency: setup.concurrency ?? 4,
    }),
    quarantine: new Quarantine({ sqs: unusedQueue, queueUrl: 'https://sqs.invalid/dlq' }),
    logger: silent,
  });
  const deps = {
    delivery,
    logger: silent,
    metrics: noMetrics,
    safetyMarginMs: 2_000,
    predecessorWaitMs: 1_000,
  };
  return (event) => relayStreamBatch(deps, event, lambdaContext);
}

/**
 * The relay of public samples: for each stream record, in order, one PutEvents call
 * with that record's events (chunks of 10 when it has more), awaited, then the record is
 * marked delivered. A failed entry fails the whole batch (Lambda retries it).
 */
export function naiveRelay(setup: RelaySetup): Relay {
  return async (event) => {
    for (const streamRecord of event.Records) {
      const newImage = streamRecord.dynamodb?.NewImage;
      if (streamRecord.eventName !== 'INSERT' || newImage === undefined) continue;
      const record = unmarshall(newImage as Record<string, AttributeValue>) as OutboxRecord;
      if (record.recordType !== 'OUTBOX') continue;
      for (let i = 0; i < record.events.length; i += MAX_PUT_EVENTS_ENTRIES) {
        const output = await setup.bus.client.send(
          new PutEventsCommand({
            Entries: record.events
              .slice(i, i + MAX_PUT_EVENTS_ENTRIES)
              .map((e) => toPutEventsEntry(e, BUS_NAME)),
          }),
        );
        if ((output.FailedEntryCount ?? 0) > 0)
          throw new Error(`${output.FailedEntryCount} entries failed`);
      }
      await setup.table.client.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { pk: record.pk, sk: record.sk },
          UpdateExpression: 'SET #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': 'DELIVERED' },
        }),
      );
    }
    return undefined;
  };
}
