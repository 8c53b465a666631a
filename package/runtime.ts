/**
 * The runtime of dynamo-outbox, for Lambda code: the {@link OutboxWriter} every command
 * handler writes through, the relay's and the sweeper's delivery core, and the consumer's
 * inbox. It needs no CDK: import it from your handlers, bundled by `NodejsFunction`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = new OutboxWriter({ client, tableName: process.env.OUTBOX_TABLE_NAME ?? '' });
 * ```
 *
 * @module dynamo-outbox/runtime
 */
export * from '../lambdas/consumer/index.js';
export * from '../lambdas/outbox/index.js';
export * from '../lambdas/relay/index.js';
export * from '../lambdas/sweeper/index.js';
