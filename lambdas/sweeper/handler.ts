import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { createOutboxDelivery } from '../outbox/index.js';
import { telemetryIdentity } from '../outbox/metrics.js';
import { loadSweeperConfig } from './config.js';
import { type SweeperDependencies, type SweepReport, sweepPendingRecords } from './sweeper.js';

const config = loadSweeperConfig(process.env);
// The service and namespace the construct set: its alarms watch exactly these.
const { serviceName, namespace } = telemetryIdentity(process.env, 'outbox-sweeper');
const logger = new Logger({ serviceName });
// Its warnings (e.g. a run with nothing to report) go through the structured logger.
const metrics = new Metrics({ namespace, serviceName, logger });
const { delivery, documentClient } = createOutboxDelivery(config, logger);

const deps: SweeperDependencies = {
  documentClient,
  tableName: config.outboxTableName,
  delivery,
  logger,
  metrics: { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) },
  pendingShards: config.pendingShards,
  graceMs: config.graceSeconds * 1000,
  maxRecordsPerRun: config.maxRecordsPerRun,
  safetyMarginMs: config.safetyMarginMs,
};

/**
 * The sweeper Lambda, run on a schedule: delivers records that stayed PENDING past the
 * grace period, in order, with the relay's delivery pass.
 * @internal
 */
export const handler = middy<ScheduledEvent, SweepReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) => sweepPendingRecords(deps, context));
