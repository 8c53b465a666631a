import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_LOCAL_CORS_ORIGIN, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { freePort } from '../../local/ports.js';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  busEvents,
  call,
  clearFaults,
  eventsOf,
  orderBody,
  runOrderLifecycles,
  setFaults,
  startTestRuntime,
  waitForEvents,
  waitForShipments,
  waitUntilQuiet,
} from '../helpers/local-runtime.js';
import { rawRequest } from '../helpers/raw-http.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('local mode, end to end over HTTP', () => {
  it('relays create, confirm and ship as OrderCreated, OrderConfirmed, OrderShipped with contiguous sequences', async () => {
    const created = await call(runtime, 'POST', '/orders', orderBody(), {
      'X-Correlation-Id': 'corr-e2e',
    });
    const id = created.body.id as string;
    expect(created.status).toBe(201);
    expect((await call(runtime, 'POST', `/orders/${id}/confirm`)).status).toBe(200);
    expect((await call(runtime, 'POST', `/orders/${id}/ship`)).status).toBe(200);

    const events = eventsOf(
      await waitForEvents(runtime, (all) => eventsOf(all, id).length === 3),
      id,
    );

    expect(events.map((e) => [e.detailType, e.detail.sequence])).toEqual([
      ['OrderCreated', 1],
      ['OrderConfirmed', 2],
      ['OrderShipped', 3],
    ]);
    expect(
      events.every((e) => e.source === 'com.example.orders' && e.eventBusName === 'orders-bus'),
    ).toBe(true);
    expect(new Set(events.map((e) => e.detail.eventId)).size).toBe(3);
    expect(events[0]?.detail.metadata.correlationId).toBe('corr-e2e');
    expect(events[0]?.detail.data).toMatchObject({ orderId: id, total: 2500, status: 'PENDING' });
  });

  it('serves the order it stored, with its version as ETag', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody());
    const read = await call(runtime, 'GET', `/orders/${body.id as string}`);

    expect(read.status).toBe(200);
    expect(read.body).toEqual(body);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it('publishes nothing for rejected requests: validation, bad transition, stale If-Match, conflict', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody());
    const id = body.id as string;
    await waitForEvents(runtime, (all) => eventsOf(all, id).length === 1);

    const rejected = [
      await call(runtime, 'POST', '/orders', { customerId: '' }),
      await call(runtime, 'POST', '/orders', '{"customerId":', {
        'content-type': 'application/json',
      }),
      await call(runtime, 'POST', `/orders/${id}/ship`),
      await call(runtime, 'POST', `/orders/${id}/confirm`, undefined, { 'If-Match': '"7"' }),
      await call(runtime, 'POST', `/orders/${id}/cancel`, { reason: 42 }),
    ];
    const cancelled = await call(runtime, 'POST', `/orders/${id}/cancel`, {
      reason: 'changed my mind',
    });
    const again = await call(runtime, 'POST', `/orders/${id}/confirm`);
    await waitForEvents(runtime, (all) => eventsOf(all, id).length >= 2);
    await waitUntilQuiet(runtime);

    expect(rejected.map((r) => r.status)).toEqual([400, 400, 409, 412, 400]);
    expect(cancelled.status).toBe(200);
    expect(again.status).toBe(409);
    expect(eventsOf(await busEvents(runtime), id).map((e) => e.detailType)).toEqual([
      'OrderCreated',
      'OrderCancelled',
    ]);
  });

  it('publishes one event for an idempotent request retried, even concurrently', async () => {
    const key = `key-${Date.now()}`;
    const [first, second] = await Promise.all([
      call(runtime, 'POST', '/orders', orderBody('idem'), { 'Idempotency-Key': key }),
      call(runtime, 'POST', '/orders', orderBody('idem'), { 'Idempotency-Key': key }),
    ]);
    const third = await call(runtime, 'POST', '/orders', orderBody('idem'), {
      'Idempotency-Key': key,
    });
    const reused = await call(runtime, 'POST', '/orders', orderBody('other'), {
      'Idempotency-Key': key,
    });
    await waitUntilQuiet(runtime);

    const ids = new Set([first.body.id, second.body.id, third.body.id]);
    expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);
    expect(ids.size).toBe(1);
    expect(reused.status).toBe(422);
    const id = [...ids][0] as string;
    expect(eventsOf(await busEvents(runtime), id)).toHaveLength(1);
  });

  it("knows the pipeline's bus for DescribeEventBus and no other, as EventBridge in the account would", async () => {
    const eventBridge = new EventBridgeClient({
      endpoint: runtime.busUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    const known = await eventBridge.send(new DescribeEventBusCommand({ Name: 'orders-bus' }));
    const typo = eventBridge.send(new DescribeEventBusCommand({ Name: 'order-bus' }));

    expect(known.Arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/orders-bus');
    await expect(typo).rejects.toBeInstanceOf(ResourceNotFoundException);
    eventBridge.destroy();
  });

  it('answers unknown routes and methods in problem+json', async () => {
    const unknown = await call(runtime, 'GET', '/customers');
    const method = await call(runtime, 'DELETE', '/orders/0193');

    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
  });

  it('delivers every event, in order per aggregate, with 30 % of PutEvents entries failing', async () => {
    await setFaults(runtime, {
      failRate: 0.3,
      errorCode: 'ThrottlingException',
      requestFailRate: 0.05,
    });
    try {
      const orders = await runOrderLifecycles(runtime, 12, 'faulty');

      for (const sequences of orders) expect(sequences).toEqual([1, 2, 3]);
    } finally {
      await clearFaults(runtime);
    }
  }, 90_000);

  it('delivers OrderConfirmed and OrderCancelled to the shipping consumer, which applies each once', async () => {
    const shipped = (await call(runtime, 'POST', '/orders', orderBody('ship-me'))).body
      .id as string;
    const cancelled = (await call(runtime, 'POST', '/orders', orderBody('cancel-me'))).body
      .id as string;
    await call(runtime, 'POST', `/orders/${shipped}/confirm`);
    await call(runtime, 'POST', `/orders/${cancelled}/confirm`);
    await call(runtime, 'POST', `/orders/${cancelled}/cancel`, { reason: 'changed my mind' });

    const shipments = await waitForShipments(
      runtime,
      [shipped, cancelled],
      (items) => items.get(cancelled)?.status === 'CANCELLED',
    );

    expect(shipments.get(shipped)).toMatchObject({ status: 'READY', total: 2500 });
    expect(shipments.get(cancelled)).toMatchObject({
      status: 'CANCELLED',
      reason: 'changed my mind',
    });
    expect(runtime.shipping.dead).toEqual([]);
  }, 30_000);
});

describe('local mode on a laptop: only this machine gets in', () => {
  it.each([
    ['GET', 'reads an order'],
    ['POST', 'creates an order'],
  ])(
    'fails with 403 if a request to the API that %s names a foreign Host (DNS rebinding)',
    async (method) => {
      const { body } = await call(runtime, 'POST', '/orders', orderBody('rebound'));
      const path = method === 'GET' ? `/orders/${body.id as string}` : '/orders';

      const answer = await rawRequest(runtime.apiUrl, {
        method,
        path,
        headers: { host: 'attacker.example:3000', 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify(orderBody('forged')) } : {}),
      });

      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain(body.id as string);
      expect(answer.body).not.toContain('forged');
    },
  );

  it('fails with 403 if a page of another site posts a bodiless command, which no content type guards', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('csrf'));
    const id = body.id as string;

    const answer = await rawRequest(runtime.apiUrl, {
      method: 'POST',
      path: `/orders/${id}/confirm`,
      headers: { origin: 'https://attacker.example' },
    });

    expect(answer.status).toBe(403);
    expect((await call(runtime, 'GET', `/orders/${id}`)).body).toMatchObject({ status: 'PENDING' });
  });

  it('answers a page served from loopback, as a local front end would call it', async () => {
    const { body } = await call(runtime, 'POST', '/orders', orderBody('front-end'));

    const answer = await rawRequest(runtime.apiUrl, {
      method: 'POST',
      path: `/orders/${body.id as string}/confirm`,
      headers: { origin: 'http://localhost:5173' },
    });

    expect(answer.status).toBe(200);
  });

  it('starts DynamoDB Local without telemetry and with a CORS allow-list no page matches', async () => {
    const args = runtime.dynamoDb.process.spawnargs;

    expect(args).toContain('-disableTelemetry');
    expect(args.slice(args.indexOf('-cors'), args.indexOf('-cors') + 2)).toEqual([
      '-cors',
      DYNAMODB_LOCAL_CORS_ORIGIN,
    ]);
    const preflight = await rawRequest(runtime.dynamoDbEndpoint, {
      method: 'OPTIONS',
      path: '/',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,authorization',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('DynamoDB Local with --persist', () => {
  it('keeps its data in the directory given, relative to where npm start runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynamo-outbox-persist-'));
    const db = await startDynamoDbLocal({ port: await freePort(), persistDir: relative('.', dir) });
    const client = new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'persisted',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );

      expect(existsSync(join(dir, 'shared-local-instance.db'))).toBe(true);
    } finally {
      client.destroy();
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
