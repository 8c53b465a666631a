import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { OutboxMetric, type OutboxMetricName } from '../../lambdas/outbox/metrics.js';
import { TransactionalOutbox } from '../../lib/index.js';
import { testStack } from '../helpers/cdk.js';

const outboxNamed = (serviceName: string) =>
  new TransactionalOutbox(testStack(), 'Outbox', { serviceName });

describe('TransactionalOutbox.metric()', () => {
  it('reads a metric of the relay under the relay service name by default', () => {
    const outbox = outboxNamed('payments-relay');

    const metric = outbox.metric(OutboxMetric.publishRetries);

    expect(metric.namespace).toBe('DynamoOutbox');
    expect(metric.dimensions).toEqual({ service: 'payments-relay' });
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(60);
  });

  it("reads a metric only the sweeper emits under the sweeper's service name", () => {
    const outbox = outboxNamed('payments-relay');

    const metric = outbox.metric(OutboxMetric.sweptRecords);

    expect(metric.dimensions).toEqual({ service: 'payments-sweeper' });
  });

  it("reads the sweeper's copy of a metric both emit when the emitter is the sweeper", () => {
    const outbox = outboxNamed('payments-relay');

    const metric = outbox.metric(OutboxMetric.eventsPublished, { emitter: 'sweeper' });

    expect(metric.dimensions).toEqual({ service: 'payments-sweeper' });
  });

  it('reads gauges as Maximum, and lets options override the statistic and the period', () => {
    const outbox = outboxNamed('payments-relay');

    const gauge = outbox.metric(OutboxMetric.relayLag);
    const overridden = outbox.metric(OutboxMetric.relayLag, {
      statistic: 'p99',
      period: Duration.minutes(10),
    });

    expect(gauge.statistic).toBe('Maximum');
    expect(overridden.statistic).toBe('p99');
    expect(overridden.period.toMinutes()).toBe(10);
  });

  it.each([
    ['metricOldestPendingAge', OutboxMetric.oldestPendingAge],
    ['metricEventsPublished', OutboxMetric.eventsPublished],
    ['metricRelayLag', OutboxMetric.relayLag],
    ['metricRecordsDeferred', OutboxMetric.recordsDeferred],
    ['metricPoisonRecords', OutboxMetric.poisonRecords],
    ['metricPendingRecords', OutboxMetric.pendingRecords],
  ] as const)('reads what %s() reads for %s', (method, name: OutboxMetricName) => {
    const outbox = outboxNamed('payments-relay');

    const specific = outbox[method]();
    const generic = outbox.metric(name);

    expect(generic.toMetricConfig()).toEqual(specific.toMetricConfig());
  });

  it('fails if the emitter does not emit the metric, naming both', () => {
    const outbox = outboxNamed('payments-relay');

    expect(() => outbox.metric(OutboxMetric.relayLag, { emitter: 'sweeper' })).toThrow(
      "metric 'RelayLagMs' is not emitted by the sweeper: only by the relay",
    );
  });

  it('fails if the name is not an outbox metric, naming it', () => {
    const outbox = outboxNamed('payments-relay');

    expect(() => outbox.metric('Invocations' as OutboxMetricName)).toThrow(
      "metric 'Invocations' is not an outbox metric",
    );
  });
});
