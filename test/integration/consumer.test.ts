import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  consumeOutboxEvent,
  Inbox,
  inboxTableDefinition,
  type OrderPolicy,
  OutOfOrderEventError,
  sqsOutboxConsumer,
} from '../../lambdas/consumer/index.js';
import { shipmentsTableDefinition } from '../../lambdas/shipping/shipments-table.js';
import { shippingHandler } from '../../lambdas/shipping/shipping.js';
import { anOutboxEvent } from '../helpers/consumer-events.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-dynamo.js';

// The consumer kit against a real DynamoDB (Local): conditions and transactions as in AWS.
let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;
let table = 0;
let inboxTable = '';
let stateTable = '';

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = dynamo.client;
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(async () => {
  table++;
  inboxTable = `inbox-${table}`;
  stateTable = `state-${table}`;
  await dynamo.createTable(inboxTable, inboxTableDefinition);
  await dynamo.createTable(stateTable, shipmentsTableDefinition);
});

const inbox = (policy: OrderPolicy) => new Inbox({ client, tableName: inboxTable, policy });

/** The change that counts applications in the state table, and logs their sequences. */
const countApplication = (envelope: { aggregateId: string; sequence: number }) => ({
  Update: {
    TableName: stateTable,
    Key: { orderId: envelope.aggregateId },
    UpdateExpression: 'ADD applied :one SET #log = list_append(if_not_exists(#log, :empty), :seq)',
    ExpressionAttributeNames: { '#log': 'log' },
    ExpressionAttributeValues: { ':one': 1, ':empty': [], ':seq': [envelope.sequence] },
  },
});
/** A handler that counts in its own transaction, with the inbox's items. */
const counting = async (
  envelope: { aggregateId: string; sequence: number },
  context: { inTransaction(): object[] },
) => {
  await client.send(
    new TransactWriteCommand({
      TransactItems: [countApplication(envelope), ...(context.inTransaction() as never[])],
    }),
  );
};
/** The same change, returned for the kit to commit with the inbox record. */
const returningCount = async (envelope: { aggregateId: string; sequence: number }) => [
  countApplication(envelope),
];
const stateOf = async (orderId = 'o-1') =>
  (
    await client.send(
      new GetCommand({ TableName: stateTable, Key: { orderId }, ConsistentRead: true }),
    )
  ).Item;

describe('the consumer kit, on DynamoDB Local', () => {
  const modes = [
    ['in its own transaction (inTransaction)', counting],
    ['returning its writes', returningCount],
  ] as const;

  it.each(modes)('applies a duplicate delivery once, the handler %s', async (_mode, handler) => {
    const outcomes = [
      await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), handler),
      await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), handler),
    ];

    expect(outcomes).toEqual(['applied', 'duplicate']);
    expect(await stateOf()).toMatchObject({ applied: 1, log: [1] });
  });

  it.each(modes)(
    'applies concurrent duplicate deliveries once, the handler %s',
    async (_mode, handler) => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          consumeOutboxEvent(inbox('apply'), anOutboxEvent(1), handler),
        ),
      );

      const applied = outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'applied');
      expect(applied).toHaveLength(1);
      expect(await stateOf()).toMatchObject({ applied: 1 });
    },
  );

  describe('with the writes returned by the handler', () => {
    it('fails if a returned write is refused, and records nothing: the redelivery applies it', async () => {
      const refused = async () => [
        {
          ConditionCheck: {
            TableName: stateTable,
            Key: { orderId: 'o-1' },
            ConditionExpression: 'attribute_exists(orderId)',
          },
        },
      ];

      const first = consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), refused);

      await expect(first).rejects.toMatchObject({ name: 'TransactionCanceledException' });
      expect(await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), returningCount)).toBe(
        'applied',
      );
      expect(await stateOf()).toMatchObject({ applied: 1, log: [1] });
    });
  });

  it('applies a duplicate once in plain mode too (the handler does not share its transaction)', async () => {
    let calls = 0;
    const plain = async () => {
      calls++;
    };

    await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), plain);
    const second = await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), plain);

    expect(second).toBe('duplicate');
    expect(calls).toBe(1);
  });

  it('is safe when the consumer crashes after its state write but before the ack', async () => {
    const crashAfterCommit = async (
      envelope: { aggregateId: string; sequence: number },
      context: { inTransaction(): object[] },
    ) => {
      await counting(envelope, context);
      throw new Error('crashed before acknowledging');
    };

    await expect(
      consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), crashAfterCommit),
    ).rejects.toThrow('crashed');
    const redelivery = await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), counting);

    expect(redelivery).toBe('duplicate');
    expect(await stateOf()).toMatchObject({ applied: 1 });
  });

  describe('out-of-order delivery', () => {
    it('fails for retry under "fail" until the gap is filled, then applies in order', async () => {
      await consumeOutboxEvent(inbox('fail'), anOutboxEvent(1), counting);

      await expect(consumeOutboxEvent(inbox('fail'), anOutboxEvent(3), counting)).rejects.toThrow(
        OutOfOrderEventError,
      );
      await consumeOutboxEvent(inbox('fail'), anOutboxEvent(2), counting);
      await consumeOutboxEvent(inbox('fail'), anOutboxEvent(3), counting);

      expect(await stateOf()).toMatchObject({ applied: 3, log: [1, 2, 3] });
    });

    it('skips what is older than the last applied under "skip-stale"', async () => {
      const outcomes = [
        await consumeOutboxEvent(inbox('skip-stale'), anOutboxEvent(3), counting),
        await consumeOutboxEvent(inbox('skip-stale'), anOutboxEvent(2), counting),
        await consumeOutboxEvent(inbox('skip-stale'), anOutboxEvent(4), counting),
      ];

      expect(outcomes).toEqual(['applied', 'stale', 'applied']);
      expect(await stateOf()).toMatchObject({ log: [3, 4] });
    });

    it('applies every event once, in arrival order, under "apply", and keeps the cursor at the highest', async () => {
      for (const seq of [3, 1, 2, 3, 1])
        await consumeOutboxEvent(inbox('apply'), anOutboxEvent(seq), counting);

      expect(await stateOf()).toMatchObject({ applied: 3, log: [3, 1, 2] });
      const cursor = await client.send(
        new GetCommand({
          TableName: inboxTable,
          Key: { pk: 'CURSOR#Order#o-1' },
          ConsistentRead: true,
        }),
      );
      expect(cursor.Item?.lastSequence).toBe(3);
    });
  });

  it('reports partial batch failures for an SQS batch, and lets the rest through', async () => {
    const batch: SQSEvent = {
      Records: [
        anOutboxEvent(1, 'OrderConfirmed', 'a'),
        { not: 'an outbox event' },
        anOutboxEvent(1, 'OrderConfirmed', 'b'),
      ].map(
        (body, i) =>
          ({ messageId: `m-${i}`, body: JSON.stringify(body) }) as SQSEvent['Records'][number],
      ),
    };

    const result = await sqsOutboxConsumer(inbox('fail'), counting)(batch);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(await stateOf('a')).toMatchObject({ applied: 1 });
    expect(await stateOf('b')).toMatchObject({ applied: 1 });
  });

  it('runs the example shipping consumer: a confirmation after the cancellation is stale, never shipped', async () => {
    const shipping = sqsOutboxConsumer(inbox('skip-stale'), shippingHandler(stateTable));
    const sqs = (...events: object[]): SQSEvent => ({
      Records: events.map(
        (e, i) => ({ messageId: `m${i}`, body: JSON.stringify(e) }) as SQSEvent['Records'][number],
      ),
    });

    await shipping(sqs(anOutboxEvent(3, 'OrderCancelled')));
    await shipping(sqs(anOutboxEvent(2, 'OrderConfirmed'), anOutboxEvent(3, 'OrderCancelled')));

    expect(await stateOf()).toMatchObject({ status: 'CANCELLED' });
    await client.send(
      new PutCommand({ TableName: stateTable, Item: { orderId: 'o-2', status: 'NONE' } }),
    );
    await shipping(sqs(anOutboxEvent(2, 'OrderConfirmed', 'o-2')));
    expect(await stateOf('o-2')).toMatchObject({ status: 'READY', confirmedSequence: 2 });
  });
});
