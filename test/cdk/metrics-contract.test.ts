/**
 * The metrics contract: every metric the construct watches (alarms, dashboard widgets,
 * `metricXxx()`) is one the deployed code emits. The outbox's own metrics are checked
 * against the EMF the real relay and sweeper handlers print when they run with the
 * environment the synthesized template gives them; AWS's own metrics against the resource
 * their dimension names.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutboxMetric } from '../../lambdas/outbox/metrics.js';
import {
  lambdaEntry,
  OrdersServiceStack,
  OutboxBus,
  type OutboxConsumer,
  TransactionalOutbox,
} from '../../lib/index.js';
import { type EventBusServer, startEventBusServer } from '../../local/event-bus-server.js';
import { lambdaContext } from '../helpers/api-events.js';
import {
  alarmMetrics,
  dashboardMetrics,
  deadLetterQueueIds,
  deployedEnvironment,
  metricMethods,
  type ReferencedMetric,
  testApp,
  testStack,
} from '../helpers/cdk.js';
import { FakeDeadLetterQueue, FakeEventBus, FakeOutboxTable } from '../helpers/fake-aws.js';
import { recordsOf } from '../helpers/relay-harness.js';
import { insertOf, streamEvent } from '../helpers/stream-events.js';

/** One metric as an EMF line defines it: namespace, name, and its dimension set's values. */
interface EmittedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

interface Deployment {
  readonly stack: Stack;
  readonly outbox: TransactionalOutbox;
  readonly consumers: readonly OutboxConsumer[];
}

const deployments: readonly { readonly name: string; readonly build: () => Deployment }[] = [
  {
    name: 'a TransactionalOutbox with a consumer',
    build: () => {
      const stack = testStack();
      const outbox = new TransactionalOutbox(stack, 'Outbox');
      const consumer = outbox.addConsumer('Shipping', {
        entry: lambdaEntry('shipping/handler.ts'),
        detailTypes: ['OrderConfirmed'],
      });
      return { stack, outbox, consumers: [consumer] };
    },
  },
  {
    name: 'a TransactionalOutbox with its own service name',
    build: () => {
      const stack = testStack();
      const outbox = new TransactionalOutbox(stack, 'Outbox', { serviceName: 'payments' });
      return { stack, outbox, consumers: [] };
    },
  },
  {
    name: 'a TransactionalOutbox on a Custom Event Bus with a consumer',
    build: () => {
      const stack = testStack();
      const outbox = new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.custom() });
      const consumer = outbox.addConsumer('Shipping', {
        entry: lambdaEntry('shipping/handler.ts'),
        detailTypes: ['OrderConfirmed'],
      });
      return { stack, outbox, consumers: [consumer] };
    },
  },
  {
    name: 'the Orders service',
    build: () => {
      const stack = new OrdersServiceStack(testApp(), 'Orders');
      return { stack, outbox: stack.outbox, consumers: [stack.shipping] };
    },
  },
];

/** The EMF metric definitions in what a handler printed (one JSON object per line). */
function emfMetrics(output: string): EmittedMetric[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const blob = JSON.parse(line) as Record<string, unknown> & {
        _aws: {
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string }[];
          }[];
        };
      };
      return blob._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Dimensions.flatMap((names) =>
          directive.Metrics.map((metric) => ({
            namespace: directive.Namespace,
            metricName: metric.Name,
            dimensions: Object.fromEntries(names.map((name) => [name, blob[name]])),
          })),
        ),
      );
    });
}

/**
 * Runs `invoke` on a freshly imported handler module with the deployed environment and
 * metrics on (as in Lambda: no POWERTOOLS_DEV), and returns the EMF it printed.
 */
async function emittedBy(
  environment: Record<string, string>,
  invoke: () => Promise<unknown>,
): Promise<EmittedMetric[]> {
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  vi.resetModules();
  const printed: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await invoke();
  } finally {
    stdout.mockRestore();
    vi.unstubAllEnvs();
  }
  return emfMetrics(printed.join(''));
}

/** A stream batch of two transactions of one aggregate through the real relay handler. */
async function relayEmits(environment: Record<string, string>): Promise<EmittedMetric[]> {
  const table = new FakeOutboxTable();
  const bus = new FakeEventBus();
  const dlq = new FakeDeadLetterQueue();
  const records = recordsOf('o-1', [1, 2]);
  table.put(...records);
  try {
    return await emittedBy(environment, async () => {
      const { handler } = await import('../../lambdas/relay/handler.js');
      await handler(streamEvent(records.map((r) => insertOf(r))), lambdaContext());
    });
  } finally {
    table.mock.restore();
    bus.mock.restore();
    dlq.mock.restore();
  }
}

/** A sweep through the real sweeper handler that finds a record pending for an hour. */
async function sweeperEmits(environment: Record<string, string>): Promise<EmittedMetric[]> {
  const table = new FakeOutboxTable();
  const bus = new FakeEventBus();
  const dlq = new FakeDeadLetterQueue();
  const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
  table.put(...recordsOf('o-2', [1]).map((r) => ({ ...r, createdAt: anHourAgo })));
  try {
    return await emittedBy(environment, async () => {
      const { handler } = await import('../../lambdas/sweeper/handler.js');
      await handler({} as never, lambdaContext());
    });
  } finally {
    table.mock.restore();
    bus.mock.restore();
    dlq.mock.restore();
  }
}

/** What the generic `outbox.metric(name, { emitter })` returns for every name and emitter it accepts. */
function everyOutboxMetric(outbox: TransactionalOutbox): ReferencedMetric[] {
  const accepted = Object.values(OutboxMetric).flatMap((name) =>
    (['relay', 'sweeper'] as const).flatMap((emitter) => {
      try {
        return [{ name, emitter, metric: outbox.metric(name, { emitter }) }];
      } catch {
        return [];
      }
    }),
  );
  return accepted.map(({ name, emitter, metric }) => ({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: Stack.of(outbox).resolve(metric.dimensions ?? {}) as Record<string, unknown>,
    from: `outbox.metric('${name}', { emitter: '${emitter}' })`,
  }));
}

/** The local Custom Event Bus, and the variables that send the relay and the sweeper there. */
async function localCustomBus(): Promise<{
  readonly server: EventBusServer;
  readonly environment: Record<string, string>;
}> {
  const server = await startEventBusServer({ port: 0, customBuses: [{ name: 'orders' }] });
  return {
    server,
    environment: {
      EVENT_BUS_ARN: server.customBusArn('orders'),
      AWS_ENDPOINT_URL_EVENTBRIDGEV2: server.url,
    },
  };
}

const logicalIdOf = (stack: Stack, fn: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(fn.node.defaultChild as CfnFunction);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.each(deployments)('the metrics of $name', ({ build }) => {
  let deployment: Deployment;
  let template: Template;
  let referenced: ReferencedMetric[];
  let emitted: EmittedMetric[];

  beforeAll(async () => {
    deployment = build();
    const { stack, outbox, consumers } = deployment;
    // A Custom Event Bus is reached over its own protocol: the local twin stands in for it
    // (same operations, same answers), at the bus ARN it knows.
    const customBus = outbox.busKind === 'custom' ? await localCustomBus() : undefined;
    const busOverride = customBus?.environment ?? {};
    template = Template.fromStack(stack);
    referenced = [
      ...alarmMetrics(template),
      ...dashboardMetrics(template),
      ...metricMethods(outbox, 'outbox'),
      ...everyOutboxMetric(outbox),
      ...consumers.flatMap((consumer) => metricMethods(consumer, consumer.node.id)),
    ];
    try {
      emitted = [
        ...(await relayEmits({
          ...deployedEnvironment(template, logicalIdOf(stack, outbox.relayFunction)),
          ...busOverride,
        })),
        ...(await sweeperEmits({
          ...deployedEnvironment(template, logicalIdOf(stack, outbox.sweeperFunction)),
          ...busOverride,
        })),
      ];
    } finally {
      await customBus?.server.close();
    }
  });

  it('include outbox metrics and AWS metrics from alarms, the dashboard and the metric methods', () => {
    const namespace = (n: string) => referenced.filter((m) => m.namespace === n);
    const outboxNamespace = referenced.find((m) => m.from === 'outbox.metricEventsPublished()');

    expect(outboxNamespace).toBeDefined();
    expect(namespace(outboxNamespace?.namespace ?? '').length).toBeGreaterThan(5);
    expect(namespace('AWS/Lambda').length).toBeGreaterThan(0);
    expect(namespace('AWS/SQS').length).toBeGreaterThan(0);
    expect(referenced.some((m) => m.from.startsWith('alarm '))).toBe(true);
    expect(referenced.some((m) => m.from.startsWith('dashboard '))).toBe(true);
  });

  it('are emitted by the relay and the sweeper with the same namespace, name, dimension names and values', () => {
    const outboxNamespace = referenced.find((m) => m.from === 'outbox.metricEventsPublished()');
    const ours = referenced.filter((m) => m.namespace === outboxNamespace?.namespace);

    const missing = ours
      .filter(
        (m) =>
          !emitted.some(
            (e) =>
              e.namespace === m.namespace &&
              e.metricName === m.metricName &&
              JSON.stringify(Object.entries(e.dimensions).sort()) ===
                JSON.stringify(Object.entries(m.dimensions).sort()),
          ),
      )
      .map((m) => `${m.from}: ${m.namespace} ${m.metricName} ${JSON.stringify(m.dimensions)}`);

    expect(emitted.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it("watch the relay function when they are Lambda's own metrics", () => {
    const relay = { Ref: logicalIdOf(deployment.stack, deployment.outbox.relayFunction) };
    const lambdaMetrics = referenced.filter((m) => m.namespace === 'AWS/Lambda');

    for (const metric of lambdaMetrics) {
      expect(metric.dimensions, metric.from).toEqual({ FunctionName: relay });
    }
  });

  it("watch a queue that something dead-letters into when they are SQS's own metrics", () => {
    const deadLetterQueues = deadLetterQueueIds(template);
    const sqsMetrics = referenced.filter((m) => m.namespace === 'AWS/SQS');

    for (const metric of sqsMetrics) {
      const queue = (metric.dimensions.QueueName as { 'Fn::GetAtt'?: [string, string] })?.[
        'Fn::GetAtt'
      ];
      expect(Object.keys(metric.dimensions), metric.from).toEqual(['QueueName']);
      expect(queue?.[1], metric.from).toBe('QueueName');
      expect(deadLetterQueues.has(queue?.[0] ?? ''), metric.from).toBe(true);
    }
  });
});
