import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConsumerError,
  consumeOutboxEvent,
  Inbox,
  InboxContentionError,
  type OutboxEventHandler,
} from '../../../lambdas/consumer/index.js';
import { anOutboxEvent } from '../../helpers/consumer-events.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const inbox = new Inbox({ client, tableName: 'inbox', policy: 'fail' });

beforeEach(() => {
  ddbMock.reset();
  // A new aggregate: neither the event nor a cursor is recorded.
  ddbMock.on(BatchGetCommand).resolves({ Responses: { inbox: [] } });
});

/** The cancellation DynamoDB returns when one item of a transaction failed its condition. */
function cancelledBy(failed: Record<string, unknown>): Error {
  return Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Item: failed },
      { Code: 'None' },
    ],
  });
}

/** A transactional handler whose transaction is cancelled with `error`. */
const cancelledWith =
  (error: Error): OutboxEventHandler =>
  async (_envelope, context) => {
    context.inTransaction();
    throw error;
  };

describe('consumeOutboxEvent in transactional mode', () => {
  it("reports a duplicate when the inbox's event item failed: a concurrent delivery applied it", async () => {
    const error = cancelledBy({
      pk: { S: 'EVENT#o-1/1' },
      appliedAt: { S: '2026-11-25T10:00:00Z' },
    });

    const outcome = await consumeOutboxEvent(inbox, anOutboxEvent(1), cancelledWith(error));

    expect(outcome).toBe('duplicate');
  });

  it("fails with InboxContentionError when the aggregate's cursor moved, with the cancellation as cause", async () => {
    const error = cancelledBy({ pk: { S: 'CURSOR#Order#o-1' }, lastSequence: { N: '1' } });

    const consumed = consumeOutboxEvent(inbox, anOutboxEvent(1), cancelledWith(error));

    await expect(consumed).rejects.toThrow(InboxContentionError);
    await expect(consumed).rejects.toMatchObject({ cause: error });
  });

  it("fails with the handler's own error when its own item failed, even if its key looks like the inbox's", async () => {
    // The consumer's table uses `pk` too, and this item's key starts with EVENT#.
    const error = cancelledBy({ pk: { S: 'EVENT#launch' }, seats: { N: '0' } });

    const consumed = consumeOutboxEvent(inbox, anOutboxEvent(1), cancelledWith(error));

    await expect(consumed).rejects.toBe(error);
  });
});

describe('consumeOutboxEvent with returned writes', () => {
  it('fails if the handler both takes the inbox items and returns writes, before sending anything', async () => {
    const both: OutboxEventHandler = async (_envelope, context) => {
      context.inTransaction();
      return [{ Put: { TableName: 'shipments', Item: { orderId: 'o-1' } } }];
    };

    const consumed = consumeOutboxEvent(inbox, anOutboxEvent(1), both);

    await expect(consumed).rejects.toThrow(ConsumerError);
    await expect(consumeOutboxEvent(inbox, anOutboxEvent(1), both)).rejects.toThrow(
      'return the writes, or commit them with the inbox items yourself',
    );
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('fails if the returned writes and the inbox items exceed one transaction', async () => {
    const tooMany: OutboxEventHandler = async () =>
      Array.from({ length: 99 }, (_, i) => ({
        Put: { TableName: 'shipments', Item: { orderId: `o-${i}` } },
      }));

    const consumed = consumeOutboxEvent(inbox, anOutboxEvent(1), tooMany);

    await expect(consumed).rejects.toThrow(
      "the handler returned 99 writes; with the inbox's 2 items that exceeds the 100 items of one transaction",
    );
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('sends the returned writes first and the inbox items after them, in one transaction', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const write = { Put: { TableName: 'shipments', Item: { orderId: 'o-1', status: 'READY' } } };

    const outcome = await consumeOutboxEvent(inbox, anOutboxEvent(1), async () => [write]);

    expect(outcome).toBe('applied');
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems;
    expect(items?.[0]).toEqual(write);
    expect(items?.slice(1).map((i) => i.Put?.TableName ?? i.Update?.TableName)).toEqual([
      'inbox',
      'inbox',
    ]);
  });
});
