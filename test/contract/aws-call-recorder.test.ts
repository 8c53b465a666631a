import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DescribeEventBusCommand,
  PutEventsCommand as PutEventsV2Command,
} from '../../lambdas/eventbridge-v2/index.js';
import { AwsCallRecorder } from '../helpers/aws-call-recorder.js';
import {
  aClient,
  anEntry,
  BUS_ARN,
  errorAnswer,
  publishedAnswer,
  ScriptedHandler,
} from '../helpers/eventbridge-v2.js';

const config = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/** A client whose requests never leave the process: the stack answers (or fails) at once. */
function offline<C extends DynamoDBClient | EventBridgeClient>(client: C, fail?: Error): C {
  const stack = client.middlewareStack as unknown as MiddlewareStack<object, object>;
  stack.add(
    () => async () => {
      if (fail) throw fail;
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'offline' },
  );
  return client;
}

let recorder: AwsCallRecorder | undefined;
afterEach(() => recorder?.uninstall());

describe('the AWS call recorder', () => {
  it('records a call made during a run as the caller own, with its service, operation and input', async () => {
    recorder = AwsCallRecorder.install();
    const client = offline(new EventBridgeClient(config));

    await recorder.run('Outbox/Relay', () =>
      client.send(new PutEventsCommand({ Entries: [{ EventBusName: 'bus' }] })),
    );

    expect(recorder.calls()).toEqual([
      {
        caller: 'Outbox/Relay',
        service: 'EventBridge',
        operation: 'PutEvents',
        input: { Entries: [{ EventBusName: 'bus' }] },
      },
    ]);
  });

  it('records a document client command under the API operation it sends', async () => {
    recorder = AwsCallRecorder.install();
    const client = DynamoDBDocumentClient.from(offline(new DynamoDBClient(config)));

    await recorder.run('Outbox/Sweeper', () =>
      client.send(new BatchGetCommand({ RequestItems: { outbox: { Keys: [{ pk: 'a' }] } } })),
    );

    expect(recorder.calls().map((c) => [c.service, c.operation, c.input])).toEqual([
      ['DynamoDB', 'BatchGetItem', { RequestItems: { outbox: { Keys: [{ pk: 'a' }] } } }],
    ]);
  });

  it('records a call through our eventbridgev2 client under the service id EventBridgeV2', async () => {
    recorder = AwsCallRecorder.install();
    const client = aClient(
      new ScriptedHandler(publishedAnswer(1), errorAnswer(404, 'ResourceNotFoundException')),
    );
    const entries = [anEntry()];

    await recorder.run('Outbox/Relay', async () => {
      await client.send(new PutEventsV2Command({ EventBusArn: BUS_ARN, Entries: entries }));
      await client
        .send(new DescribeEventBusCommand({ EventBusArn: BUS_ARN }))
        .catch(() => undefined);
    });

    expect(recorder.calls()).toEqual([
      {
        caller: 'Outbox/Relay',
        service: 'EventBridgeV2',
        operation: 'PutEvents',
        input: { EventBusArn: BUS_ARN, Entries: entries },
      },
      {
        caller: 'Outbox/Relay',
        service: 'EventBridgeV2',
        operation: 'DescribeEventBus',
        input: { EventBusArn: BUS_ARN },
      },
    ]);
  });

  it('records a call that fails, and calls left running in the background of a run', async () => {
    recorder = AwsCallRecorder.install();
    const failing = offline(new DynamoDBClient(config), new Error('AccessDenied'));
    let background: Promise<unknown> = Promise.resolve();

    await recorder.run('GetOrder', async () => {
      background = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
        failing.send(new GetItemCommand({ TableName: 'later', Key: {} })).catch(() => undefined),
      );
      await failing
        .send(new GetItemCommand({ TableName: 'orders', Key: {} }))
        .catch(() => undefined);
    });
    await background;

    expect(recorder.calls().map((c) => [c.caller, c.input.TableName])).toEqual([
      ['GetOrder', 'orders'],
      ['GetOrder', 'later'],
    ]);
  });

  it('does not record the test own calls, made outside any run', async () => {
    recorder = AwsCallRecorder.install();
    const client = offline(new DynamoDBClient(config));

    await client.send(new GetItemCommand({ TableName: 'orders', Key: {} }));

    expect(recorder.calls()).toEqual([]);
  });

  it('stops recording once uninstalled', async () => {
    const uninstalled = AwsCallRecorder.install();
    uninstalled.uninstall();
    const client = offline(new DynamoDBClient(config));
    const v2 = aClient(new ScriptedHandler(publishedAnswer(1)));

    await uninstalled.run('GetOrder', async () => {
      await client.send(new GetItemCommand({ TableName: 'orders', Key: {} }));
      await v2.send(new PutEventsV2Command({ EventBusArn: BUS_ARN, Entries: [anEntry()] }));
    });

    expect(uninstalled.calls()).toEqual([]);
  });
});
