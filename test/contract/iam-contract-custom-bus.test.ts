import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersServiceStack, OutboxBus } from '../../lib/index.js';
import type {
  CustomBusDefinition,
  DeliveredEvent,
  EventBusServer,
} from '../../local/event-bus-server.js';
import { testApp } from '../helpers/cdk.js';
import { fifoSqsBatch, type SubscriberDefinition, subscriberFor } from './contract-events.js';
import { formatIamReport } from './iam-report.js';
import { verdictOf } from './iam-verdict.js';
import {
  describeFinding,
  errorName,
  HANDLER_MODULES,
  type Handlers,
  type KnownFinding,
  keyOf,
  OBSERVED_PATHS,
  OrdersContractRun,
  SHIPPING_SQS_SOURCE_FINDINGS,
} from './orders-contract-run.js';

// The IAM contract of the Orders service stack on a Custom Event Bus (`bus:
// OutboxBus.custom()`): the real handlers run against DynamoDB Local and the local twin of
// the bus (RPC v2 CBOR) with the environment the template gives them; each AWS call, those
// of our EventBridgeV2Client included, must be allowed by the synthesized role, and each
// grant must be used. The FIFO subscriber's delivery role is EventBridge's, not our code's:
// it is held to what AWS documents a subscriber with an SQS target and a dead-letter queue
// needs (needed-permissions.ts, subscriberPermissions).

const KNOWN_FINDINGS: readonly KnownFinding[] = [...SHIPPING_SQS_SOURCE_FINDINGS];

const CUSTOM_BUS = '{Outbox/CustomBus.EventBusArn}';
const DELIVERY_ROLE = 'Outbox/Shipping/DeliveryRole';

/** The shipping consumer's FIFO subscriber, as the local bus runs it, and what it delivered. */
interface ShippingSubscription {
  readonly definition: SubscriberDefinition;
  readonly delivered: readonly DeliveredEvent[];
  whenIdle(): Promise<void>;
}

let run: OrdersContractRun;

beforeAll(async () => {
  run = await OrdersContractRun.start(
    new OrdersServiceStack(testApp(), 'DynamoOutboxOrders', {
      outbox: { bus: OutboxBus.custom() },
    }),
  );
  const handlers = await run.loadHandlers();
  await run.driveOrdersApi(handlers);
  await run.writeStaleRecords();
  const shipping = await driveDelivery(handlers);
  await driveShipping(handlers, shipping);
}, 120_000);

afterAll(async () => {
  await run?.stop();
});

describe('the IAM contract of the Orders service stack on a Custom Event Bus', () => {
  it('runs a handler for every Lambda function of the stack', () => {
    const functions = run.template
      .idsOfType('AWS::Lambda::Function')
      .map((id) => run.template.pathOf(id));

    expect(functions.sort()).toEqual(Object.keys(HANDLER_MODULES).sort());
    for (const path of functions) {
      expect(run.callsOf(path).length, `${path} made no AWS call`).toBeGreaterThan(0);
    }
  });

  it('drives every path it claims to: replay, conflicts, an unknown bus, poison, duplicates', () => {
    expect(Object.fromEntries(run.observed)).toEqual(OBSERVED_PATHS);
  });

  it('publishes through EventBridgeV2 only: the relay and the sweeper describe and put on the bus by its ARN', () => {
    const busCalls = ['Outbox/Relay', 'Outbox/Sweeper'].map((path) => {
      const calls = run.callsOf(path).filter((c) => c.service.startsWith('EventBridge'));
      return {
        path,
        calls: [...new Set(calls.map((c) => `${c.service} ${c.operation}`))].sort(),
        buses: [
          ...new Set(calls.map((c) => run.runtime.names.customBusArn(String(c.input.EventBusArn)))),
        ],
      };
    });

    expect(busCalls).toEqual(
      ['Outbox/Relay', 'Outbox/Sweeper'].map((path) => ({
        path,
        calls: ['EventBridgeV2 DescribeEventBus', 'EventBridgeV2 PutEvents'],
        buses: [CUSTOM_BUS],
      })),
    );
  });

  it('allows every call each function makes, and grants nothing it never uses', () => {
    const results = run.results(KNOWN_FINDINGS);
    console.info(formatIamReport(results));

    const unexpected = results.flatMap((r) => r.findings.filter((f) => !r.known.includes(f)));
    expect(unexpected.map(describeFinding)).toEqual([]);
  });

  it('grants the FIFO subscriber delivery role exactly what EventBridge documents it needs', () => {
    const results = run.subscriberRoleResults(KNOWN_FINDINGS);
    console.info(formatIamReport(results));

    expect(results.map((r) => r.function)).toEqual([DELIVERY_ROLE]);
    expect(results.flatMap((r) => r.needed.map((n) => `${n.action} ${n.resource}`))).toEqual([
      'sqs:SendMessage {Outbox/Shipping/Buffer.Arn}',
      'sqs:SendMessage {Outbox/Shipping/SubscriberDeadLetterQueue.Arn}',
    ]);
    const unexpected = results.flatMap((r) => r.findings.filter((f) => !r.known.includes(f)));
    expect(unexpected.map(describeFinding)).toEqual([]);
  });

  it('lists as known only findings that still hold', () => {
    const found = [
      ...run.results(KNOWN_FINDINGS),
      ...run.subscriberRoleResults(KNOWN_FINDINGS),
    ].flatMap((r) => r.known);

    const stale = KNOWN_FINDINGS.filter((k) => !found.some((f) => keyOf(f) === keyOf(k)));
    expect(stale.map((k) => `${keyOf(k)} — fixed? remove it from KNOWN_FINDINGS`)).toEqual([]);
  });

  it('fails if the relay or the sweeper were not granted events:DescribeEventBus on the bus', () => {
    const findings = run
      .results(KNOWN_FINDINGS)
      .filter((r) => ['Outbox/Relay', 'Outbox/Sweeper'].includes(r.function))
      .flatMap((r) =>
        verdictOf(
          r.function,
          r.grants.filter((g) => g.action !== 'events:DescribeEventBus'),
          r.needed,
        ),
      );

    expect(findings.map(keyOf)).toEqual([
      `missing Outbox/Relay: events:DescribeEventBus on ${CUSTOM_BUS}`,
      `missing Outbox/Sweeper: events:DescribeEventBus on ${CUSTOM_BUS}`,
    ]);
  });

  it('fails if the relay were granted events:PutEvents on a classic event-bus ARN of the bus name', () => {
    const relay = run.results(KNOWN_FINDINGS).find((r) => r.function === 'Outbox/Relay');
    const classicArn =
      'arn:{AWS::Partition}:events:{AWS::Region}:{AWS::AccountId}:event-bus/{Outbox/CustomBus.Name}';

    const findings = verdictOf(
      'Outbox/Relay',
      (relay?.grants ?? []).map((g) =>
        g.action === 'events:PutEvents' ? { ...g, resource: classicArn } : g,
      ),
      relay?.needed ?? [],
    );

    expect(findings.map(keyOf)).toEqual([
      `missing Outbox/Relay: events:PutEvents on ${CUSTOM_BUS}`,
      `unused Outbox/Relay: events:PutEvents on ${classicArn}`,
    ]);
  });

  it('fails if the delivery role could not send to the subscriber dead-letter queue', () => {
    const [role] = run.subscriberRoleResults(KNOWN_FINDINGS);

    const findings = verdictOf(
      DELIVERY_ROLE,
      (role?.grants ?? []).filter((g) => !g.resource.includes('SubscriberDeadLetterQueue')),
      role?.needed ?? [],
    );

    expect(findings.map(keyOf)).toEqual([
      `missing ${DELIVERY_ROLE}: sqs:SendMessage on {Outbox/Shipping/SubscriberDeadLetterQueue.Arn}`,
    ]);
  });
});

/**
 * The relay and the sweeper: first against a Custom Event Bus that does not exist, then
 * against the bus (a batch, the same batch again, a poison record), then the sweeper on what
 * the stream lost (one good record, one poison). The shipping subscriber starts with the bus,
 * before the first publish, as its `LATEST` starting position reads new events only.
 */
async function driveDelivery(h: Handlers): Promise<ShippingSubscription> {
  const { observed } = run;
  const stream = run.relayFeed();
  const batch = await stream.next();
  observed.set('relay: unknown bus fails the batch', await errorName(run.relay(h, batch)));
  observed.set('sweeper: unknown bus fails the run', await errorName(run.sweep(h)));

  const bus = await run.runtime.restartBus([], [customBusDefinition()]);
  const shipping = subscribeShipping(bus);
  const published = await run.relay(h, batch);
  const accepted = bus.accepted().length;
  observed.set(
    'relay: published the batch',
    published.batchItemFailures.length === 0 && accepted > 0,
  );
  await run.relay(h, batch);
  observed.set('relay: skipped the duplicates', bus.accepted().length === accepted);

  await run.writePoison('poison');
  await run.relay(h, await stream.next());
  observed.set('relay: quarantined poison', bus.dlqMessages().length);

  const report = await run.sweep(h);
  observed.set('sweeper: delivered what the stream lost', report.eventsPublished > 0);
  observed.set('sweeper: quarantined poison', bus.dlqMessages().length);
  return shipping;
}

/** The template's Custom Event Bus as the local bus creates it: its local name, its retention. */
function customBusDefinition(): CustomBusDefinition {
  const id = run.idOf('Outbox/CustomBus');
  const storage = run.template.resource(id).Properties?.StorageConfiguration as
    | { RetentionPeriodInDays?: number }
    | undefined;
  return {
    name: run.runtime.names.customBusName(id),
    ...(storage?.RetentionPeriodInDays === undefined
      ? {}
      : { retentionDays: storage.RetentionPeriodInDays }),
  };
}

/** The shipping buffer's FIFO subscriber on the local bus, keeping what it delivers. */
function subscribeShipping(bus: EventBusServer): ShippingSubscription {
  const busId = run.idOf('Outbox/CustomBus');
  const definition = subscriberFor(run.template, run.idOf('Outbox/Shipping/Buffer'));
  const delivered: DeliveredEvent[] = [];
  const subscriber = bus.subscribe(run.runtime.names.customBusLocalArn(busId), {
    name: definition.name,
    startingPosition: definition.startingPosition,
    target: async (events) => {
      delivered.push(...events);
    },
  });
  return { definition, delivered, whenIdle: () => subscriber.whenIdle() };
}

/**
 * The shipping consumer on the SQS FIFO batch its subscriber fills from the bus, then a
 * redelivery.
 */
async function driveShipping(h: Handlers, shipping: ShippingSubscription): Promise<void> {
  const { template, observed } = run;
  await shipping.whenIdle();
  const batch = fifoSqsBatch(
    shipping.delivered,
    shipping.definition.dataPatterns,
    template.render({ 'Fn::GetAtt': [run.idOf('Outbox/Shipping/Buffer'), 'Arn'] }),
  );
  const applied = await run.invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set(
    'shipping: applied the batch',
    batch.Records.length > 0 && applied.batchItemFailures.length === 0,
  );
  const again = await run.invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set('shipping: skipped the redelivery', again.batchItemFailures.length === 0);
}
