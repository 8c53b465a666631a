/**
 * The transient-cancellation retry, unit by unit and end to end through a real
 * DynamoDBClient whose HTTP handler is a local fake: the SDK's own retry strategy must
 * resend a transaction cancelled only by contention, and nothing else.
 *
 * No mockClient here: the whole SDK middleware stack (serializer, retry, deserializer)
 * has to run.
 */
import { Readable } from 'node:stream';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  HandlerExecutionContext,
  MetadataBearer,
} from '@smithy/types';
import { describe, expect, it } from 'vitest';
import {
  AggregateAlreadyExistsError,
  WriteContentionError,
} from '../../../lambdas/outbox/errors.js';
import { OutboxWriter } from '../../../lambdas/outbox/index.js';
import {
  isTransientCancellation,
  retryableCancellationMiddleware,
  retryTransientCancellations,
} from '../../../lambdas/outbox/retryable-cancellation.js';
import {
  aCreateInput,
  aDocumentClient,
  CONFLICT,
  cancellation,
  conditionFailed,
  fixedClock,
  NONE,
  OUTBOX_TABLE,
  sequentialIds,
} from '../../helpers/outbox-fixtures.js';

const MIDDLEWARE_NAME = 'dynamoOutboxRetryableCancellation';

describe('isTransientCancellation', () => {
  it.each([
    ['a transaction conflict', [CONFLICT, NONE]],
    ['throttling', [{ Code: 'ThrottlingError' }]],
    ['exceeded provisioned throughput', [NONE, { Code: 'ProvisionedThroughputExceeded' }]],
    ['an exceeded request limit', [{ Code: 'RequestLimitExceeded' }]],
    ['several transient reasons', [CONFLICT, { Code: 'ThrottlingError' }, NONE]],
    ['a conflict next to a reason without code', [CONFLICT, {}]],
  ])('is true for a cancellation caused only by %s', (_why, reasons) => {
    expect(isTransientCancellation(cancellation(reasons))).toBe(true);
  });

  it.each([
    ['a failed condition', [conditionFailed(), NONE]],
    ['a failed condition next to a conflict', [conditionFailed(), CONFLICT]],
    ['a validation error next to a conflict', [{ Code: 'ValidationError' }, CONFLICT]],
    ['reasons that are all None', [NONE, NONE]],
    ['no reasons', []],
  ])('is false for a cancellation with %s', (_why, reasons) => {
    expect(isTransientCancellation(cancellation(reasons))).toBe(false);
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('TransactionConflict')],
    [
      'a ConditionalCheckFailedException',
      new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }),
    ],
    ['undefined', undefined],
    ['null', null],
    ['a string', 'TransactionCanceledException'],
  ])('is false for %s', (_why, error) => {
    expect(isTransientCancellation(error)).toBe(false);
  });
});

describe('retryableCancellationMiddleware', () => {
  const args: DeserializeHandlerArguments<object> = { input: {}, request: {} };
  const context: HandlerExecutionContext = {};

  const failingWith =
    (error: unknown): DeserializeHandler<object, MetadataBearer> =>
    async () => {
      throw error;
    };

  async function rejectionThrough(error: unknown): Promise<unknown> {
    const handler = retryableCancellationMiddleware(failingWith(error), context);
    return handler(args).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    );
  }

  it('marks a transient cancellation as a retryable throttle and rethrows it', async () => {
    const error = cancellation([CONFLICT, NONE]);

    const thrown = await rejectionThrough(error);

    expect(thrown).toBe(error);
    expect(error.$retryable).toStrictEqual({ throttling: true });
  });

  it('rethrows a cancellation by a failed condition without marking it', async () => {
    const error = cancellation([conditionFailed(), CONFLICT]);

    const thrown = await rejectionThrough(error);

    expect(thrown).toBe(error);
    expect(error.$retryable).toBeUndefined();
  });

  it('rethrows other errors untouched', async () => {
    const error = new Error('socket hang up');

    const thrown = await rejectionThrough(error);

    expect(thrown).toBe(error);
    expect(error).not.toHaveProperty('$retryable');
  });

  it('passes a successful response through unchanged', async () => {
    const output: DeserializeHandlerOutput<MetadataBearer> = {
      output: { $metadata: { httpStatusCode: 200 } },
      response: { statusCode: 200 },
    };
    const handler = retryableCancellationMiddleware(async () => output, context);

    await expect(handler(args)).resolves.toBe(output);
  });
});

describe('retryTransientCancellations', () => {
  const installed = (client: DynamoDBDocumentClient) =>
    client.middlewareStack.identify().filter((entry) => entry.startsWith(MIDDLEWARE_NAME));

  it('installs the middleware once, however often it is called', () => {
    const client = aDocumentClient();

    retryTransientCancellations(client);
    retryTransientCancellations(client);

    expect(installed(client)).toHaveLength(1);
  });

  it('is installed by the OutboxWriter constructor, also for several writers on one client', () => {
    const client = aDocumentClient();

    new OutboxWriter({ client, tableName: OUTBOX_TABLE });
    new OutboxWriter({ client, tableName: 'other-outbox' });

    expect(installed(client)).toHaveLength(1);
  });

  it("is left out by an OutboxWriter told not to retry: the caller's client stays untouched", () => {
    const client = aDocumentClient();
    const before = client.middlewareStack.identify();

    new OutboxWriter({ client, tableName: OUTBOX_TABLE, retryTransientCancellations: false });

    expect(installed(client)).toHaveLength(0);
    expect(client.middlewareStack.identify()).toStrictEqual(before);
  });

  it('installs it on the underlying DynamoDBClient that the document client shares', () => {
    const base = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

    retryTransientCancellations(DynamoDBDocumentClient.from(base));

    expect(base.middlewareStack.identify().some((e) => e.startsWith(MIDDLEWARE_NAME))).toBe(true);
  });

  it('places the middleware outside the deserializer, where the deserialized error is thrown', () => {
    const client = aDocumentClient();

    retryTransientCancellations(client);

    // identify() lists the stack from the outermost middleware inwards.
    const stack = client.middlewareStack.identify();
    const retry = stack.findIndex((e) => e.startsWith('retryMiddleware'));
    const ours = stack.findIndex((e) => e.startsWith(MIDDLEWARE_NAME));
    const deserializer = stack.findIndex((e) => e.startsWith('deserializerMiddleware'));
    expect(retry).toBeGreaterThanOrEqual(0);
    expect(deserializer).toBeGreaterThanOrEqual(0);
    expect(retry).toBeLessThan(ours);
    expect(ours).toBeLessThan(deserializer);
  });
});

// ---------------------------------------------------------------------------------------
// End to end through the SDK's retry strategy
// ---------------------------------------------------------------------------------------

interface FakeResponse {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

const CANCELLED_BY_CONFLICT: FakeResponse = {
  statusCode: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
    CancellationReasons: [{ Code: 'TransactionConflict' }],
  },
};

const CANCELLED_BY_CONDITION: FakeResponse = {
  statusCode: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    CancellationReasons: [
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { id: { S: 'o-1' }, version: { N: '3' } },
      },
      { Code: 'None' },
    ],
  },
};

const COMMITTED: FakeResponse = { statusCode: 200, body: {} };

/**
 * A DynamoDB endpoint on a plate: answers the n-th request with the n-th response (the
 * last one repeats) and records every request it handled.
 */
function fakeDynamoDb(responses: readonly FakeResponse[]) {
  const requests: HttpRequest[] = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      const answer = responses[Math.min(requests.length, responses.length) - 1];
      if (answer === undefined) throw new Error('fakeDynamoDb needs at least one response');
      return {
        response: new HttpResponse({
          statusCode: answer.statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([JSON.stringify(answer.body)]),
        }),
      };
    },
  };
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
      retryStrategy: new ConfiguredRetryStrategy(3, () => 1),
      requestHandler,
    }),
  );
  return { client, requests };
}

function bodyOf(request: HttpRequest): Record<string, unknown> {
  const body: unknown = request.body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
  return JSON.parse(text) as Record<string, unknown>;
}

const writerOn = (client: DynamoDBDocumentClient) =>
  new OutboxWriter({
    client,
    tableName: OUTBOX_TABLE,
    clock: fixedClock,
    newEventId: sequentialIds(),
  });

describe('a transient cancellation, end to end', () => {
  it('is retried by the SDK and the write commits on the second attempt', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONFLICT, COMMITTED]);

    const result = await writerOn(dynamo.client).write(aCreateInput());

    expect(dynamo.requests).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'committed', version: 1, lastEventSeq: 1 });
    expect(dynamo.requests.map((r) => r.headers['x-amz-target'])).toStrictEqual([
      'DynamoDB_20120810.TransactWriteItems',
      'DynamoDB_20120810.TransactWriteItems',
    ]);
  });

  it('resends the same ClientRequestToken, so a retry cannot apply the transaction twice', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONFLICT, COMMITTED]);

    await writerOn(dynamo.client).write(aCreateInput());

    const [first, second] = dynamo.requests.map(bodyOf);
    expect(first?.ClientRequestToken).toEqual(expect.any(String));
    expect(second?.ClientRequestToken).toBe(first?.ClientRequestToken);
    expect(second?.TransactItems).toStrictEqual(first?.TransactItems);
  });

  it('becomes WriteContentionError once contention outlasts the configured attempts', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONFLICT]);

    const error = await writerOn(dynamo.client)
      .write(aCreateInput())
      .catch((e: unknown) => e);

    expect(dynamo.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(WriteContentionError);
    expect((error as Error).cause).toBeInstanceOf(TransactionCanceledException);
    expect((error as Error).cause).toMatchObject({ $metadata: { attempts: 3 } });
  });

  it('fails at once with WriteContentionError when the writer is told not to retry', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONFLICT, COMMITTED]);
    const writer = new OutboxWriter({
      client: dynamo.client,
      tableName: OUTBOX_TABLE,
      clock: fixedClock,
      newEventId: sequentialIds(),
      retryTransientCancellations: false,
    });

    const error = await writer.write(aCreateInput()).catch((e: unknown) => e);

    expect(dynamo.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(WriteContentionError);
    expect((error as Error).cause).toMatchObject({ $metadata: { attempts: 1 } });
  });

  it('is not retried by the SDK without the middleware', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONFLICT, COMMITTED]);

    const error = await dynamo.client
      .send(new TransactWriteCommand({ TransactItems: [] }))
      .catch((e: unknown) => e);

    expect(dynamo.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(TransactionCanceledException);
  });
});

describe('a cancellation by a failed condition, end to end', () => {
  it('is not retried and maps the wire-format item to a typed error', async () => {
    const dynamo = fakeDynamoDb([CANCELLED_BY_CONDITION, COMMITTED]);

    const error = await writerOn(dynamo.client)
      .write(aCreateInput())
      .catch((e: unknown) => e);

    expect(dynamo.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(AggregateAlreadyExistsError);
    expect((error as Error).cause).toMatchObject({
      CancellationReasons: [
        { Code: 'ConditionalCheckFailed', Item: { id: { S: 'o-1' }, version: { N: '3' } } },
        { Code: 'None' },
      ],
    });
  });
});
