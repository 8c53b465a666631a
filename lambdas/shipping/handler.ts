import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Inbox, sqsOutboxConsumer } from '../consumer/index.js';
import { telemetryIdentity } from '../outbox/metrics.js';
import { loadShippingConfig } from './config.js';
import { shippingHandler } from './shipping.js';
import { SHIPPING_SUBSCRIPTION } from './subscription.js';

const config = loadShippingConfig(process.env);
// The deployment's POWERTOOLS_SERVICE_NAME: a `serviceName` option would override it.
const logger = new Logger({ serviceName: telemetryIdentity(process.env, 'shipping').serviceName });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// Table, order policy and TTL as the OutboxConsumer construct (or local mode) set them.
const inbox = Inbox.fromEnvironment({ client });

/**
 * The shipping consumer Lambda, fed by its SQS buffer. It refuses what its rule does not
 * subscribe to: the rule filters, it does not authenticate.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(
    sqsOutboxConsumer(inbox, shippingHandler(config.shipmentsTableName), {
      logger,
      expect: SHIPPING_SUBSCRIPTION,
    }),
  );
