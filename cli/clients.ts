import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeV2Client } from '../lambdas/eventbridge-v2/index.js';
import type { Target } from './resources.js';
import { CloudWatchAlarms } from './verify-cloudwatch.js';

/** The SDK clients the commands use, all pointed at one target. */
export interface OutboxClients {
  readonly dynamoDb: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  /** The Custom Event Bus (eventbridgev2): local mode's bus speaks its protocol too. */
  readonly eventBridgeV2: EventBridgeV2Client;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  /** Stack lookups of `verify` (AWS only). */
  readonly cloudFormation: CloudFormationClient;
  /** Alarm states for `verify` (AWS only), signed like the Lambda client's calls. */
  readonly cloudWatch: CloudWatchAlarms;
  /** Closes their connections. */
  destroy(): void;
}

/** Dummy credentials: DynamoDB Local and the local bus accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Creates the clients: against AWS with the default credential chain (and `--region`), or
 * against local mode's loopback endpoints with dummy credentials.
 *
 * @example
 * const clients = createClients(resources.target);
 * try { … } finally { clients.destroy(); }
 */
export function createClients(target: Target): OutboxClients {
  const base =
    target.kind === 'local'
      ? { region: target.region, credentials: LOCAL_CREDENTIALS }
      : target.region === undefined
        ? {}
        : { region: target.region };
  const endpoint = (url: string) => (target.kind === 'local' ? { endpoint: url } : {});
  const dynamoDb = new DynamoDBClient({
    ...base,
    ...(target.kind === 'local' ? endpoint(target.dynamoDbEndpoint) : {}),
  });
  const documentClient = DynamoDBDocumentClient.from(dynamoDb);
  const busEndpoint = target.kind === 'local' ? endpoint(target.busEndpoint) : {};
  const eventBridge = new EventBridgeClient({ ...base, ...busEndpoint });
  const eventBridgeV2 = new EventBridgeV2Client({ ...base, ...busEndpoint });
  const sqs = new SQSClient({ ...base, ...busEndpoint });
  const lambda = new LambdaClient(base);
  const cloudFormation = new CloudFormationClient(base);
  const cloudWatchClient = new CloudWatchClient(base);
  const cloudWatch = new CloudWatchAlarms(cloudWatchClient);
  return {
    dynamoDb,
    documentClient,
    eventBridge,
    eventBridgeV2,
    sqs,
    lambda,
    cloudFormation,
    cloudWatch,
    destroy: () => {
      documentClient.destroy();
      dynamoDb.destroy();
      eventBridge.destroy();
      eventBridgeV2.destroy();
      sqs.destroy();
      lambda.destroy();
      cloudFormation.destroy();
      cloudWatchClient.destroy();
    },
  };
}
