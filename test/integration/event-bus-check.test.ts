import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderedPublisher, type OutboxRecord } from '../../lambdas/outbox/index.js';
import { type EventBusServer, startEventBusServer } from '../../local/event-bus-server.js';
import { anOutboxRecord } from '../helpers/outbox-records.js';

// The local bus is as unkind as EventBridge: PutEvents accepts entries for any bus name
// (aws/aws-cli#9186), and only DescribeEventBus answers ResourceNotFoundException. With the
// real SDK client on loopback, this shows that the relay's check is what keeps a typo in
// EVENT_BUS_NAME from marking events DELIVERED that no rule will ever see.
let bus: EventBusServer;
let eventBridge: EventBridgeClient;
beforeAll(async () => {
  bus = await startEventBusServer({ port: 0, eventBuses: ['orders-bus'] });
  eventBridge = new EventBridgeClient({
    endpoint: bus.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  eventBridge.destroy();
  await bus.close();
});

const publish = (eventBusName: string, verifyEventBus: boolean, record: OutboxRecord) =>
  new OrderedPublisher({ eventBridge, eventBusName, verifyEventBus }).publish([[record]], {
    remainingMs: () => 10_000,
    onAccepted: () => undefined,
    onPoison: () => undefined,
  });

describe('publishing to a bus that does not exist', () => {
  it('is accepted by PutEvents itself, as EventBridge accepts it', async () => {
    const before = bus.accepted().length;

    const report = await publish('orders-bus-typo', false, anOutboxRecord());

    expect(report.accepted).toHaveLength(1);
    expect(
      bus
        .accepted()
        .slice(before)
        .map((e) => e.eventBusName),
    ).toEqual(['orders-bus-typo']);
  });

  it('is refused by the relay before any PutEvents, as a configuration error', async () => {
    const before = bus.accepted().length;
    const record = anOutboxRecord();

    const report = await publish('orders-bus-typo', true, record);

    expect(report.configurationError?.code).toBe('EventBusNotFound');
    expect(report.accepted).toEqual([]);
    expect(report.unfinished).toEqual([record]);
    expect(bus.accepted()).toHaveLength(before);
  });

  it('publishes once the bus is known to exist', async () => {
    const report = await publish('orders-bus', true, anOutboxRecord());

    expect(report.configurationError).toBeUndefined();
    expect(report.accepted).toHaveLength(1);
  });
});
