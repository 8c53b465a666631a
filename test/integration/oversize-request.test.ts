import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OrderedPublisher,
  type OutboxRecord,
  type PublishFailure,
} from '../../lambdas/outbox/index.js';
import { type EventBusServer, startEventBusServer } from '../../local/event-bus-server.js';
import { anOutboxRecord } from '../helpers/outbox-records.js';

// AWS's front end answers a request body over its limit with HTTP 413 and an empty body
// (boto/boto3#3411), which the SDK reports as `Unknown`, a client fault. The local bus does
// the same past `maxBodyBytes`; the relay must split the call, then quarantine the entry
// that alone is too large, instead of retrying it forever.
const CAP = 8 * 1024;

let bus: EventBusServer | undefined;
let eventBridge: EventBridgeClient | undefined;
afterEach(async () => {
  eventBridge?.destroy();
  await bus?.close();
});

async function publishThroughCappedBus(records: readonly OutboxRecord[]) {
  bus = await startEventBusServer({ port: 0, eventBuses: ['orders-bus'], maxBodyBytes: CAP });
  eventBridge = new EventBridgeClient({
    endpoint: bus.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const poisoned: { record: OutboxRecord; failure: PublishFailure }[] = [];
  const report = await new OrderedPublisher({ eventBridge, eventBusName: 'orders-bus' }).publish(
    records.map((r) => [r]),
    {
      remainingMs: () => 10_000,
      onAccepted: () => undefined,
      onPoison: (record, failure) => void poisoned.push({ record, failure }),
    },
  );
  return { report, poisoned, accepted: bus.accepted() };
}

describe('a request over the bus body cap (HTTP 413, empty body)', () => {
  it('is split: entries that fit alone go out one per call', async () => {
    const records = ['Order#1', 'Order#2'].map((aggregate) =>
      anOutboxRecord({ aggregate, detailBytes: 4_500 }),
    );

    const { report, poisoned, accepted } = await publishThroughCappedBus(records);

    expect(report.accepted).toHaveLength(2);
    expect(poisoned).toEqual([]);
    expect(accepted).toHaveLength(2);
    expect(report.calls).toBe(3); // the refused pair, then each alone
  });

  it('quarantines the entry that alone is too large, and delivers the others', async () => {
    const small = anOutboxRecord({ aggregate: 'Order#1', detailBytes: 500 });
    const huge = anOutboxRecord({ aggregate: 'Order#2', detailBytes: 3 * CAP });

    const { report, poisoned, accepted } = await publishThroughCappedBus([small, huge]);

    expect(report.accepted).toEqual([small]);
    expect(poisoned.map((p) => p.record)).toEqual([huge]);
    expect(poisoned[0]?.failure.code).toBe('EntryTooLarge');
    expect(accepted).toHaveLength(1);
    expect(report.unfinished).toEqual([]);
  });
});
