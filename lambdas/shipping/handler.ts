import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Inbox, sqsOutboxConsumer } from '../consumer/index.js';
import * as z from '../outbox/zod.js';
import { shippingHandler } from './shipping.js';

const env = z.object({ SHIPMENTS_TABLE_NAME: z.string().check(z.minLength(1)) }).parse(process.env);
const logger = new Logger({ serviceName: 'shipping' });
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// Table, order policy and TTL as the OutboxConsumer construct (or local mode) set them.
const inbox = Inbox.fromEnvironment({ client });

/** The shipping consumer Lambda, fed by its SQS buffer. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(sqsOutboxConsumer(inbox, shippingHandler(client, env.SHIPMENTS_TABLE_NAME), logger));
