import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConsumerConfigError,
  consumeOutboxEvent,
  type ExpectedEvents,
  eventBridgeOutboxConsumer,
  Inbox,
  type OutboxEventHandler,
  sqsOutboxConsumer,
  UnexpectedEventError,
} from '../../../lambdas/consumer/index.js';
import { anOutboxEvent } from '../../helpers/consumer-events.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const inbox = new Inbox({ client, tableName: 'inbox', policy: 'skip-stale' });

/** What the shipping example subscribes to. */
const ORDERS: ExpectedEvents = {
  sources: ['com.example.orders'],
  detailTypes: ['OrderConfirmed', 'OrderCancelled'],
  aggregateTypes: ['Order'],
};

/** An event as anOutboxEvent builds it, with some fields replaced. */
const forged = (change: { source?: string; detailType?: string; aggregateType?: string }) => {
  const event = anOutboxEvent(1);
  return {
    ...event,
    source: change.source ?? event.source,
    'detail-type': change.detailType ?? event['detail-type'],
    detail: { ...event.detail, aggregateType: change.aggregateType ?? event.detail.aggregateType },
  };
};

/** An SQS batch whose messages are these EventBridge events, ids m-0, m-1, … */
const sqsBatch = (...events: unknown[]): SQSEvent =>
  ({
    Records: events.map((event, i) => ({ messageId: `m-${i}`, body: JSON.stringify(event) })),
  }) as SQSEvent;

const appliesWrite: OutboxEventHandler = async (envelope) => [
  { Put: { TableName: 'shipments', Item: { orderId: envelope.aggregateId } } },
];

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(BatchGetCommand).resolves({ Responses: { inbox: [] } });
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('consumeOutboxEvent with expectations', () => {
  it.each([
    ['source', { source: 'com.example.payments' }, 'com.example.payments'],
    ['detail-type', { detailType: 'OrderShipped' }, 'OrderShipped'],
    ['aggregateType', { aggregateType: 'Payment' }, 'Payment'],
  ] as const)(
    'fails if the %s is not expected, before reading the inbox or running the handler',
    async (field, change, value) => {
      const handler = vi.fn(appliesWrite);

      const consumed = consumeOutboxEvent(inbox, forged(change), handler, { expect: ORDERS });

      await expect(consumed).rejects.toThrow(UnexpectedEventError);
      await expect(consumed).rejects.toMatchObject({ field, value });
      expect(handler).not.toHaveBeenCalled();
      expect(ddbMock.calls()).toHaveLength(0);
    },
  );

  it('names the value it refused and the ones it expects', async () => {
    const consumed = consumeOutboxEvent(inbox, forged({ source: 'com.evil' }), appliesWrite, {
      expect: ORDERS,
    });

    await expect(consumed).rejects.toThrow(
      'unexpected source "com.evil": this consumer expects "com.example.orders"',
    );
  });

  it('applies an event that matches every list', async () => {
    const outcome = await consumeOutboxEvent(inbox, anOutboxEvent(1), appliesWrite, {
      expect: ORDERS,
    });

    expect(outcome).toBe('applied');
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('accepts any value of a list it was not given', async () => {
    const outcome = await consumeOutboxEvent(
      inbox,
      forged({ detailType: 'OrderShipped' }),
      appliesWrite,
      { expect: { sources: ['com.example.orders'] } },
    );

    expect(outcome).toBe('applied');
  });

  it('fails if a list is empty: it would refuse every event', async () => {
    const consumed = consumeOutboxEvent(inbox, anOutboxEvent(1), appliesWrite, {
      expect: { sources: [] },
    });

    await expect(consumed).rejects.toThrow(ConsumerConfigError);
    await expect(consumed).rejects.toThrow('expect.sources must not be empty');
  });
});

describe('sqsOutboxConsumer with expectations', () => {
  it('reports a refused message as a batch item failure, applies nothing of it, and goes on with the batch', async () => {
    const consume = sqsOutboxConsumer(inbox, appliesWrite, { expect: ORDERS });

    const result = await consume(
      sqsBatch(forged({ source: 'com.evil' }), anOutboxEvent(1, 'OrderConfirmed', 'o-2')),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    const written = ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(written).toHaveLength(1);
    expect(written[0]?.TransactItems?.[0]?.Put?.Item).toEqual({ orderId: 'o-2' });
  });

  it('logs a refused message as an error, since someone sent what the consumer never subscribed to', async () => {
    const logger = new Logger({ serviceName: 'shipping', logLevel: 'SILENT' });
    const error = vi.spyOn(logger, 'error');
    const consume = sqsOutboxConsumer(inbox, appliesWrite, { logger, expect: ORDERS });

    await consume(sqsBatch(forged({ detailType: 'OrderShipped' })));

    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('unexpected event refused'),
      expect.objectContaining({ messageId: 'm-0' }),
    );
  });

  it('fails when it is built if a list is empty, so the function fails at cold start', () => {
    expect(() => sqsOutboxConsumer(inbox, appliesWrite, { expect: { detailTypes: [] } })).toThrow(
      ConsumerConfigError,
    );
  });

  it('still takes a bare Logger as its third argument, checking nothing', async () => {
    const logger = new Logger({ serviceName: 'shipping', logLevel: 'SILENT' });
    const consume = sqsOutboxConsumer(inbox, appliesWrite, logger);

    const result = await consume(sqsBatch(forged({ source: 'com.example.payments' })));

    expect(result.batchItemFailures).toEqual([]);
  });
});

describe('eventBridgeOutboxConsumer with expectations', () => {
  it('fails if the event is not expected, so that Lambda retries it toward its on-failure destination', async () => {
    const consume = eventBridgeOutboxConsumer(inbox, appliesWrite, { expect: ORDERS });

    await expect(consume(forged({ aggregateType: 'Payment' }) as never)).rejects.toThrow(
      UnexpectedEventError,
    );
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
