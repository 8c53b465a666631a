import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { anOutboxEvent } from '../../helpers/consumer-events.js';

const ddbMock = mockClient(DynamoDBDocumentClient);

// The handler reads its environment at import (cold start): import it afresh per test.
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  ddbMock.reset();
});

/** The handler as deployed, with its environment, and the DynamoDB calls mocked. */
async function deployedHandler() {
  vi.stubEnv('SHIPMENTS_TABLE_NAME', 'shipments');
  vi.stubEnv('INBOX_TABLE_NAME', 'shipping-inbox');
  ddbMock.on(BatchGetCommand).resolves({ Responses: { 'shipping-inbox': [] } });
  ddbMock.on(TransactWriteCommand).resolves({});
  return (await import('../../../lambdas/shipping/handler.js')).handler;
}

/** An SQS batch of one message carrying this EventBridge event. */
const oneMessage = (event: unknown): SQSEvent =>
  ({ Records: [{ messageId: 'm-1', body: JSON.stringify(event) }] }) as SQSEvent;

describe('the shipping consumer Lambda', () => {
  it('fails at cold start if SHIPMENTS_TABLE_NAME is missing, naming it', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', undefined);
    vi.stubEnv('INBOX_TABLE_NAME', 'shipping-inbox');

    const loading = import('../../../lambdas/shipping/handler.js');

    await expect(loading).rejects.toThrow(
      'invalid shipping environment: SHIPMENTS_TABLE_NAME: is required',
    );
  });

  it('fails at cold start if the inbox environment the construct sets is missing, naming it', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', 'shipments');
    vi.stubEnv('INBOX_TABLE_NAME', undefined);

    const loading = import('../../../lambdas/shipping/handler.js');

    await expect(loading).rejects.toThrow('INBOX_TABLE_NAME: is required');
  });

  it('starts with both', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', 'shipments');
    vi.stubEnv('INBOX_TABLE_NAME', 'shipping-inbox');

    const { handler } = await import('../../../lambdas/shipping/handler.js');

    expect(typeof handler).toBe('function');
  });

  it('fails the message if it does not come from the orders service: nothing is shipped, and it goes on to the dead-letter queue', async () => {
    const handler = await deployedHandler();
    const forged = { ...anOutboxEvent(1, 'OrderConfirmed'), source: 'com.example.marketing' };

    const result = await handler(oneMessage(forged), {} as Context);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('fails the message if it is not about an order', async () => {
    const handler = await deployedHandler();
    const event = anOutboxEvent(1, 'OrderConfirmed');
    const forged = { ...event, detail: { ...event.detail, aggregateType: 'Cart' } };

    const result = await handler(oneMessage(forged), {} as Context);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('ships an OrderConfirmed of the orders service', async () => {
    const handler = await deployedHandler();

    const result = await handler(oneMessage(anOutboxEvent(1, 'OrderConfirmed')), {} as Context);

    expect(result.batchItemFailures).toEqual([]);
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});
