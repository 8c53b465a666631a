import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import {
  OUTBOX_METRICS_NAMESPACE,
  OutboxMetric,
  type OutboxMetricName,
  SERVICE_DIMENSION,
} from '../lambdas/outbox/metrics.js';

/** The Lambda of an outbox that emits a metric. */
export type OutboxMetricEmitter = 'relay' | 'sweeper';

/** Options of `TransactionalOutbox.metric()`: whose metric, and CloudWatch's usual options. */
export interface OutboxMetricOptions extends MetricOptions {
  /**
   * The Lambda whose metric to read: both emit `EventsPublished` and `PoisonRecords`.
   * @default - the relay, or the sweeper for a metric only the sweeper emits
   */
  readonly emitter?: OutboxMetricEmitter;
}

/** Who emits a metric, and how it reads by default. */
interface MetricDefaults {
  readonly emitters: readonly [OutboxMetricEmitter, ...OutboxMetricEmitter[]];
  /** Counts add up (`Sum`); gauges peak (`Maximum`). */
  readonly statistic: 'Sum' | 'Maximum';
  readonly period: Duration;
}

const MINUTE = Duration.minutes(1);
// The sweeper's gauges: one point a run, every minute by default; 5 minutes bridge a late run.
const SWEEP_PERIOD = Duration.minutes(5);

/** Every metric the relay (lambdas/relay/relay.ts) and the sweeper (sweeper.ts) emit. */
const METRIC_DEFAULTS: Readonly<Record<OutboxMetricName, MetricDefaults>> = {
  [OutboxMetric.eventsPublished]: {
    emitters: ['relay', 'sweeper'],
    statistic: 'Sum',
    period: MINUTE,
  },
  // Emitted on both buses (always 0 on a classic bus, which never de-duplicates).
  [OutboxMetric.eventsDeduplicated]: {
    emitters: ['relay', 'sweeper'],
    statistic: 'Sum',
    period: MINUTE,
  },
  [OutboxMetric.recordsDeferred]: { emitters: ['relay'], statistic: 'Sum', period: MINUTE },
  [OutboxMetric.duplicatesSkipped]: { emitters: ['relay'], statistic: 'Sum', period: MINUTE },
  [OutboxMetric.poisonRecords]: {
    emitters: ['relay', 'sweeper'],
    statistic: 'Sum',
    period: MINUTE,
  },
  [OutboxMetric.publishRetries]: { emitters: ['relay'], statistic: 'Sum', period: MINUTE },
  [OutboxMetric.relayLag]: { emitters: ['relay'], statistic: 'Maximum', period: MINUTE },
  [OutboxMetric.pendingRecords]: {
    emitters: ['sweeper'],
    statistic: 'Maximum',
    period: SWEEP_PERIOD,
  },
  [OutboxMetric.oldestPendingAge]: {
    emitters: ['sweeper'],
    statistic: 'Maximum',
    period: SWEEP_PERIOD,
  },
  [OutboxMetric.sweptRecords]: { emitters: ['sweeper'], statistic: 'Sum', period: MINUTE },
};

/**
 * An outbox metric as its emitter's EMF defines it (namespace, name, `service` dimension),
 * read with its default statistic and period unless `options` say otherwise.
 * `serviceNames` are the relay's and the sweeper's service names.
 */
export function outboxMetric(
  metricName: OutboxMetricName,
  serviceNames: Readonly<Record<OutboxMetricEmitter, string>>,
  options: OutboxMetricOptions = {},
): Metric {
  const { emitter, ...metricOptions } = options;
  const defaults = METRIC_DEFAULTS[metricName];
  if (defaults === undefined) {
    throw new Error(
      `metric '${metricName}' is not an outbox metric: one of ${Object.keys(METRIC_DEFAULTS).join(', ')}`,
    );
  }
  const service = emitter ?? defaults.emitters[0];
  if (!defaults.emitters.includes(service)) {
    throw new Error(
      `metric '${metricName}' is not emitted by the ${service}: only by the ${defaults.emitters.join(' and the ')}`,
    );
  }
  return new Metric({
    namespace: OUTBOX_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: serviceNames[service] },
    statistic: defaults.statistic,
    period: defaults.period,
    ...metricOptions,
  });
}
