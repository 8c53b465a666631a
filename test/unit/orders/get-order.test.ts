import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/orders/handlers/get-order.js';
import {
  bodyOf,
  headerOf,
  iamCaller,
  jwtCaller,
  lambdaAuthorizerCaller,
  lambdaContext,
  PAYLOAD_FORMAT_CASES,
  type TestCaller,
} from '../../helpers/api-events.js';
import {
  anOrderItem,
  ORDER_ID,
  ORDERS_TABLE,
  OTHER_ARN,
  OWNER_ARN,
} from '../../helpers/orders-fixtures.js';

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => ddb.reset());

describe.each(PAYLOAD_FORMAT_CASES)('GET /orders/{id} from a %s event', (_, format) => {
  /** Reads as the order's owner unless told otherwise; `null`: without identity. */
  const get = (id: string, caller: TestCaller | null = iamCaller(OWNER_ARN)) =>
    handler(
      format.event({
        method: 'GET',
        resource: '/orders/{id}',
        pathParameters: { id },
        ...(caller === null ? {} : { caller }),
      }),
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

  it('fails with 400 naming the path parameter, without echoing it or reading, if the id holds a bidirectional override', async () => {
    const response = await get(`${ORDER_ID}\u202E`);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:dynamo-outbox:problem:invalid-id',
      detail: expect.stringContaining('path parameter id'),
    });
    expect(response.body).not.toContain('\u202E');
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('fails with 400 if the id is not a UUID, without reading', async () => {
    const response = await get('not-a-uuid');

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe("order id must be a UUID, got 'not-a-uuid'");
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  describe('an order of another caller', () => {
    it.each([
      ['another IAM user', iamCaller(OTHER_ARN)],
      ['a JWT user whose subject is the owner ARN', jwtCaller(OWNER_ARN)],
      [
        'a Lambda authorizer principal named like the owner',
        lambdaAuthorizerCaller(`iam:${OWNER_ARN}`),
      ],
      ['a request without identity', null],
    ] as const)('fails with 404 for %s, exactly as for an unknown id', async (_, caller) => {
      ddb.on(GetCommand).resolves({});
      const unknown = await get(ORDER_ID);
      ddb.on(GetCommand).resolves({ Item: anOrderItem() });

      const response = await get(ORDER_ID, caller);

      expect(response.statusCode).toBe(404);
      expect(response.body).toBe(unknown.body);
      expect(response.headers).toEqual(unknown.headers);
    });
  });

  it('serves an order created without identity to a caller without identity', async () => {
    ddb.on(GetCommand).resolves({ Item: anOrderItem({ owner: undefined }) });

    expect((await get(ORDER_ID, null)).statusCode).toBe(200);
  });

  it('keeps the owner off the response', async () => {
    ddb.on(GetCommand).resolves({ Item: anOrderItem() });

    expect(bodyOf(await get(ORDER_ID))).not.toHaveProperty('owner');
  });
});
