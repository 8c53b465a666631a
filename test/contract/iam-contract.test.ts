import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersServiceStack } from '../../lib/index.js';
import { testApp } from '../helpers/cdk.js';
import { rulePatternsFor, sqsBatch } from './contract-events.js';
import { formatIamReport } from './iam-report.js';
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

// The IAM contract of every Lambda the example stack deploys: the real handlers run
// against DynamoDB Local and the local bus with the environment the template gives them;
// each AWS call they make must be allowed by their synthesized role, and each action the
// role allows must be used by a call (or by Lambda itself on the function's behalf).
// iam-contract-custom-bus.test.ts holds the same stack to it on a Custom Event Bus.

const KNOWN_FINDINGS: readonly KnownFinding[] = [...SHIPPING_SQS_SOURCE_FINDINGS];

let run: OrdersContractRun;

beforeAll(async () => {
  run = await OrdersContractRun.start(new OrdersServiceStack(testApp(), 'DynamoOutboxOrders'));
  const handlers = await run.loadHandlers();
  await run.driveOrdersApi(handlers);
  await run.writeStaleRecords();
  await driveDelivery(handlers);
  await driveShipping(handlers);
}, 120_000);

afterAll(async () => {
  await run?.stop();
});

describe('the IAM contract of the Orders service stack', () => {
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

  it('allows every call each function makes, and grants nothing it never uses', () => {
    const results = run.results(KNOWN_FINDINGS);
    console.info(formatIamReport(results));

    const unexpected = results.flatMap((r) => r.findings.filter((f) => !r.known.includes(f)));
    expect(unexpected.map(describeFinding)).toEqual([]);
  });

  it('lists as known only findings that still hold', () => {
    const found = run.results(KNOWN_FINDINGS).flatMap((r) => r.known);

    const stale = KNOWN_FINDINGS.filter((k) => !found.some((f) => keyOf(f) === keyOf(k)));
    expect(stale.map((k) => `${keyOf(k)} — fixed? remove it from KNOWN_FINDINGS`)).toEqual([]);
  });
});

/**
 * The relay and the sweeper: first against a bus that does not exist, then against the
 * bus (a batch, the same batch again, a poison record), then the sweeper on what the
 * stream lost (one good record, one poison).
 */
async function driveDelivery(h: Handlers): Promise<void> {
  const { observed, runtime } = run;
  const stream = run.relayFeed();
  const batch = await stream.next();
  observed.set('relay: unknown bus fails the batch', await errorName(run.relay(h, batch)));
  observed.set('sweeper: unknown bus fails the run', await errorName(run.sweep(h)));

  const bus = await runtime.restartBus([runtime.names.busName(run.idOf('Outbox/Bus'))]);
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
}

/** The shipping consumer on the SQS batch its rule fills from the bus, then a redelivery. */
async function driveShipping(h: Handlers): Promise<void> {
  const { template, observed } = run;
  const bufferId = run.idOf('Outbox/Shipping/Buffer');
  const batch = sqsBatch(
    run.runtime.bus.accepted(),
    rulePatternsFor(template, bufferId),
    template.render({ 'Fn::GetAtt': [bufferId, 'Arn'] }),
  );
  const applied = await run.invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set(
    'shipping: applied the batch',
    batch.Records.length > 0 && applied.batchItemFailures.length === 0,
  );
  const again = await run.invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set('shipping: skipped the redelivery', again.batchItemFailures.length === 0);
}
