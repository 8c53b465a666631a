import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConsumerConfigError, Inbox, sqsOutboxConsumer } from '../consumer/index.js';
import { parseEnvironment } from '../outbox/environment.js';
import * as z from '../outbox/zod.js';
import { shippingHandler } from './shipping.js';

const parsed = parseEnvironment(
  z.object({ SHIPMENTS_TABLE_NAME: z.string().check(z.minLength(1, 'must not be empty')) }),
  process.env,
);
if (!parsed.ok) {
  throw new ConsumerConfigError(`invalid shipping environment: ${parsed.problems.join('; ')}`);
}
const env = parsed.value;
const logger = new Logger({ serviceName: 'shipping' });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// Table, order policy and TTL as the OutboxConsumer construct (or local mode) set them.
const inbox = Inbox.fromEnvironment({ client });

/** The shipping consumer Lambda, fed by its SQS buffer. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(sqsOutboxConsumer(inbox, shippingHandler(env.SHIPMENTS_TABLE_NAME), logger));
