import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import * as cancelOrder from '../../../lambdas/orders/handlers/cancel-order.js';
import * as createOrder from '../../../lambdas/orders/handlers/create-order.js';
import * as getOrder from '../../../lambdas/orders/handlers/get-order.js';
import * as transitionOrder from '../../../lambdas/orders/handlers/transition-order.js';
import { cancelOrderBodySchema, createOrderBodySchema } from '../../../lambdas/orders/index.js';
import {
  bodyOf,
  headerOf,
  iamCaller,
  lambdaContext,
  PAYLOAD_FORMATS,
} from '../../helpers/api-events.js';
import {
  aCreateBody,
  anOrderItem,
  insertAt,
  ORDER_ID,
  ORDERS_TABLE,
  OUTBOX_TABLE,
  OWNER_ARN,
  unsafeCharacter,
} from '../../helpers/orders-fixtures.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand, { TableName: ORDERS_TABLE }).resolves({ Item: anOrderItem() });
  ddb.on(GetCommand, { TableName: OUTBOX_TABLE }).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
});

const RUNS = 300;
/** Each run sends its request in either payload format: both are covered at no extra cost. */
const payloadFormat = fc.constantFrom(...PAYLOAD_FORMATS);

/** The response is a client error in RFC 9457 form, and nothing was written. */
function expectRejected(response: APIGatewayProxyResult): void {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(headerOf(response, 'Content-Type')).toBe('application/problem+json');
  const problem = bodyOf(response);
  expect(problem.status).toBe(response.statusCode);
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
}

const hugeString = fc.string({ minLength: 70_000, maxLength: 80_000, unit: 'grapheme-ascii' });
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constant(''),
  fc.constant('a\ud800b'),
);
const deep = fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n));

/** A valid create body with one field broken: wrong type, out of range, unknown, or huge. */
const brokenCreateBody = fc
  .oneof(
    fc
      .record({
        field: fc.constantFrom('customerId', 'items', 'currency'),
        value: fc.oneof(fc.jsonValue(), anyString),
      })
      .map(({ field, value }) => aCreateBody({ [field]: value })),
    fc
      .record({
        field: fc.constantFrom('sku', 'quantity', 'unitPrice'),
        value: fc.oneof(fc.jsonValue(), anyString, fc.double()),
      })
      .map(({ field, value }) =>
        aCreateBody({ items: [{ sku: 'A', quantity: 1, unitPrice: 1, [field]: value }] }),
      ),
    fc
      .record({ key: fc.string({ minLength: 1 }), value: fc.jsonValue() })
      .map(({ key, value }) => ({ ...aCreateBody(), [`x${key}`]: value })),
    fc.jsonValue(),
  )
  .filter((body) => !createOrderBodySchema.safeParse(body).success);

describe('any invalid request to the Orders API', () => {
  it('gets a 4xx problem+json and writes nothing: create bodies', async () => {
    await fc.assert(
      fc.asyncProperty(payloadFormat, brokenCreateBody, async (format, body) => {
        ddb.resetHistory();
        expectRejected(
          await createOrder.handler(
            format.event({ method: 'POST', resource: '/orders', body }),
            lambdaContext(),
          ),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('gets a 4xx problem+json and writes nothing: raw bodies that are not valid JSON objects of the schema', async () => {
    const rawBody = fc.oneof(
      anyString,
      deep,
      hugeString,
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(payloadFormat, rawBody, fc.boolean(), async (format, body, asBase64) => {
        fc.pre(!createOrderBodySchema.safeParse(safeJson(body)).success);
        ddb.resetHistory();
        const event = format.event({
          method: 'POST',
          resource: '/orders',
          body: asBase64 ? Buffer.from(body).toString('base64') : body,
          isBase64Encoded: asBase64,
          headers: { 'Content-Type': 'application/json' },
        });
        expectRejected(await createOrder.handler(event, lambdaContext()));
      }),
      { numRuns: RUNS },
    );
  });

  it('gets a 4xx problem+json and writes nothing: bad headers on a valid body', async () => {
    const badHeader = fc.oneof(
      fc.record({
        name: fc.constant('Content-Type'),
        value: fc.string().filter((v) => !/json/i.test(v)),
      }),
      fc.record({
        name: fc.constant('Idempotency-Key'),
        value: fc.oneof(
          fc.constant(''),
          fc.string({ minLength: 256, maxLength: 300 }),
          anyString.filter((v) => /[^\x21-\x7e]/.test(v)),
        ),
      }),
      fc.record({
        name: fc.constant('X-Correlation-Id'),
        value: fc.oneof(
          fc.constant(''),
          fc.string({ minLength: 129, maxLength: 200 }),
          anyString.filter((v) => /[^\x21-\x7e]/.test(v)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(payloadFormat, badHeader, async (format, { name, value }) => {
        ddb.resetHistory();
        const event = format.event({
          method: 'POST',
          resource: '/orders',
          body: aCreateBody(),
          headers: { [name]: value },
        });
        expectRejected(await createOrder.handler(event, lambdaContext()));
      }),
      { numRuns: RUNS },
    );
  });

  it('gets a 4xx problem+json and writes nothing: bad ids, bodies and If-Match on transitions', async () => {
    const route = fc.constantFrom('confirm', 'ship', 'cancel');
    const badId = anyString.filter(
      (id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
    );
    const badIfMatch = fc.oneof(
      fc.constant('1'),
      fc.constant('"2"'),
      fc.string().filter((v) => v.trim() !== '*' && !/"1"/.test(v)),
    );
    const badBody = fc
      .oneof(fc.jsonValue(), anyString)
      .filter((b) => !cancelOrderBodySchema.safeParse(b).success);
    const mistake = fc.oneof(
      badId.map((id) => ({ id, body: undefined, headers: {} })),
      badBody.map((body) => ({
        id: ORDER_ID,
        body,
        headers: { 'Content-Type': 'application/json' },
      })),
      badIfMatch.map((ifMatch) => ({
        id: ORDER_ID,
        body: undefined,
        headers: { 'If-Match': ifMatch },
      })),
    );
    await fc.assert(
      fc.asyncProperty(
        payloadFormat,
        route,
        mistake,
        async (format, action, { id, body, headers }) => {
          ddb.resetHistory();
          const handler = action === 'cancel' ? cancelOrder.handler : transitionOrder.handler;
          const event = format.event({
            method: 'POST',
            resource: `/orders/{id}/${action}`,
            pathParameters: { id },
            // Any JSON value, a string included, is sent JSON-encoded.
            body: body === undefined ? undefined : JSON.stringify(body),
            headers,
          });
          expectRejected(await handler(event, lambdaContext()));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gets a 4xx problem+json for any id that is not a UUID on GET', async () => {
    await fc.assert(
      fc.asyncProperty(
        payloadFormat,
        anyString.filter((id) => !/^[0-9a-f-]{36}$/i.test(id)),
        async (format, id) => {
          ddb.resetHistory();
          const response = await getOrder.handler(
            format.event({ method: 'GET', resource: '/orders/{id}', pathParameters: { id } }),
            lambdaContext(),
          );
          expectRejected(response);
          expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('control and bidirectional formatting characters', () => {
  /** A request with one unsafe character in one id or free-text field, and that field's name. */
  const unsafeRequest = fc
    .record({
      field: fc.constantFrom('customerId', 'sku', 'reason', 'id'),
      character: unsafeCharacter,
      at: fc.nat(),
      action: fc.constantFrom('confirm', 'ship', 'cancel'),
    })
    .map(({ field, character, at, action }) => ({
      character,
      ...unsafeField(field, (text: string) => insertAt(text, character, at), action),
    }));

  /** The request that carries an unsafe value in `field`, and the JSON pointer that names it. */
  function unsafeField(
    field: 'customerId' | 'sku' | 'reason' | 'id',
    unsafe: (text: string) => string,
    action: 'confirm' | 'ship' | 'cancel',
  ) {
    switch (field) {
      case 'customerId':
        return {
          field,
          handler: createOrder.handler,
          resource: '/orders',
          pointer: '/customerId',
          body: aCreateBody({ customerId: unsafe('customer-1') }),
        };
      case 'sku':
        return {
          field,
          handler: createOrder.handler,
          resource: '/orders',
          pointer: '/items/0/sku',
          body: aCreateBody({ items: [{ sku: unsafe('BOOK-1'), quantity: 1, unitPrice: 1 }] }),
        };
      case 'reason':
        return {
          field,
          handler: cancelOrder.handler,
          resource: '/orders/{id}/cancel',
          pathParameters: { id: ORDER_ID },
          pointer: '/reason',
          body: { reason: unsafe('out of stock') },
        };
      default:
        return {
          field,
          handler: action === 'cancel' ? cancelOrder.handler : transitionOrder.handler,
          resource: `/orders/{id}/${action}`,
          pathParameters: { id: unsafe(ORDER_ID) },
          pointer: undefined,
          body: undefined,
        };
    }
  }

  it('never get a 2xx in an id, customerId, sku or reason: a 400 problem naming the field, and nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(payloadFormat, unsafeRequest, async (format, request) => {
        ddb.resetHistory();
        const event = format.event({
          method: 'POST',
          resource: request.resource,
          ...(request.pathParameters === undefined
            ? {}
            : { pathParameters: request.pathParameters }),
          ...(request.body === undefined ? {} : { body: request.body }),
          caller: iamCaller(OWNER_ARN),
        });

        const response = await request.handler(event, lambdaContext());

        expectRejected(response);
        expect(response.statusCode).toBe(400);
        expect(response.body).not.toContain(request.character);
        const problem = bodyOf(response);
        if (request.pointer === undefined) {
          expect(problem.type).toBe('urn:dynamo-outbox:problem:invalid-id');
          expect(problem.detail).toContain('path parameter id');
          expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
        } else {
          expect(problem.errors).toEqual([
            { pointer: request.pointer, detail: expect.stringContaining('control characters') },
          ]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('are never echoed in a problem detail', async () => {
    await fc.assert(
      fc.asyncProperty(payloadFormat, unsafeCharacter, fc.nat(), async (format, character, at) => {
        const event = format.event({
          method: 'POST',
          resource: '/orders',
          body: insertAt('{"customerId": 1,', character, at),
          headers: { 'Content-Type': insertAt('text/plain', character, at) },
        });
        const malformed = format.event({
          method: 'POST',
          resource: '/orders',
          body: insertAt('{"customerId": ', character, at),
          headers: { 'Content-Type': 'application/json' },
        });

        for (const response of [
          await createOrder.handler(event, lambdaContext()),
          await createOrder.handler(malformed, lambdaContext()),
        ]) {
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(String(bodyOf(response).detail)).not.toContain(character);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
