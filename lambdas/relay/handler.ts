import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createOutboxDelivery } from '../outbox/index.js';
import { telemetryIdentity } from '../outbox/metrics.js';
import { loadRelayConfig } from './config.js';
import { type RelayDependencies, relayStreamBatch } from './relay.js';

const config = loadRelayConfig(process.env);
// The service and namespace the construct set: its alarms watch exactly these.
const { serviceName, namespace } = telemetryIdentity(process.env, 'outbox-relay');
const logger = new Logger({ serviceName });
// Its warnings (e.g. a run with nothing to report) go through the structured logger.
const metrics = new Metrics({ namespace, serviceName, logger });

const deps: RelayDependencies = {
  delivery: createOutboxDelivery(config, logger).delivery,
  logger,
  metrics: { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) },
  safetyMarginMs: config.safetyMarginMs,
  predecessorWaitMs: config.predecessorWaitMs,
};

/**
 * The relay Lambda: DynamoDB Stream (outbox INSERTs) → EventBridge, in order per
 * aggregate. Partial failures come back as `batchItemFailures`; only a configuration
 * error (EventBridge refusing the relay) fails the invocation.
 * @internal
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((event, context) => relayStreamBatch(deps, event, context));
