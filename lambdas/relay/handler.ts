import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { OrderedPublisher, OutboxStore, Quarantine } from '../outbox/index.js';
import { loadRelayConfig } from './config.js';
import { type RelayDependencies, relayStreamBatch } from './relay.js';

const config = loadRelayConfig(process.env);
const logger = new Logger({ serviceName: 'outbox-relay' });
const metrics = new Metrics({ namespace: 'DynamoOutbox', serviceName: 'outbox-relay' });
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const deps: RelayDependencies = {
  store: new OutboxStore({
    client: documentClient,
    tableName: config.outboxTableName,
    retentionDays: config.retentionDays,
  }),
  publisher: new OrderedPublisher({
    eventBridge: new EventBridgeClient({}),
    eventBusName: config.eventBusName,
    maxRequestBytes: config.maxRequestBytes,
    concurrency: config.publishConcurrency,
  }),
  quarantine: new Quarantine({ sqs: new SQSClient({}), queueUrl: config.dlqUrl }),
  logger,
  metrics: { addMetric: (name, unit, value) => metrics.addMetric(name, unit, value) },
  safetyMarginMs: config.safetyMarginMs,
  predecessorWaitMs: config.predecessorWaitMs,
};

/**
 * The relay Lambda: DynamoDB Stream (outbox INSERTs) → EventBridge, in order per
 * aggregate. Partial failures come back as `batchItemFailures`; only a configuration
 * error (EventBridge refusing the relay) fails the invocation.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((event, context) => relayStreamBatch(deps, event, context));
