import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
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
