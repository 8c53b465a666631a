import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Target } from './resources.js';

/** The SDK clients the commands use, all pointed at one target. */
export interface OutboxClients {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
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
  const sqs = new SQSClient({ ...base, ...busEndpoint });
  const lambda = new LambdaClient(base);
  return {
    documentClient,
    eventBridge,
    sqs,
    lambda,
    destroy: () => {
      documentClient.destroy();
      dynamoDb.destroy();
      eventBridge.destroy();
      sqs.destroy();
      lambda.destroy();
    },
  };
}
