import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Inbox,
  type OutboxEventHandler,
  sqsOutboxConsumer,
} from '../../../lambdas/consumer/index.js';
import { aFifoBatch, anOutboxEvent } from '../../helpers/consumer-events.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const inbox = new Inbox({ client, tableName: 'inbox', policy: 'skip-stale' });

/** Applies every event, except those of `failing` (by eventId), which throw. */
const applying =
  (applied: string[], failing: readonly string[] = []): OutboxEventHandler =>
  async (envelope) => {
    if (failing.includes(envelope.eventId)) throw new Error(`cannot apply ${envelope.eventId}`);
    applied.push(envelope.eventId);
    return [{ Put: { TableName: 'shipments', Item: { orderId: envelope.aggregateId } } }];
  };

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(BatchGetCommand).resolves({ Responses: { inbox: [] } });
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('sqsOutboxConsumer on a FIFO queue', () => {
  it('holds the rest of a group after a failed message, and goes on with the other groups', async () => {
    const applied: string[] = [];
    const consume = sqsOutboxConsumer(inbox, applying(applied, ['o-1/1']));

    const result = await consume(
      aFifoBatch(
        { group: 'Order#o-1', event: anOutboxEvent(1, 'OrderConfirmed', 'o-1') },
        { group: 'Order#o-2', event: anOutboxEvent(1, 'OrderConfirmed', 'o-2') },
        { group: 'Order#o-1', event: anOutboxEvent(2, 'OrderConfirmed', 'o-1') },
        { group: 'Order#o-2', event: anOutboxEvent(2, 'OrderConfirmed', 'o-2') },
      ),
    );

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'm-0' },
      { itemIdentifier: 'm-2' },
    ]);
    expect(applied).toEqual(['o-2/1', 'o-2/2']);
  });

  it('reports nothing failed when every message is applied, in order', async () => {
    const applied: string[] = [];
    const consume = sqsOutboxConsumer(inbox, applying(applied));

    const result = await consume(
      aFifoBatch(
        { group: 'Order#o-1', event: anOutboxEvent(1, 'OrderConfirmed', 'o-1') },
        { group: 'Order#o-1', event: anOutboxEvent(2, 'OrderConfirmed', 'o-1') },
      ),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(applied).toEqual(['o-1/1', 'o-1/2']);
  });
});
