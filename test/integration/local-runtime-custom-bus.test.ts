import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAggregate } from '../../cli/aggregate-records.js';
import { createClients } from '../../cli/clients.js';
import { renderReplay, replayAggregate } from '../../cli/replay.js';
import { resolveResources } from '../../cli/resources.js';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  type BusEvent,
  busEvents,
  call,
  clearFaults,
  eventsOf,
  orderBody,
  setFaults,
  startTestRuntime,
  waitForEvents,
  waitForShipments,
  waitUntilQuiet,
} from '../helpers/local-runtime.js';

/** An event of the Custom Event Bus as `GET /events` lists it. */
type CustomBusEvent = BusEvent & { readonly eventGroupId: string; readonly sequenceNumber: string };

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime({ bus: 'custom' });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('local mode on the Custom Event Bus (OUTBOX_BUS=custom)', () => {
  it('publishes to the custom bus by ARN, each event in the group of its aggregate with a bus sequence number', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('c-custom'));
    const id = body.id as string;
    await call(runtime, 'POST', `/orders/${id}/confirm`);

    const events = eventsOf(
      await waitForEvents(runtime, (all) => eventsOf(all, id).length === 2),
      id,
    ) as CustomBusEvent[];

    expect(runtime.customBusArn).toMatch(/:event-busv2\/orders-bus\/[a-z0-9]{25}$/);
    expect(events.map((e) => [e.detailType, e.detail.sequence, e.eventGroupId])).toEqual([
      ['OrderCreated', 1, `Order#${id}`],
      ['OrderConfirmed', 2, `Order#${id}`],
    ]);
    const [first, second] = events.map((e) => BigInt(e.sequenceNumber));
    expect(first !== undefined && second !== undefined && second > first).toBe(true);
  });

  it('delivers to the shipping consumer through its FIFO subscriber', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('c-fifo'));
    const id = body.id as string;
    await call(runtime, 'POST', `/orders/${id}/confirm`);

    const shipments = await waitForShipments(runtime, [id], (items) => items.has(id));

    expect(shipments.get(id)).toMatchObject({ orderId: id });
    expect(runtime.shipping.dead).toEqual([]);
  });

  it('puts an event on the bus once when its PutEvents answers are lost: the retries are de-duplicated', async () => {
    await setFaults(runtime, { lostResponseRate: 1 });
    const { body } = await call(runtime, 'POST', '/orders', orderBody('c-lost'));
    const id = body.id as string;
    // Every answer is lost: the event is on the bus, the relay cannot know and retries.
    await waitForEvents(runtime, (all) => eventsOf(all, id).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await clearFaults(runtime);
    await call(runtime, 'POST', `/orders/${id}/confirm`);

    await waitForEvents(runtime, (all) => eventsOf(all, id).length >= 2, 40_000);
    await waitUntilQuiet(runtime);

    expect(eventsOf(await busEvents(runtime), id).map((e) => e.detail.sequence)).toEqual([1, 2]);
  }, 60_000);

  it('replays an aggregate to the custom bus: within five minutes every event is a suppressed repeat', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('c-replay'));
    const id = body.id as string;
    await waitForEvents(runtime, (all) => eventsOf(all, id).length === 1);
    await waitUntilQuiet(runtime);
    const resources = await resolveResources(
      { local: true, bus: runtime.customBusArn },
      {
        env: {
          DYNAMODB_PORT: new URL(runtime.dynamoDbEndpoint).port,
          BUS_PORT: String(runtime.bus.port),
        },
      },
    );
    const clients = createClients(resources.target);

    try {
      const report = await replayAggregate(
        {
          tableName: 'outbox',
          eventBusName: runtime.customBusArn ?? '',
          aggregate: parseAggregate(`Order#${id}`),
        },
        clients,
      );

      expect(report.deduplicated).toBe(1);
      expect(renderReplay(report)).toContain(
        '1 of them the Custom Event Bus suppressed as repeats',
      );
      expect(eventsOf(await busEvents(runtime), id)).toHaveLength(1);
    } finally {
      clients.destroy();
    }
  });
});
