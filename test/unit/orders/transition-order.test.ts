import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as cancel from '../../../lambdas/orders/handlers/cancel-order.js';
import * as transition from '../../../lambdas/orders/handlers/transition-order.js';
import type { EventEnvelope } from '../../../lambdas/outbox/envelope.js';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import {
  bodyOf,
  headerOf,
  httpApiEvent,
  iamCaller,
  jwtCaller,
  lambdaAuthorizerCaller,
  lambdaContext,
  PAYLOAD_FORMAT_CASES,
  type PayloadFormat,
  type TestCaller,
} from '../../helpers/api-events.js';
import {
  anOrderItem,
  ORDER_ID,
  ORDERS_TABLE,
  OTHER_ARN,
  OUTBOX_TABLE,
  OWNER_ARN,
} from '../../helpers/orders-fixtures.js';

const ddb = mockClient(DynamoDBDocumentClient);
/** The owner of the stored order, who sends every request unless a test says otherwise. */
const ALICE = iamCaller(OWNER_ARN);
type Action = 'confirm' | 'ship' | 'cancel' | 'refund';
/** Posts an action on the order, as an event of the given payload format. */
const poster =
  (format: PayloadFormat) =>
  (
    action: Action,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      id?: string;
      /** Who sends it: the order's owner by default; `null` for a request without identity. */
      caller?: TestCaller | null;
    } = {},
  ) =>
    (action === 'cancel' ? cancel.handler : transition.handler)(
      format.event({
        method: 'POST',
        resource: `/orders/{id}/${action}`,
        pathParameters: { id: options.id ?? ORDER_ID },
        body: options.body,
        headers: options.headers ?? {},
        ...(options.caller === null ? {} : { caller: options.caller ?? ALICE }),
      }),
      lambdaContext(),
    );
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
/** The outbox record written by the n-th transaction. */
const outboxRecord = (n = 0): OutboxRecord => {
  const item = transactions()[n]?.TransactItems?.[1]?.Put?.Item;
  if (item === undefined) throw new Error(`transaction ${n} wrote no outbox record`);
  return item as OutboxRecord;
};
const versionConflict = (actual: number) =>
  Object.assign(new Error('cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [
      { Code: 'ConditionalCheckFailed', Item: { version: { N: String(actual) } } },
      { Code: 'None' },
    ],
  });

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand, { TableName: ORDERS_TABLE }).resolves({ Item: anOrderItem() });
  ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
});

describe('an HTTP API (payload 2.0) event', () => {
  it('routes POST /orders/{id}/ship from an HTTP API (payload 2.0) event', async () => {
    ddb
      .on(GetCommand, { TableName: ORDERS_TABLE })
      .resolves({ Item: anOrderItem({ status: 'CONFIRMED', version: 2, lastEventSeq: 2 }) });
    const event = httpApiEvent({
      method: 'POST',
      resource: '/orders/{id}/ship',
      pathParameters: { id: ORDER_ID },
      caller: ALICE,
    });

    const response = await transition.handler(event, lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ id: ORDER_ID, status: 'SHIPPED', version: 3 });
    expect(outboxRecord().events[0]).toMatchObject({ detailType: 'OrderShipped', sequence: 3 });
  });
});

describe.each(PAYLOAD_FORMAT_CASES)('from a %s event', (_, format) => {
  const post = poster(format);

  describe('POST /orders/{id}/confirm', () => {
    it('confirms a PENDING order: 200 with the new state and ETag', async () => {
      const response = await post('confirm');

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toMatchObject({ id: ORDER_ID, status: 'CONFIRMED', version: 2 });
      expect(headerOf(response, 'ETag')).toBe('"2"');
    });

    it('updates the order on its read version and emits OrderConfirmed as the next sequence', async () => {
      await post('confirm', { headers: { 'X-Correlation-Id': 'corr-1' } });

      const [entity, outbox] = transactions()[0]?.TransactItems ?? [];
      expect(entity?.Update).toMatchObject({
        TableName: ORDERS_TABLE,
        Key: { id: ORDER_ID },
        ConditionExpression: '#version = :expectedVersion AND #lastEventSeq = :prevSeq',
        ExpressionAttributeValues: expect.objectContaining({
          ':expectedVersion': 1,
          ':prevSeq': 1,
          ':version': 2,
          ':lastEventSeq': 2,
        }),
      });
      const record = outboxRecord();
      expect(outbox?.Put?.TableName).toBe(OUTBOX_TABLE);
      expect(record).toMatchObject({ sk: '0000000000000002', prevSeq: 1 });
      expect(record.events[0]).toMatchObject({ detailType: 'OrderConfirmed', sequence: 2 });
      const envelope = JSON.parse(record.events[0]?.detail ?? '{}') as EventEnvelope;
      expect(envelope.data).toMatchObject({ previousStatus: 'PENDING', status: 'CONFIRMED' });
      expect(envelope.metadata).toEqual({ correlationId: 'corr-1' });
    });

    it('fails with 409 naming the current status if the order is already SHIPPED, and writes nothing', async () => {
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolves({ Item: anOrderItem({ status: 'SHIPPED', version: 3 }) });

      const response = await post('confirm');

      expect(response.statusCode).toBe(409);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:dynamo-outbox:problem:invalid-transition',
        currentStatus: 'SHIPPED',
      });
      expect(bodyOf(response).detail).toContain('SHIPPED');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('fails with 404 if the order does not exist', async () => {
      ddb.on(GetCommand, { TableName: ORDERS_TABLE }).resolves({});

      expect((await post('confirm')).statusCode).toBe(404);
    });

    it('fails with 400 if a body is sent with properties', async () => {
      const response = await post('confirm', { body: { force: true } });

      expect(response.statusCode).toBe(400);
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('fails with 404 for an action the handler does not serve', async () => {
      const response = await post('refund');

      expect(response.statusCode).toBe(404);
      expect(bodyOf(response).type).toBe('urn:dynamo-outbox:problem:route-not-found');
    });
  });

  describe('POST /orders/{id}/ship', () => {
    it('ships a CONFIRMED order and emits OrderShipped', async () => {
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolves({ Item: anOrderItem({ status: 'CONFIRMED', version: 2, lastEventSeq: 2 }) });

      const response = await post('ship');

      expect(bodyOf(response)).toMatchObject({ status: 'SHIPPED', version: 3 });
      expect(outboxRecord().events[0]).toMatchObject({ detailType: 'OrderShipped', sequence: 3 });
    });

    it('fails with 409 if the order is still PENDING', async () => {
      expect((await post('ship')).statusCode).toBe(409);
    });
  });

  describe('POST /orders/{id}/cancel', () => {
    it('cancels with a reason, which the event carries', async () => {
      const response = await post('cancel', { body: { reason: 'out of stock' } });

      expect(bodyOf(response)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'out of stock',
      });
      const event = outboxRecord().events[0];
      expect(event?.detailType).toBe('OrderCancelled');
      expect((JSON.parse(event?.detail ?? '{}') as EventEnvelope).data).toMatchObject({
        reason: 'out of stock',
      });
    });

    it('cancels without a body', async () => {
      expect((await post('cancel')).statusCode).toBe(200);
    });

    it('fails with 400 if the reason is not a string', async () => {
      const response = await post('cancel', { body: { reason: 42 } });

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).errors).toEqual([{ pointer: '/reason', detail: expect.any(String) }]);
    });

    it('fails with 409 if the order is already CANCELLED', async () => {
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolves({ Item: anOrderItem({ status: 'CANCELLED', version: 2 }) });

      expect(bodyOf(await post('cancel'))).toMatchObject({
        status: 409,
        currentStatus: 'CANCELLED',
      });
    });
  });

  describe('ownership', () => {
    const notFound = async (caller: TestCaller | null, action: Action = 'confirm') => {
      const response = await post(action, { caller });
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:dynamo-outbox:problem:not-found',
        detail: `order ${ORDER_ID} does not exist`,
      });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    };

    it.each(['confirm', 'cancel'] as const)(
      'fails with 404, as for an unknown id, and writes nothing if another caller tries to %s the order',
      async (action) => {
        await notFound(iamCaller(OTHER_ARN), action);
      },
    );

    it('fails with 404 and writes nothing if another caller tries to ship the order', async () => {
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolves({ Item: anOrderItem({ status: 'CONFIRMED', version: 2, lastEventSeq: 2 }) });

      await notFound(iamCaller(OTHER_ARN), 'ship');
    });

    it.each([
      ['a JWT user whose subject is the owner ARN', jwtCaller(OWNER_ARN)],
      [
        'a Lambda authorizer principal named like the owner',
        lambdaAuthorizerCaller(`iam:${OWNER_ARN}`),
      ],
      ['a request without identity', null],
    ] as const)('fails with 404 and writes nothing for %s', async (_, caller) => {
      await notFound(caller);
    });

    it('lets a caller without identity change an order created without identity', async () => {
      ddb.on(GetCommand, { TableName: ORDERS_TABLE }).resolves({
        Item: anOrderItem({ owner: undefined }),
      });

      expect((await post('confirm', { caller: null })).statusCode).toBe(200);
    });

    it('keeps the owner off the response and off the event', async () => {
      const response = await post('cancel', { body: { reason: 'r' } });

      expect(bodyOf(response)).not.toHaveProperty('owner');
      expect(outboxRecord().events[0]?.detail).not.toContain(OWNER_ARN);
    });
  });

  describe('If-Match', () => {
    it('proceeds when it names the current version', async () => {
      expect((await post('confirm', { headers: { 'If-Match': '"1"' } })).statusCode).toBe(200);
    });

    it('proceeds with *', async () => {
      expect((await post('confirm', { headers: { 'If-Match': '*' } })).statusCode).toBe(200);
    });

    it('fails with 412 if it names a stale version, and writes nothing', async () => {
      const response = await post('confirm', { headers: { 'If-Match': '"0", W/"1"' } });

      expect(response.statusCode).toBe(412);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:dynamo-outbox:problem:precondition-failed',
        currentVersion: 1,
      });
      expect(headerOf(response, 'ETag')).toBe('"1"');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('fails with 412 if the order changes between read and write', async () => {
      ddb.on(TransactWriteCommand).rejects(versionConflict(2));

      const response = await post('confirm', { headers: { 'If-Match': '"1"' } });

      expect(response.statusCode).toBe(412);
      expect(bodyOf(response).currentVersion).toBe(2);
    });

    it('fails with 400 if it is not a list of entity tags', async () => {
      expect((await post('confirm', { headers: { 'If-Match': '1' } })).statusCode).toBe(400);
    });
  });

  describe('a lost race without If-Match', () => {
    it('is retried on fresh state, which decides the answer', async () => {
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolvesOnce({ Item: anOrderItem() })
        .resolves({ Item: anOrderItem({ status: 'CANCELLED', version: 2, lastEventSeq: 2 }) });
      ddb.on(TransactWriteCommand).rejects(versionConflict(2));

      const response = await post('confirm');

      expect(response.statusCode).toBe(409);
      expect(bodyOf(response).currentStatus).toBe('CANCELLED');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });

    it('succeeds when the retry wins', async () => {
      ddb.on(TransactWriteCommand).rejectsOnce(versionConflict(2)).resolves({});

      expect((await post('cancel')).statusCode).toBe(200);
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    });

    it('fails with 409 after three lost races', async () => {
      ddb.on(TransactWriteCommand).rejects(versionConflict(2));

      const response = await post('cancel');

      expect(response.statusCode).toBe(409);
      expect(bodyOf(response).type).toBe('urn:dynamo-outbox:problem:concurrent-modification');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
    });
  });

  describe('Idempotency-Key on a transition', () => {
    it('replays the stored answer without reading the order or writing', async () => {
      await post('cancel', {
        body: { reason: 'r' },
        headers: { 'Idempotency-Key': 'k-9' },
        caller: ALICE,
      });
      const stored = transactions()[0]?.TransactItems?.[2]?.Put?.Item;
      ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({ Item: stored });
      ddb
        .on(GetCommand, { TableName: ORDERS_TABLE })
        .resolves({ Item: anOrderItem({ status: 'CANCELLED', version: 2 }) });

      const retry = await post('cancel', {
        body: { reason: 'r' },
        headers: { 'Idempotency-Key': 'k-9' },
        caller: ALICE,
      });

      expect(retry.statusCode).toBe(200);
      expect(bodyOf(retry)).toMatchObject({ status: 'CANCELLED', version: 2 });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });

    it('fails with 422 if the key was used for another action', async () => {
      await post('cancel', { headers: { 'Idempotency-Key': 'k-9' }, caller: ALICE });
      ddb
        .on(GetCommand, { TableName: OUTBOX_TABLE })
        .resolves({ Item: transactions()[0]?.TransactItems?.[2]?.Put?.Item });

      expect(
        (await post('confirm', { headers: { 'Idempotency-Key': 'k-9' }, caller: ALICE }))
          .statusCode,
      ).toBe(422);
    });

    it('fails with 400 if the request carries no identity to scope the key by, and writes nothing', async () => {
      const response = await post('cancel', {
        headers: { 'Idempotency-Key': 'k-9' },
        caller: null,
      });

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).type).toBe('urn:dynamo-outbox:problem:identity-required');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('answers with the stored response when a concurrent duplicate commits first', async () => {
      await post('confirm', { headers: { 'Idempotency-Key': 'k-1' }, caller: ALICE });
      const stored = transactions()[0]?.TransactItems?.[2]?.Put?.Item as Record<string, unknown>;
      ddb.on(TransactWriteCommand).rejects(
        Object.assign(new Error('cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [
            { Code: 'ConditionalCheckFailed', Item: { version: { N: '2' } } },
            { Code: 'None' },
            { Code: 'ConditionalCheckFailed', Item: stored },
          ],
        }),
      );

      const response = await post('confirm', {
        headers: { 'Idempotency-Key': 'k-1' },
        caller: ALICE,
      });

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toMatchObject({ status: 'CONFIRMED', version: 2 });
      expect(headerOf(response, 'Idempotent-Replayed')).toBe('true');
    });
  });
});
