import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/orders/handlers/create-order.js';
import type { EventEnvelope } from '../../../lambdas/outbox/envelope.js';
import { idempotencyPk } from '../../../lambdas/outbox/idempotency.js';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import {
  bodyOf,
  cognitoIdentityPoolCaller,
  headerOf,
  iamCaller,
  jwtCaller,
  lambdaAuthorizerCaller,
  lambdaContext,
  PAYLOAD_FORMAT_CASES,
  type TestCaller,
} from '../../helpers/api-events.js';
import { aCreateBody, ORDERS_TABLE, OUTBOX_TABLE } from '../../helpers/orders-fixtures.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ALICE = iamCaller('arn:aws:iam::123456789012:user/alice');
/** Two callers of each kind of identity, which must not share a key space. */
const CALLER_PAIRS: readonly (readonly [string, TestCaller, TestCaller])[] = [
  ['IAM users', ALICE, iamCaller('arn:aws:iam::123456789012:user/bob')],
  [
    'users of one Cognito identity pool (one IAM role session)',
    cognitoIdentityPoolCaller('us-east-1:11111111-aaaa-4bbb-8ccc-000000000001'),
    cognitoIdentityPoolCaller('us-east-1:11111111-aaaa-4bbb-8ccc-000000000002'),
  ],
  ['users of a JWT or Cognito user pool authorizer', jwtCaller('user-1'), jwtCaller('user-2')],
  [
    'principals of a Lambda authorizer',
    lambdaAuthorizerCaller('principal-1'),
    lambdaAuthorizerCaller('principal-2'),
  ],
];
/** The idempotency record the n-th transaction wrote. */
const storedIdempotency = (n = 0) => transactions()[n]?.TransactItems?.[2]?.Put?.Item;
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);

beforeEach(() => {
  ddb.reset();
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(GetCommand).resolves({});
});

describe.each(PAYLOAD_FORMAT_CASES)('POST /orders from a %s event', (_, format) => {
  const create = (body: unknown, headers: Record<string, string> = {}) =>
    handler(format.event({ method: 'POST', resource: '/orders', body, headers }), lambdaContext());
  const createAs = (caller: TestCaller, body: unknown, headers: Record<string, string> = {}) =>
    handler(
      format.event({ method: 'POST', resource: '/orders', body, headers, caller }),
      lambdaContext(),
    );

  it('creates a PENDING order at version 1 and answers 201 with ETag and Location', async () => {
    const response = await create(aCreateBody());

    expect(response.statusCode).toBe(201);
    const order = bodyOf(response);
    expect(order).toMatchObject({
      customerId: 'customer-1',
      status: 'PENDING',
      version: 1,
      total: 2800,
      currency: 'EUR',
    });
    expect(order).not.toHaveProperty('lastEventSeq');
    expect(headerOf(response, 'ETag')).toBe('"1"');
    expect(headerOf(response, 'Location')).toBe(`${format.stagePrefix}/orders/${order.id}`);
    expect(headerOf(response, 'Content-Type')).toBe('application/json');
  });

  it('writes the order and its OrderCreated event in one transaction', async () => {
    const response = await create(aCreateBody(), { 'X-Correlation-Id': 'corr-42' });

    const id = bodyOf(response).id as string;
    const [transaction] = transactions();
    expect(transaction?.TransactItems).toHaveLength(2);
    const [entity, outbox] = transaction?.TransactItems ?? [];
    expect(entity?.Put).toMatchObject({
      TableName: ORDERS_TABLE,
      Item: { id, status: 'PENDING', version: 1, lastEventSeq: 1, total: 2800 },
      ConditionExpression: 'attribute_not_exists(#key)',
    });
    const record = outbox?.Put?.Item as OutboxRecord;
    expect(outbox?.Put?.TableName).toBe(OUTBOX_TABLE);
    expect(record).toMatchObject({
      pk: `Order#${id}`,
      prevSeq: 0,
      status: 'PENDING',
      eventCount: 1,
    });
    const [event] = record.events;
    expect(event).toMatchObject({
      source: 'com.example.orders',
      detailType: 'OrderCreated',
      sequence: 1,
    });
    const envelope = JSON.parse(event?.detail ?? '{}') as EventEnvelope;
    expect(envelope).toMatchObject({
      aggregateType: 'Order',
      aggregateId: id,
      sequence: 1,
      data: { orderId: id, total: 2800, status: 'PENDING' },
      metadata: { correlationId: 'corr-42' },
    });
  });

  it('records the caller as the owner of the order, and keeps it off the response and the event', async () => {
    const response = await createAs(ALICE, aCreateBody());

    const [entity, outbox] = transactions()[0]?.TransactItems ?? [];
    expect(entity?.Put?.Item?.owner).toBe('iam:arn:aws:iam::123456789012:user/alice');
    expect(bodyOf(response)).not.toHaveProperty('owner');
    expect(JSON.stringify(outbox?.Put?.Item)).not.toContain('user/alice');
  });

  it('records no owner for an order created without identity', async () => {
    await create(aCreateBody());

    expect(transactions()[0]?.TransactItems?.[0]?.Put?.Item).not.toHaveProperty('owner');
  });

  it('echoes the correlation id, or uses the API Gateway request id', async () => {
    const sent = await create(aCreateBody(), { 'x-correlation-id': 'corr-7' });
    const defaulted = await create(aCreateBody());

    expect(headerOf(sent, 'X-Correlation-Id')).toBe('corr-7');
    expect(headerOf(defaulted, 'X-Correlation-Id')).toBe('apigw-request-id');
  });

  describe('with an Idempotency-Key', () => {
    it("stores the response in the same transaction, under the key in the caller's key space", async () => {
      await createAs(ALICE, aCreateBody(), { 'Idempotency-Key': 'key-1' });

      const items = transactions()[0]?.TransactItems ?? [];
      expect(items).toHaveLength(3);
      expect(items[2]?.Put).toMatchObject({
        TableName: OUTBOX_TABLE,
        Item: {
          pk: idempotencyPk('key-1', 'iam:arn:aws:iam::123456789012:user/alice'),
          sk: 'IDEMPOTENCY',
          recordType: 'IDEMPOTENCY',
        },
      });
    });

    it('answers a retry of the same request with the same status and body, without a second write', async () => {
      const first = await createAs(ALICE, aCreateBody(), { 'Idempotency-Key': 'key-1' });
      ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({ Item: storedIdempotency() });

      const retry = await createAs(ALICE, aCreateBody(), { 'Idempotency-Key': 'key-1' });

      expect(retry.statusCode).toBe(first.statusCode);
      expect(retry.body).toBe(first.body);
      expect(headerOf(retry, 'ETag')).toBe(headerOf(first, 'ETag'));
      expect(headerOf(retry, 'Location')).toBe(headerOf(first, 'Location'));
      expect(headerOf(retry, 'Idempotent-Replayed')).toBe('true');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });

    it('treats a body with reordered properties as the same request', async () => {
      await createAs(ALICE, aCreateBody(), { 'Idempotency-Key': 'key-1' });
      ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({ Item: storedIdempotency() });
      const { currency, items, customerId } = aCreateBody();

      const retry = await createAs(
        ALICE,
        { currency, items, customerId },
        { 'Idempotency-Key': 'key-1' },
      );

      expect(retry.statusCode).toBe(201);
    });

    it('fails with 422 if the key is reused with a different body, and writes nothing', async () => {
      await createAs(ALICE, aCreateBody(), { 'Idempotency-Key': 'key-1' });
      ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({ Item: storedIdempotency() });

      const response = await createAs(ALICE, aCreateBody({ customerId: 'someone-else' }), {
        'Idempotency-Key': 'key-1',
      });

      expect(response.statusCode).toBe(422);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:dynamo-outbox:problem:idempotency-key-reused',
        status: 422,
      });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });

    it.each(CALLER_PAIRS)(
      'keeps the key spaces of two %s apart: neither a replay nor a 422 for the other',
      async (_kind, first, second) => {
        await createAs(first, aCreateBody(), { 'Idempotency-Key': 'key-1' });
        const stored = storedIdempotency();
        ddb
          .on(GetCommand, { TableName: OUTBOX_TABLE, Key: { pk: stored?.pk, sk: 'IDEMPOTENCY' } })
          .resolves({ Item: stored });

        const response = await createAs(second, aCreateBody({ customerId: 'customer-2' }), {
          'Idempotency-Key': 'key-1',
        });

        expect(response.statusCode).toBe(201);
        expect(headerOf(response, 'Idempotent-Replayed')).toBeUndefined();
        expect(bodyOf(response).customerId).toBe('customer-2');
        expect(storedIdempotency(1)?.pk).not.toBe(stored?.pk);
      },
    );

    it('fails with 400 if the request carries no identity to scope the key by, and reads and writes nothing', async () => {
      const response = await create(aCreateBody(), { 'Idempotency-Key': 'key-1' });

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:dynamo-outbox:problem:identity-required',
        status: 400,
      });
      expect(bodyOf(response).detail).toContain('Idempotency-Key');
      expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });
  });

  describe('rejects bad requests with problem+json and writes nothing', () => {
    const cases: [string, () => ReturnType<typeof create>, number, string][] = [
      [
        'fails if the JSON is malformed',
        () => create('{"customerId": ', { 'Content-Type': 'application/json' }),
        400,
        'malformed-json',
      ],
      ['fails if the body is missing', () => create(undefined), 400, 'missing-body'],
      [
        'fails if the content type is not JSON',
        () => create(JSON.stringify(aCreateBody()), { 'Content-Type': 'text/plain' }),
        415,
        'unsupported-media-type',
      ],
      [
        'fails if the content type is missing',
        () => create(JSON.stringify(aCreateBody())),
        415,
        'unsupported-media-type',
      ],
      [
        'fails if the charset is not UTF-8',
        () =>
          create(JSON.stringify(aCreateBody()), {
            'Content-Type': 'application/json; charset=latin1',
          }),
        415,
        'unsupported-media-type',
      ],
      [
        'fails if the body is over 64 KB',
        () => create(aCreateBody({ customerId: 'x'.repeat(64 * 1024) })),
        413,
        'payload-too-large',
      ],
      [
        'fails if a field is invalid',
        () => create(aCreateBody({ items: [{ sku: 'A', quantity: 0, unitPrice: 1 }] })),
        400,
        'validation-error',
      ],
      ['fails if the body is a JSON array', () => create([aCreateBody()]), 400, 'validation-error'],
      [
        'fails if the Idempotency-Key is malformed',
        () => create(aCreateBody(), { 'Idempotency-Key': 'has space' }),
        400,
        'invalid-header',
      ],
      [
        'fails if the X-Correlation-Id is malformed',
        () => create(aCreateBody(), { 'X-Correlation-Id': 'x'.repeat(129) }),
        400,
        'invalid-header',
      ],
    ];
    it.each(cases)('%s', async (_, send, status, type) => {
      const response = await send();

      expect(response.statusCode).toBe(status);
      expect(headerOf(response, 'Content-Type')).toBe('application/problem+json');
      expect(bodyOf(response)).toMatchObject({
        type: `urn:dynamo-outbox:problem:${type}`,
        status,
        instance: '/orders',
      });
      expect(typeof bodyOf(response).detail).toBe('string');
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('names each invalid field with a JSON pointer', async () => {
      const response = await create(
        aCreateBody({ customerId: 7, items: [{ sku: 'A', quantity: 'two', unitPrice: 1 }] }),
      );

      const errors = bodyOf(response).errors as { pointer: string; detail: string }[];
      expect(errors.map((e) => e.pointer).sort()).toEqual(['/customerId', '/items/0/quantity']);
    });
  });

  it('answers 503 with Retry-After when the write keeps conflicting', async () => {
    ddb.on(TransactWriteCommand).rejects(
      Object.assign(new Error('cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
      }),
    );

    const response = await create(aCreateBody());

    expect(response.statusCode).toBe(503);
    expect(headerOf(response, 'Retry-After')).toBe('1');
  });

  it('answers 500 without internals when DynamoDB fails unexpectedly', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new DynamoDBServiceException({
        name: 'InternalServerError',
        $fault: 'server',
        $metadata: {},
        message: 'secret table detail',
      }),
    );

    const response = await create(aCreateBody());

    expect(response.statusCode).toBe(500);
    expect(headerOf(response, 'Content-Type')).toBe('application/problem+json');
    expect(response.body).not.toContain('secret');
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:dynamo-outbox:problem:internal-error',
      correlationId: 'apigw-request-id',
    });
  });
});
