/** CloudWatch namespace of the relay's and sweeper's metrics (and the construct's `metric…()`). */
export const OUTBOX_METRICS_NAMESPACE = 'DynamoOutbox';

/**
 * The metrics the relay and the sweeper emit, by the names the construct's alarms, dashboard
 * and `metric…()` methods watch: one spelling for both sides.
 * @internal
 */
export const OutboxMetric = {
  /** Events the bus accepted as new events (relay and sweeper). */
  eventsPublished: 'EventsPublished',
  /**
   * Repeats a Custom Event Bus suppressed (`SuccessCode: DEDUPLICATED`): on the bus once,
   * not counted as published (relay and sweeper).
   */
  eventsDeduplicated: 'EventsDeduplicated',
  /** Records left for a retry: predecessor pending, time out, marking failed (relay). */
  recordsDeferred: 'RecordsDeferred',
  /** Records found already delivered and skipped (relay). */
  duplicatesSkipped: 'DuplicatesSkipped',
  /** Records quarantined to the dead-letter queue (relay and sweeper). */
  poisonRecords: 'PoisonRecords',
  /** PutEvents entries retried after a transient failure (relay). */
  publishRetries: 'PublishRetries',
  /** Now − the oldest record of a batch, in ms (relay). */
  relayLag: 'RelayLagMs',
  /** Records PENDING in the table (sweeper). */
  pendingRecords: 'PendingRecords',
  /** Age of the oldest PENDING record, in seconds (sweeper). */
  oldestPendingAge: 'OldestPendingAgeSeconds',
  /** Records a sweep delivered or quarantined (sweeper). */
  sweptRecords: 'SweptRecords',
} as const;

/** The name of one of the outbox's metrics. @internal */
export type OutboxMetricName = (typeof OutboxMetric)[keyof typeof OutboxMetric];

/** The EMF dimension Powertools puts on every metric: the service that emitted it. @internal */
export const SERVICE_DIMENSION = 'service';

/**
 * The variables Powertools reads the service and the namespace from; the construct sets
 * both on the relay and the sweeper.
 * @internal
 */
export const TelemetryVariable = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** Service name and metrics namespace of a Lambda's logs and metrics. @internal */
export interface TelemetryIdentity {
  readonly serviceName: string;
  readonly namespace: string;
}

/**
 * The service and namespace a delivering Lambda logs and emits under: what the deployment
 * set in its environment (so the construct's alarms watch exactly what is emitted), else
 * `fallbackService` and {@link OUTBOX_METRICS_NAMESPACE} (local mode, tests).
 * @internal
 */
export function telemetryIdentity(
  env: NodeJS.ProcessEnv,
  fallbackService: string,
): TelemetryIdentity {
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    serviceName: set(TelemetryVariable.serviceName) ?? fallbackService,
    namespace: set(TelemetryVariable.metricsNamespace) ?? OUTBOX_METRICS_NAMESPACE,
  };
}
