import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/orders/handlers/get-order.js';
import { bodyOf, headerOf, lambdaContext, PAYLOAD_FORMAT_CASES } from '../../helpers/api-events.js';
import { anOrderItem, ORDER_ID, ORDERS_TABLE } from '../../helpers/orders-fixtures.js';

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => ddb.reset());

describe.each(PAYLOAD_FORMAT_CASES)('GET /orders/{id} from a %s event', (_, format) => {
  const get = (id: string) =>
    handler(
      format.event({ method: 'GET', resource: '/orders/{id}', pathParameters: { id } }),
      lambdaContext(),
    );

  it('answers 200 with the order and its version as ETag, read consistently', async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: anOrderItem({ version: 3, lastEventSeq: 3, status: 'SHIPPED' }) });

    const response = await get(ORDER_ID);

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ id: ORDER_ID, status: 'SHIPPED', version: 3 });
    expect(bodyOf(response)).not.toHaveProperty('lastEventSeq');
    expect(headerOf(response, 'ETag')).toBe('"3"');
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: ORDERS_TABLE,
      Key: { id: ORDER_ID },
      ConsistentRead: true,
    });
  });

  it('fails with 404 if no order has the id', async () => {
    ddb.on(GetCommand).resolves({});

    const response = await get(ORDER_ID);

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:dynamo-outbox:problem:not-found',
      detail: `order ${ORDER_ID} does not exist`,
    });
  });

  it('fails with 400 if the id is not a UUID, without reading', async () => {
    const response = await get('not-a-uuid');

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe("order id must be a UUID, got 'not-a-uuid'");
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});
