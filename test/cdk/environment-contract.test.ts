/**
 * The environment contract: every variable a Lambda's configuration reads is set by the
 * construct that deploys it, and every variable the construct sets is read. Both sides use
 * the same definitions (`DeliveryVariable`, `RelayVariable`, `SweeperVariable`,
 * `WriterVariable`, `InboxVariable`, `TelemetryVariable`), and the readers' schemas are the
 * ones the handlers parse with, so a name spelled twice, or a value nobody reads (a
 * `serviceName` option overriding `POWERTOOLS_SERVICE_NAME`), shows here.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  type CfnFunction,
  Code,
  Function as LambdaFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { inboxEnvSchema } from '../../lambdas/consumer/inbox-environment.js';
import { ordersEnvSchema } from '../../lambdas/orders/config.js';
import type { BusKind } from '../../lambdas/outbox/bus-target.js';
import { DeliveryBusVariables } from '../../lambdas/outbox/delivery-config.js';
import { TelemetryVariable } from '../../lambdas/outbox/metrics.js';
import { WriterVariable } from '../../lambdas/outbox/writer-environment.js';
import { relayEnvSchema } from '../../lambdas/relay/config.js';
import { shippingEnvSchema } from '../../lambdas/shipping/config.js';
import { sweeperEnvSchema } from '../../lambdas/sweeper/config.js';
import { OrdersServiceStack, OutboxBus, TransactionalOutbox } from '../../lib/index.js';
import { testApp, testStack } from '../helpers/cdk.js';

/** Set on every function the project creates: Node's own, read by the runtime. */
const RUNTIME_VARIABLES = ['NODE_OPTIONS'];
/** Read by Powertools through `telemetryIdentity()` (service) and Metrics (namespace). */
const SERVICE = [TelemetryVariable.serviceName];
const SERVICE_AND_NAMESPACE = [TelemetryVariable.serviceName, TelemetryVariable.metricsNamespace];

const keysOf = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);

/** A deployed function and the variables its code reads. */
interface Reader {
  readonly name: string;
  readonly fn: LambdaFunction;
  readonly reads: readonly string[];
}

function variablesSet(stack: Stack, fn: LambdaFunction): string[] {
  const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
  const resource = Template.fromStack(stack).toJSON().Resources[logicalId] as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  };
  return Object.keys(resource.Properties.Environment?.Variables ?? {});
}

/** What a delivering Lambda reads on a bus of this kind: not the other kind's bus variables. */
const onBus = (kind: BusKind, reads: readonly string[]) => {
  const other = DeliveryBusVariables[kind === 'classic' ? 'custom' : 'classic'];
  return reads.filter((v) => !other.includes(v));
};

function ordersStackReaders(kind: BusKind): { stack: Stack; readers: Reader[] } {
  const stack = new OrdersServiceStack(testApp(), 'Orders', {
    ...(kind === 'custom' ? { outbox: { bus: OutboxBus.custom() } } : {}),
  });
  const orders = Object.entries(stack.functions).map(([name, fn]) => ({
    name: `orders ${name}`,
    fn,
    reads: [...keysOf(ordersEnvSchema), ...SERVICE],
  }));
  return {
    stack,
    readers: [
      ...orders,
      {
        name: 'relay',
        fn: stack.outbox.relayFunction,
        reads: onBus(kind, [...keysOf(relayEnvSchema), ...SERVICE_AND_NAMESPACE]),
      },
      {
        name: 'sweeper',
        fn: stack.outbox.sweeperFunction,
        reads: onBus(kind, [...keysOf(sweeperEnvSchema), ...SERVICE_AND_NAMESPACE]),
      },
      {
        name: 'shipping consumer',
        fn: stack.shipping.consumerFunction,
        reads: [...keysOf(inboxEnvSchema), ...keysOf(shippingEnvSchema), ...SERVICE],
      },
    ],
  };
}

describe.each(['classic', 'custom'] as const)('the environment contract on the %s bus', (kind) => {
  const { stack, readers } = ordersStackReaders(kind);

  it.each(readers.map((r) => [r.name, r] as const))(
    'sets exactly what the %s reads',
    (_name, reader) => {
      const set = variablesSet(stack, reader.fn);

      expect({
        readButNotSet: reader.reads.filter((v) => !set.includes(v)),
        setButNotRead: set.filter(
          (v) => !reader.reads.includes(v) && !RUNTIME_VARIABLES.includes(v),
        ),
      }).toEqual({ readButNotSet: [], setButNotRead: [] });
    },
  );
});

describe('the environment contract', () => {
  it('gives a writer added with addWriter() exactly what OutboxWriter.fromEnvironment() reads', () => {
    const stack = testStack();
    const outbox = new TransactionalOutbox(stack, 'Outbox');
    const writer = new LambdaFunction(stack, 'Writer', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => undefined;'),
    });

    outbox.addWriter(writer);

    expect(variablesSet(stack, writer).sort()).toEqual(Object.values(WriterVariable).sort());
  });

  it('gives the sweeper and the writers one pending-shards variable with one value', () => {
    const stack = testStack();
    const outbox = new TransactionalOutbox(stack, 'Outbox', { pendingShards: 32 });
    const variables = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    const sweeper =
      variables[stack.getLogicalId(outbox.sweeperFunction.node.defaultChild as CfnFunction)];

    expect(sweeper?.Properties.Environment?.Variables?.[WriterVariable.pendingShards]).toBe('32');
    expect(outbox.writerEnvironment[WriterVariable.pendingShards]).toBe('32');
  });
});
