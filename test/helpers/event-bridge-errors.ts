import { Readable } from 'node:stream';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

/** An HTTP answer of the PutEvents endpoint. */
export interface PutEventsHttpAnswer {
  readonly statusCode: number;
  /** @default - an empty body */
  readonly body?: string;
}

/**
 * The error SDK v3's `EventBridgeClient` throws for an HTTP answer, built by the client's
 * own deserializer behind a canned request handler (no network, one attempt). Called
 * through the command's middleware, so it works while `mockClient(EventBridgeClient)`
 * stubs `send`. An empty-bodied 413 comes back as `name: 'Unknown'`, `$fault: 'client'`,
 * `$metadata.httpStatusCode: 413` (boto/boto3#3411 shows AWS answering so).
 *
 * @example
 * const tooLarge = await putEventsErrorFor({ statusCode: 413 });
 */
export async function putEventsErrorFor(answer: PutEventsHttpAnswer): Promise<Error> {
  const body = Buffer.from(answer.body ?? '');
  const client = new EventBridgeClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: answer.statusCode,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'content-length': String(body.length),
          },
          body: Readable.from(body.length === 0 ? [] : [body]),
        },
      }),
    },
  });
  const command = new PutEventsCommand({
    Entries: [{ Source: 'com.example.orders', DetailType: 'OrderChanged', Detail: '{}' }],
  });
  const handler = command.resolveMiddleware(client.middlewareStack, client.config, undefined);
  const outcome = await handler(command).then(
    () => undefined,
    (error: unknown) => error,
  );
  client.destroy();
  if (!(outcome instanceof Error)) {
    throw new Error(`HTTP ${answer.statusCode} did not make the SDK throw`);
  }
  return outcome;
}

/**
 * The error for an AWS JSON 1.1 error body (`{ "__type", "message" }`).
 *
 * @example
 * const denied = await awsJsonErrorFor(400, 'AccessDeniedException', 'not allowed');
 */
export function awsJsonErrorFor(statusCode: number, type: string, message: string) {
  return putEventsErrorFor({ statusCode, body: JSON.stringify({ __type: type, message }) });
}
