import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { consumeOutboxEvent, Inbox } from '../../../lambdas/consumer/index.js';
import { shippingHandler } from '../../../lambdas/shipping/shipping.js';
import { anOutboxEvent } from '../../helpers/consumer-events.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const inbox = new Inbox({ client, tableName: 'shipping-inbox', policy: 'skip-stale' });

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(BatchGetCommand).resolves({ Responses: { 'shipping-inbox': [] } });
  ddbMock.on(TransactWriteCommand).resolves({});
});

/** The shipment the consumer committed with the inbox record. */
const shipmentWritten = () =>
  ddbMock
    .commandCalls(TransactWriteCommand)[0]
    ?.args[0].input.TransactItems?.find((item) => item.Put?.TableName === 'shipments')?.Put?.Item;

describe('the shipping handler', () => {
  it("fails if it ships the order named in data instead of the envelope's aggregate", async () => {
    // A writer may put anything in data; the envelope's aggregate is its record's key.
    const event = anOutboxEvent(1, 'OrderConfirmed', 'o-1');
    const lying = { ...event, detail: { ...event.detail, data: { orderId: 'o-999', total: 5 } } };

    await consumeOutboxEvent(inbox, lying, shippingHandler('shipments'));

    expect(shipmentWritten()).toMatchObject({ orderId: 'o-1', status: 'READY' });
  });

  it('closes the shipment of the envelope aggregate on OrderCancelled', async () => {
    const event = anOutboxEvent(2, 'OrderCancelled', 'o-7');
    const cancelled = { ...event, detail: { ...event.detail, data: { reason: 'changed mind' } } };

    await consumeOutboxEvent(inbox, cancelled, shippingHandler('shipments'));

    expect(shipmentWritten()).toMatchObject({
      orderId: 'o-7',
      status: 'CANCELLED',
      reason: 'changed mind',
    });
  });
});
