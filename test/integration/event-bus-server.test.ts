import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  type EventBridgeClientConfig,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_DETAIL_TYPE_LENGTH,
  putEventsEntrySize,
  type QuarantineMessage,
} from '../../lambdas/outbox/index.js';
import { Quarantine } from '../../lambdas/outbox/quarantine.js';
import { LocalRuntimeError } from '../../local/errors.js';
import {
  type DlqMessage,
  type EventBusServer,
  type EventBusServerOptions,
  type Faults,
  type LocalEvent,
  NO_FAULTS,
  sqsMessageAttributesMd5,
  startEventBusServer,
} from '../../local/event-bus-server.js';
import { seededRandom } from '../../local/seeded-random.js';
import { FIXED_NOW, FIXED_NOW_ISO, fixedClock } from '../helpers/outbox-fixtures.js';
import { anOutboxRecord } from '../helpers/outbox-records.js';
import { rawRequest } from '../helpers/raw-http.js';

const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_1_1 = 'application/x-amz-json-1.1';

const running: EventBusServer[] = [];
let lines: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((bus) => bus.close()));
  lines = [];
});

/** A bus on a free port, closed after the test; its log lines go to `lines`. */
async function aBus(options: Partial<EventBusServerOptions> = {}): Promise<EventBusServer> {
  const bus = await startEventBusServer({
    port: 0,
    log: (line) => lines.push(line),
    ...options,
  });
  running.push(bus);
  return bus;
}

function anEventBridge(
  bus: EventBusServer,
  config: Partial<EventBridgeClientConfig> = {},
): EventBridgeClient {
  return new EventBridgeClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    endpoint: bus.url,
    ...config,
  });
}

function anSqs(bus: EventBusServer): SQSClient {
  return new SQSClient({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: bus.url });
}

/** Entry `sequence` of aggregate Order#o-1, timed one second apart from FIXED_NOW. */
function anEntry(
  sequence: number,
  overrides: Partial<PutEventsRequestEntry> = {},
): PutEventsRequestEntry {
  return {
    Source: 'com.example.orders',
    DetailType: 'OrderCreated',
    Detail: JSON.stringify({ aggregateType: 'Order', aggregateId: 'o-1', sequence }),
    EventBusName: 'orders-bus',
    Time: new Date(FIXED_NOW.getTime() + sequence * 1000),
    ...overrides,
  };
}

const entries = (count: number): PutEventsRequestEntry[] =>
  Array.from({ length: count }, (_, i) => anEntry(i + 1));

async function putEvents(
  client: EventBridgeClient,
  batch: PutEventsRequestEntry[],
): Promise<PutEventsCommandOutput> {
  return client.send(new PutEventsCommand({ Entries: batch }));
}

/** What a promise rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );
}

async function getJson<T>(bus: EventBusServer, path: string): Promise<T> {
  const response = await fetch(`${bus.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function postFaults(bus: EventBusServer, body: unknown): Promise<Response> {
  return fetch(`${bus.url}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A raw AWS JSON request, for what the SDK would never send. */
async function awsRequest(bus: EventBusServer, target: string, body: string): Promise<Response> {
  return fetch(bus.url, {
    method: 'POST',
    headers: { 'content-type': JSON_1_1, 'x-amz-target': target },
    body,
  });
}

const errorCodes = (output: PutEventsCommandOutput) =>
  (output.Entries ?? []).map((entry) => entry.ErrorCode);

describe('the local event bus, driven by the real EventBridgeClient', () => {
  it('answers every valid entry with an EventId and lists the events in acceptance order', async () => {
    const bus = await aBus();
    const client = anEventBridge(bus);

    const first = await putEvents(client, entries(3));
    const second = await putEvents(client, [anEntry(4, { Resources: ['arn:aws:x:1'] })]);

    expect(first.FailedEntryCount).toBe(0);
    const ids = [...(first.Entries ?? []), ...(second.Entries ?? [])].map((e) => e.EventId);
    for (const id of ids) expect(id).toMatch(UUID);
    const events = await getJson<LocalEvent[]>(bus, '/events');
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(events[0]).toEqual({
      id: ids[0],
      time: new Date(FIXED_NOW.getTime() + 1000).toISOString(),
      source: 'com.example.orders',
      detailType: 'OrderCreated',
      detail: { aggregateType: 'Order', aggregateId: 'o-1', sequence: 1 },
      eventBusName: 'orders-bus',
      resources: [],
    });
    expect(events[3]?.resources).toEqual(['arn:aws:x:1']);
    expect(bus.accepted()).toEqual(events);
  });

  it('keeps the fractional seconds of Time', async () => {
    const bus = await aBus();
    await putEvents(anEventBridge(bus), [
      anEntry(1, { Time: new Date('2026-01-02T03:04:05.678Z') }),
    ]);

    expect(bus.accepted()[0]?.time).toBe('2026-01-02T03:04:05.678Z');
  });

  it('stamps an entry without Time with the time it was accepted, on the default bus', async () => {
    const bus = await aBus({ clock: fixedClock });
    await putEvents(anEventBridge(bus), [
      { Source: 'com.example.orders', DetailType: 'Ping', Detail: '{}' },
    ]);

    expect(bus.accepted()[0]).toMatchObject({
      time: FIXED_NOW_ISO,
      eventBusName: 'default',
      resources: [],
      detail: {},
    });
  });

  it('reduces an event-bus ARN to the bus name', async () => {
    const bus = await aBus();
    await putEvents(anEventBridge(bus), [
      anEntry(1, { EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/orders-bus' }),
    ]);

    expect(bus.accepted()[0]?.eventBusName).toBe('orders-bus');
  });

  it('returns only the events after the given one with ?since=<id>', async () => {
    const bus = await aBus();
    const output = await putEvents(anEventBridge(bus), entries(4));
    const ids = (output.Entries ?? []).map((e) => e.EventId);

    const after = await getJson<LocalEvent[]>(bus, `/events?since=${ids[1]}`);
    const afterLast = await getJson<LocalEvent[]>(bus, `/events?since=${ids[3]}`);

    expect(after.map((e) => e.id)).toEqual(ids.slice(2));
    expect(afterLast).toEqual([]);
  });

  it('fails with 400 problem+json if since is not the id of an accepted event', async () => {
    const bus = await aBus();

    const response = await fetch(`${bus.url}/events?since=nope`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { status: number; detail: string };
    expect(problem.status).toBe(400);
    expect(problem.detail).toContain('since=nope is not the id of an event this bus accepted');
  });

  it('prints each accepted event on one readable line', async () => {
    const bus = await aBus();
    await putEvents(anEventBridge(bus), [
      anEntry(7),
      { Source: 'com.example.misc', DetailType: 'Ping', Detail: '{"n":1}' },
    ]);

    const [created, ping] = bus.accepted();
    expect(lines).toEqual([
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} OrderCreated com\.example\.orders Order#o-1 seq 7 \(orders-bus\)$/,
      ),
      expect.stringMatching(
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} Ping com\\.example\\.misc ${ping?.id}$`),
      ),
    ]);
    expect(created?.detail).toEqual({ aggregateType: 'Order', aggregateId: 'o-1', sequence: 7 });
  });

  it('tells onEvent listeners about each accepted event in order, until they unsubscribe', async () => {
    const bus = await aBus();
    const client = anEventBridge(bus);
    const seen: string[] = [];
    const unsubscribe = bus.onEvent((event) => {
      seen.push(event.id);
    });
    bus.onEvent(() => {
      throw new Error('a broken consumer');
    });
    bus.onEvent(async () => {
      throw new Error('a broken async consumer');
    });

    const output = await putEvents(client, entries(3));
    unsubscribe();
    await putEvents(client, entries(1));
    await new Promise((resolve) => setImmediate(resolve));

    expect(output.FailedEntryCount).toBe(0);
    expect(seen).toEqual((output.Entries ?? []).map((e) => e.EventId));
    expect(lines.filter((l) => l.includes('listener failed'))).toHaveLength(8);
  });
});

describe('validation like EventBridge', () => {
  it('fails the whole request with ValidationException if it holds more than 10 entries', async () => {
    const bus = await aBus();

    const error = await rejectionOf(putEvents(anEventBridge(bus), entries(11)));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('less than or equal to 10');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(bus.accepted()).toEqual([]);
  });

  it('accepts 10 entries', async () => {
    const bus = await aBus();

    const output = await putEvents(anEventBridge(bus), entries(10));

    expect(output.FailedEntryCount).toBe(0);
    expect(bus.accepted()).toHaveLength(10);
  });

  it('fails the whole request with ValidationException if the entries are larger than maxRequestBytes', async () => {
    const bus = await aBus({ maxRequestBytes: 1000 });
    const client = anEventBridge(bus);
    /** An entry of exactly `bytes` bytes by the documented formula. */
    const sized = (bytes: number, n: number) => {
      const base = putEventsEntrySize(anEntry(n, { Detail: '{"p":""}' }));
      return anEntry(n, { Detail: JSON.stringify({ p: 'x'.repeat(bytes - base) }) });
    };
    const atLimit = [sized(500, 1), sized(500, 2)];
    const overLimit = [sized(500, 3), sized(501, 4)];
    expect(atLimit.map(putEventsEntrySize)).toEqual([500, 500]);

    const accepted = await putEvents(client, atLimit);
    const error = await rejectionOf(putEvents(client, overLimit));

    expect(accepted.FailedEntryCount).toBe(0);
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');
    expect(lines.some((l) => l.includes('1001 bytes by the entry-size formula, over 1000'))).toBe(
      true,
    );
    expect(bus.accepted()).toHaveLength(2);
  });

  it('fails a request above the default 1 MiB limit with ValidationException', async () => {
    const bus = await aBus();
    const detail = JSON.stringify({ p: 'x'.repeat(1024 * 1024) });

    const error = await rejectionOf(
      putEvents(anEventBridge(bus), [anEntry(1, { Detail: detail })]),
    );

    expect(error.name).toBe('ValidationException');
  });

  it('fails an entry with MalformedDetail if Detail is not a JSON object, and accepts the others', async () => {
    const bus = await aBus();
    const malformed = ['not json', '[1]', '"text"', 'null', '42', '{"open":'];

    const output = await putEvents(anEventBridge(bus), [
      ...malformed.map((Detail, i) => anEntry(i + 1, { Detail })),
      anEntry(9),
    ]);

    expect(output.FailedEntryCount).toBe(malformed.length);
    expect(errorCodes(output)).toEqual([...malformed.map(() => 'MalformedDetail'), undefined]);
    expect(output.Entries?.[6]?.EventId).toMatch(UUID);
    expect(bus.accepted().map((e) => e.detail)).toEqual([
      { aggregateType: 'Order', aggregateId: 'o-1', sequence: 9 },
    ]);
  });

  it('fails an entry with InvalidArgument if DetailType is longer than 128 characters, empty or missing', async () => {
    const bus = await aBus();

    const output = await putEvents(anEventBridge(bus), [
      anEntry(1, { DetailType: 'D'.repeat(MAX_DETAIL_TYPE_LENGTH) }),
      anEntry(2, { DetailType: 'D'.repeat(MAX_DETAIL_TYPE_LENGTH + 1) }),
      anEntry(3, { DetailType: '' }),
      anEntry(4, { DetailType: undefined }),
    ]);

    expect(errorCodes(output)).toEqual([
      undefined,
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
    ]);
    expect(output.Entries?.[1]?.ErrorMessage).toContain('DetailType');
    expect(output.FailedEntryCount).toBe(3);
  });

  it('fails an entry with InvalidArgument if Source is empty or missing', async () => {
    const bus = await aBus();

    const output = await putEvents(anEventBridge(bus), [
      anEntry(1, { Source: '' }),
      anEntry(2, { Source: undefined }),
    ]);

    expect(errorCodes(output)).toEqual(['InvalidArgument', 'InvalidArgument']);
    expect(output.Entries?.[0]?.ErrorMessage).toContain('Source');
  });

  it('fails an entry with InvalidArgument if Detail is missing', async () => {
    const bus = await aBus();

    const output = await putEvents(anEventBridge(bus), [anEntry(1, { Detail: undefined })]);

    expect(errorCodes(output)).toEqual(['InvalidArgument']);
  });

  it('fails an entry with NotAuthorizedForSourceException if Source starts with aws.', async () => {
    const bus = await aBus();

    const output = await putEvents(anEventBridge(bus), [
      anEntry(1, { Source: 'aws.s3' }),
      anEntry(2, { Source: 'awsome.app' }),
    ]);

    expect(errorCodes(output)).toEqual(['NotAuthorizedForSourceException', undefined]);
    expect(bus.accepted().map((e) => e.source)).toEqual(['awsome.app']);
  });

  it('answers in AWS JSON 1.1 with a request id', async () => {
    const bus = await aBus();

    const response = await awsRequest(
      bus,
      'AWSEvents.PutEvents',
      JSON.stringify({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(JSON_1_1);
    expect(response.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(await response.json()).toEqual({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.stringMatching(UUID) }],
    });
  });

  it.each([
    ['the body is not JSON', '{"Entries": [', 'SerializationException'],
    ['a field has the wrong type', '{"Entries": [{"Source": 42}]}', 'SerializationException'],
    ['Entries is missing', '{}', 'ValidationException'],
    ['Entries is empty', '{"Entries": []}', 'ValidationException'],
  ])('fails with 400 if %s', async (_, body, type) => {
    const bus = await aBus();

    const response = await awsRequest(bus, 'AWSEvents.PutEvents', body);

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: type, message: expect.any(String) });
  });

  it('fails with 400 UnknownOperationException if the target is not implemented', async () => {
    const bus = await aBus();

    const response = await awsRequest(bus, 'AWSEvents.ListRules', '{}');

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it.each([
    ['POST', '/events', 'GET'],
    ['DELETE', '/dlq', 'GET'],
    ['PUT', '/faults', 'GET, POST, DELETE'],
  ])('fails with 405 problem+json if %s %s is not allowed', async (method, path, allow) => {
    const bus = await aBus();

    const response = await fetch(`${bus.url}${path}`, { method });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('fails with 404 problem+json if the path is unknown', async () => {
    const bus = await aBus();

    const response = await fetch(`${bus.url}/nope`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });
});

describe('only this machine: no DNS rebinding, no cross-site page', () => {
  const FAULTS = JSON.stringify({ failRate: 1 });
  const PUT_EVENTS_BODY = JSON.stringify({
    Entries: [{ Source: 'attacker', DetailType: 'Forged', Detail: '{}' }],
  });
  /** Each route of the bus, as a page would call it; the body and type it would need. */
  const ROUTES = [
    { method: 'GET', path: '/events' },
    { method: 'GET', path: '/dlq' },
    { method: 'GET', path: '/faults' },
    { method: 'POST', path: '/faults', type: 'application/json', body: FAULTS },
    { method: 'DELETE', path: '/faults' },
    {
      method: 'POST',
      path: '/',
      type: JSON_1_1,
      body: PUT_EVENTS_BODY,
      target: 'AWSEvents.PutEvents',
    },
    {
      method: 'POST',
      path: '/',
      type: 'application/x-amz-json-1.0',
      body: JSON.stringify({ QueueUrl: 'http://x/000000000000/q', MessageBody: 'forged' }),
      target: 'AmazonSQS.SendMessage',
    },
  ] as const;
  const headersOf = (route: (typeof ROUTES)[number], extra: Record<string, string>) => ({
    ...('type' in route ? { 'content-type': route.type } : {}),
    ...('target' in route ? { 'x-amz-target': route.target } : {}),
    ...extra,
  });

  it.each(
    ROUTES.flatMap((route) =>
      ['attacker.example', 'attacker.example:4010', '0.0.0.0'].map(
        (host) => [route.method, route.path, host, route] as const,
      ),
    ),
  )(
    'fails with 403 if %s %s names the foreign Host %s, and changes nothing',
    async (_, __, host, route) => {
      const bus = await aBus();
      bus.setFaults({ latencyMs: 1 });

      const answer = await rawRequest(bus.url, {
        method: route.method,
        path: route.path,
        headers: headersOf(route, { host }),
        ...('body' in route ? { body: route.body } : {}),
      });

      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 403, title: 'Forbidden' });
      expect(bus.faults()).toEqual({ ...NO_FAULTS, latencyMs: 1 });
      expect(bus.accepted()).toEqual([]);
      expect(bus.dlqMessages()).toEqual([]);
    },
  );

  it.each([
    'localhost.attacker.example',
    'attacker.localhost',
    '127.0.0.1.nip.io',
    '[::ffff:127.0.0.1]',
  ])('fails with 403 if the Host is %s, which only looks like loopback', async (name) => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'GET',
      path: '/events',
      headers: { host: `${name}:${bus.port}` },
    });

    expect(answer.status).toBe(403);
  });

  it.each(['127.0.0.1', 'localhost', 'LocalHost', '[::1]'])(
    'answers the loopback Host %s, with or without a port',
    async (name) => {
      const bus = await aBus();

      const withPort = await rawRequest(bus.url, {
        method: 'GET',
        path: '/events',
        headers: { host: `${name}:${bus.port}` },
      });
      const withoutPort = await rawRequest(bus.url, {
        method: 'GET',
        path: '/events',
        headers: { host: name },
      });

      expect([withPort.status, withoutPort.status]).toEqual([200, 200]);
    },
  );

  it.each(['https://attacker.example', 'null', 'http://localhost.attacker.example:4010'])(
    'fails with 403 if a page of another origin (%s) posts faults, even with a loopback Host',
    async (origin) => {
      const bus = await aBus();

      const answer = await rawRequest(bus.url, {
        method: 'POST',
        path: '/faults',
        headers: { 'content-type': 'application/json', origin },
        body: FAULTS,
      });

      expect(answer.status).toBe(403);
      expect(bus.faults()).toEqual(NO_FAULTS);
    },
  );

  it('takes faults from a page served from loopback', async () => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'POST',
      path: '/faults',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: FAULTS,
    });

    expect(answer.status).toBe(200);
    expect(bus.faults().failRate).toBe(1);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['an HTML form', 'application/x-www-form-urlencoded'],
    ['a multipart form', 'multipart/form-data; boundary=x'],
    ['no content type', undefined],
  ])('fails with 415 if POST /faults comes as %s, and changes nothing', async (_, type) => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'POST',
      path: '/faults',
      headers: type === undefined ? {} : { 'content-type': type },
      body: FAULTS,
    });

    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 415,
      detail: `Content-Type must be application/json; got ${type ?? 'none'}`,
    });
    expect(bus.faults()).toEqual(NO_FAULTS);
  });

  it('takes POST /faults as application/json with a charset', async () => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'POST',
      path: '/faults',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body: FAULTS,
    });

    expect(answer.status).toBe(200);
  });

  it.each([
    ['AWSEvents.PutEvents', 'text/plain', PUT_EVENTS_BODY],
    ['AWSEvents.PutEvents', 'application/json', PUT_EVENTS_BODY],
    ['AmazonSQS.SendMessage', 'text/plain', JSON.stringify({ QueueUrl: 'q', MessageBody: 'x' })],
    ['AmazonSQS.SendMessage', JSON_1_1, JSON.stringify({ QueueUrl: 'q', MessageBody: 'x' })],
  ])('fails with 415 if %s comes as %s, and accepts nothing', async (target, type, body) => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': type, 'x-amz-target': target },
      body,
    });

    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'UnsupportedMediaTypeException' });
    expect(bus.accepted()).toEqual([]);
    expect(bus.dlqMessages()).toEqual([]);
  });

  it('grants no cross-origin access to a preflight from another site', async () => {
    const bus = await aBus();

    const answer = await rawRequest(bus.url, {
      method: 'OPTIONS',
      path: '/faults',
      headers: {
        origin: 'https://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each(['0.0.0.0', '192.168.1.10', '::'])(
    'fails to start if told to listen on %s, beyond loopback',
    async (host) => {
      await expect(aBus({ host })).rejects.toThrow(
        new LocalRuntimeError(
          `host must be a loopback address (127.0.0.1, ::1 or localhost), got ${host}`,
        ),
      );
    },
  );
});

describe('buses, as EventBridge tells them apart', () => {
  it('accepts PutEvents to a bus it does not know: an EventId each, FailedEntryCount 0 (aws/aws-cli#9186)', async () => {
    const bus = await aBus({ eventBuses: ['orders-bus'] });

    const output = await putEvents(anEventBridge(bus), [
      anEntry(1, { EventBusName: 'no-such-bus' }),
      anEntry(2, { EventBusName: 'arn:aws:events:eu-west-1:111122223333:event-bus/orders-bus' }),
    ]);

    expect(output.FailedEntryCount).toBe(0);
    for (const entry of output.Entries ?? []) expect(entry.EventId).toMatch(UUID);
    expect(bus.accepted().map((e) => e.eventBusName)).toEqual(['no-such-bus', 'orders-bus']);
  });

  it('describes a known bus by name with its Name, Arn and CreationTime', async () => {
    const bus = await aBus({ eventBuses: ['orders-bus'], clock: fixedClock });

    const output = await anEventBridge(bus).send(
      new DescribeEventBusCommand({ Name: 'orders-bus' }),
    );

    expect(output).toMatchObject({
      Name: 'orders-bus',
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/orders-bus',
      CreationTime: FIXED_NOW,
      LastModifiedTime: FIXED_NOW,
    });
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('describes a known bus by its ARN, in the region and account of the options', async () => {
    const bus = await aBus({
      eventBuses: ['orders-bus'],
      region: 'eu-west-1',
      accountId: '111122223333',
    });
    const arn = 'arn:aws:events:eu-west-1:111122223333:event-bus/orders-bus';

    const output = await anEventBridge(bus).send(new DescribeEventBusCommand({ Name: arn }));

    expect(output).toMatchObject({ Name: 'orders-bus', Arn: arn });
  });

  it('describes the default bus when Name is omitted, with no other bus configured', async () => {
    const bus = await aBus();

    const output = await anEventBridge(bus).send(new DescribeEventBusCommand({}));

    expect(output).toMatchObject({
      Name: 'default',
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
    });
  });

  it.each([
    ['a name it does not know', 'orders-bsu', 'orders-bsu'],
    [
      'the ARN of a bus in another account',
      'arn:aws:events:us-east-1:999999999999:event-bus/orders-bus',
      'orders-bus',
    ],
    [
      'the ARN of a bus in another region',
      'arn:aws:events:eu-west-1:000000000000:event-bus/orders-bus',
      'orders-bus',
    ],
  ])(
    'fails with ResourceNotFoundException, as the SDK surfaces it, for %s',
    async (_, name, shown) => {
      const bus = await aBus({ eventBuses: ['orders-bus'] });

      const error = await rejectionOf(
        anEventBridge(bus).send(new DescribeEventBusCommand({ Name: name })),
      );

      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.message).toBe(`Event bus ${shown} does not exist.`);
      expect(error.$fault).toBe('client');
      expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
    },
  );

  it('answers DescribeEventBus for an unknown bus as HTTP 400 AWS JSON 1.1', async () => {
    const bus = await aBus();

    const response = await awsRequest(bus, 'AWSEvents.DescribeEventBus', '{"Name":"nope"}');

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(JSON_1_1);
    expect(await response.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Event bus nope does not exist.',
    });
  });

  it.each([
    ['empty', ''],
    ['not a bus name', 'orders bus!'],
    ['longer than 1600 characters', 'b'.repeat(1601)],
  ])('fails DescribeEventBus with ValidationException if Name is %s', async (_, name) => {
    const bus = await aBus();

    const error = await rejectionOf(
      anEventBridge(bus).send(new DescribeEventBusCommand({ Name: name })),
    );

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("at 'name' failed to satisfy constraint");
  });

  it('fails to start if eventBuses holds something that is not a bus name', async () => {
    await expect(startEventBusServer({ port: 0, eventBuses: ['orders bus'] })).rejects.toThrow(
      new LocalRuntimeError(
        'eventBuses holds "orders bus", which is not an event bus name (1..256 of A-Z a-z 0-9 . - _ /)',
      ),
    );
  });
});

describe('oversize requests, as AWS front ends answer them', () => {
  it('answers a raw body over maxBodyBytes with 413 and no body; the SDK reports Unknown, a client fault, 413 (boto/boto3#3411)', async () => {
    const bus = await aBus({ maxBodyBytes: 2048 });
    const detail = JSON.stringify({ p: 'x'.repeat(2048) });

    const error = await rejectionOf(
      putEvents(anEventBridge(bus), [anEntry(1, { Detail: detail })]),
    );

    expect(error.name).toBe('Unknown');
    expect(error.$fault).toBe('client');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 413, attempts: 1 });
    expect(bus.accepted()).toEqual([]);
  });

  it('answers 413 with an empty body and closes the connection, whatever the operation', async () => {
    const bus = await aBus({ maxBodyBytes: 100 });

    const response = await awsRequest(
      bus,
      'AWSEvents.DescribeEventBus',
      JSON.stringify({ Name: 'x'.repeat(200) }),
    );

    expect(response.status).toBe(413);
    expect(response.headers.get('content-length')).toBe('0');
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.text()).toBe('');
  });

  it('accepts a raw body of exactly maxBodyBytes', async () => {
    const bus = await aBus({ maxBodyBytes: 200 });
    const body = JSON.stringify({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] });
    const padded = body.padEnd(200, ' ');

    const response = await awsRequest(bus, 'AWSEvents.PutEvents', padded);

    expect(Buffer.byteLength(padded)).toBe(200);
    expect(response.status).toBe(200);
    expect(bus.accepted()).toHaveLength(1);
  });

  it.each([
    ['maxBodyBytes', { maxBodyBytes: 0 }, 'maxBodyBytes must be a positive integer, got 0'],
    [
      'maxRequestBytes',
      { maxRequestBytes: 1.5 },
      'maxRequestBytes must be a positive integer, got 1.5',
    ],
  ])('fails to start if %s is not a positive integer', async (_, options, message) => {
    await expect(startEventBusServer({ port: 0, ...options })).rejects.toThrow(
      new LocalRuntimeError(message),
    );
  });
});

describe('fault injection', () => {
  it('fails every entry with the configured code if failRate is 1', async () => {
    const bus = await aBus();
    const set = await postFaults(bus, { failRate: 1, errorCode: 'InternalFailure' });

    const output = await putEvents(anEventBridge(bus), entries(4));

    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ ...NO_FAULTS, failRate: 1, errorCode: 'InternalFailure' });
    expect(output.FailedEntryCount).toBe(4);
    expect(errorCodes(output)).toEqual(Array(4).fill('InternalFailure'));
    expect(bus.accepted()).toEqual([]);
  });

  it('fails entries with ThrottlingException unless told otherwise', async () => {
    const bus = await aBus();
    bus.setFaults({ failRate: 1 });

    const output = await putEvents(anEventBridge(bus), entries(2));

    expect(errorCodes(output)).toEqual(['ThrottlingException', 'ThrottlingException']);
  });

  it('reports a validation error rather than an injected one for an invalid entry', async () => {
    const bus = await aBus();
    bus.setFaults({ failRate: 1 });

    const output = await putEvents(anEventBridge(bus), [anEntry(1, { Detail: '[]' })]);

    expect(errorCodes(output)).toEqual(['MalformedDetail']);
  });

  it('fails about 30% of the entries with failRate 0.3, reproducibly with a seeded random', async () => {
    const outcome = async (): Promise<{ failed: number; codes: (string | undefined)[] }> => {
      const bus = await aBus({ random: seededRandom(7) });
      bus.setFaults({ failRate: 0.3 });
      const client = anEventBridge(bus);
      let failed = 0;
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 20; i++) {
        const output = await putEvents(client, entries(10));
        failed += output.FailedEntryCount ?? 0;
        codes.push(...errorCodes(output));
      }
      expect(bus.accepted()).toHaveLength(200 - failed);
      expect(codes.filter((c) => c !== undefined)).toHaveLength(failed);
      return { failed, codes };
    };

    const first = await outcome();
    const second = await outcome();

    expect(first.failed / 200).toBeGreaterThan(0.2);
    expect(first.failed / 200).toBeLessThan(0.4);
    expect(second).toEqual(first);
  });

  it('fails the whole request with a retryable HTTP 500 if requestFailRate is 1', async () => {
    const bus = await aBus();
    bus.setFaults({ requestFailRate: 1 });

    const once = await rejectionOf(putEvents(anEventBridge(bus, { maxAttempts: 1 }), entries(1)));
    const retried = await rejectionOf(putEvents(anEventBridge(bus), entries(1)));

    expect(once.name).toBe('InternalException');
    expect(once.message).toBe('injected');
    expect(once.$fault).toBe('server');
    expect(once.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 1 });
    expect(retried.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 3 });
    expect(lines.filter((l) => l.includes('injected HTTP 500'))).toHaveLength(4);
    expect(bus.accepted()).toEqual([]);
  });

  it('accepts the entries but answers HTTP 500 if lostResponseRate is 1: the caller cannot mark them', async () => {
    const bus = await aBus();
    bus.setFaults({ lostResponseRate: 1 });

    const once = await rejectionOf(putEvents(anEventBridge(bus, { maxAttempts: 1 }), entries(2)));

    expect(once.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 1 });
    expect(bus.accepted()).toHaveLength(2);
    expect(lines.some((l) => l.includes('lost response'))).toBe(true);
  });

  it('lets the SDK succeed eventually with default retries if requestFailRate is 0.5', async () => {
    // seededRandom(7) draws 0.012, 0.062, 0.977: two injected 500s, then success.
    const bus = await aBus({ random: seededRandom(7) });
    bus.setFaults({ requestFailRate: 0.5 });

    const output = await putEvents(anEventBridge(bus), entries(2));

    expect(output.FailedEntryCount).toBe(0);
    expect(output.$metadata.attempts).toBe(3);
    expect(bus.accepted()).toHaveLength(2);
  });

  it('delays every PutEvents answer by latencyMs', async () => {
    const bus = await aBus();
    const client = anEventBridge(bus);
    await putEvents(client, entries(1)); // connection warm
    await postFaults(bus, { latencyMs: 200 });

    const started = performance.now();
    await putEvents(client, entries(1));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
  });

  it('clears the faults with DELETE /faults', async () => {
    const bus = await aBus();
    await postFaults(bus, { failRate: 1, requestFailRate: 1, latencyMs: 5 });

    const deleted = await fetch(`${bus.url}/faults`, { method: 'DELETE' });
    const output = await putEvents(anEventBridge(bus, { maxAttempts: 1 }), entries(2));

    expect(deleted.status).toBe(204);
    expect(await getJson<Faults>(bus, '/faults')).toEqual(NO_FAULTS);
    expect(output.FailedEntryCount).toBe(0);
  });

  it('replaces all faults on POST /faults, and shows them on GET /faults', async () => {
    const bus = await aBus();
    await postFaults(bus, { failRate: 0.5, latencyMs: 10 });
    await postFaults(bus, { requestFailRate: 0.25 });

    expect(await getJson<Faults>(bus, '/faults')).toEqual({ ...NO_FAULTS, requestFailRate: 0.25 });
    expect(bus.faults()).toEqual({ ...NO_FAULTS, requestFailRate: 0.25 });
  });

  it.each([
    [{ failRate: 2 }, '/failRate', 'failRate must be between 0 and 1'],
    [{ failRate: '0.3' }, '/failRate', 'failRate must be a number between 0 and 1'],
    [{ requestFailRate: -0.1 }, '/requestFailRate', 'requestFailRate must be between 0 and 1'],
    [
      { errorCode: 'AccessDenied' },
      '/errorCode',
      'errorCode must be one of ThrottlingException, InternalFailure',
    ],
    [{ latencyMs: 1.5 }, '/latencyMs', 'latencyMs must be a whole number of milliseconds'],
    [{ latencyMs: -1 }, '/latencyMs', 'latencyMs must not be negative'],
    [{ failrate: 1 }, '', 'failrate'],
  ])('fails with 400 problem+json if the faults are %j', async (body, pointer, detail) => {
    const bus = await aBus();
    bus.setFaults({ failRate: 0.1 });

    const response = await postFaults(bus, body);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as {
      detail: string;
      errors: { pointer: string; detail: string }[];
    };
    expect(problem.detail).toContain(detail);
    expect(problem.errors[0]?.pointer).toBe(pointer);
    expect(bus.faults().failRate).toBe(0.1);
  });

  it.each([
    ['not JSON', '{"failRate": '],
    ['not an object', '[0.3]'],
  ])('fails with 400 problem+json if the faults body is %s', async (_, body) => {
    const bus = await aBus();

    const response = await postFaults(bus, body);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('fails if setFaults gets invalid faults', async () => {
    const bus = await aBus();

    expect(() => bus.setFaults({ failRate: 1.5 })).toThrow(/failRate must be between 0 and 1/);
    expect(bus.faults()).toEqual(NO_FAULTS);
  });
});

describe('the dead-letter queue, driven by the real SQSClient', () => {
  it('stores a SendMessage with its attributes, and the SDK accepts the MD5s', async () => {
    const bus = await aBus({ clock: fixedClock });
    const body = JSON.stringify({ kind: 'poison', n: 1 });
    const attributes = {
      aggregateKey: { DataType: 'String', StringValue: 'Order#o-1' },
      sequence: { DataType: 'Number', StringValue: '3' },
    };

    const output = await anSqs(bus).send(
      new SendMessageCommand({
        QueueUrl: `${bus.url}/queue/outbox-dlq`,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );

    expect(output.MD5OfMessageBody).toBe(createHash('md5').update(body).digest('hex'));
    expect(output.MD5OfMessageAttributes).toBe(sqsMessageAttributesMd5(attributes));
    const messages = await getJson<DlqMessage[]>(bus, '/dlq');
    expect(messages).toEqual([
      {
        id: output.MessageId,
        queue: 'outbox-dlq',
        body: { kind: 'poison', n: 1 },
        attributes,
        receivedAt: FIXED_NOW_ISO,
      },
    ]);
    expect(bus.dlqMessages()).toEqual(messages);
  });

  it('receives what the relay quarantines', async () => {
    const bus = await aBus();
    const record = anOutboxRecord({ aggregate: 'Order#o-9', seq: 2, prevSeq: 1 });
    const quarantine = new Quarantine({
      sqs: anSqs(bus),
      queueUrl: `${bus.url}/queue/outbox-dlq`,
      clock: fixedClock,
    });

    await quarantine.send(record, { code: 'InvalidArgument', message: 'bad' }, []);

    const [message] = bus.dlqMessages();
    if (message === undefined) throw new Error('the DLQ received no message');
    expect(message.queue).toBe('outbox-dlq');
    expect((message.body as QuarantineMessage).record).toEqual(record);
    expect(message.attributes).toEqual({
      aggregateKey: { DataType: 'String', StringValue: 'Order#o-9' },
      sequence: { DataType: 'Number', StringValue: '2' },
      errorCode: { DataType: 'String', StringValue: 'InvalidArgument' },
    });
  });

  it('keeps a body that is not JSON as text, and binary attributes as base64', async () => {
    const bus = await aBus();

    await anSqs(bus).send(
      new SendMessageCommand({
        QueueUrl: `${bus.url}/queue/other`,
        MessageBody: 'plain text',
        MessageAttributes: { raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) } },
      }),
    );

    expect(bus.dlqMessages()[0]).toMatchObject({
      queue: 'other',
      body: 'plain text',
      attributes: { raw: { DataType: 'Binary', BinaryValue: 'AQI=' } },
    });
  });

  it('computes MD5OfMessageAttributes like SQS (published vectors)', () => {
    expect(
      sqsMessageAttributesMd5({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } }),
    ).toBe('235c5c510d26fb653d073faed50ae77c');
    expect(
      sqsMessageAttributesMd5({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
  });

  it('fails with MissingParameter if MessageBody is empty', async () => {
    const bus = await aBus();

    const error = await rejectionOf(
      anSqs(bus).send(
        new SendMessageCommand({ QueueUrl: `${bus.url}/queue/outbox-dlq`, MessageBody: '' }),
      ),
    );

    expect(error.name).toBe('MissingParameter');
    expect(bus.dlqMessages()).toEqual([]);
  });

  it('fails with 400 UnknownOperationException if the SQS operation is not implemented', async () => {
    const bus = await aBus();

    const response = await fetch(bus.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.PurgeQueue',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('lifecycle', () => {
  it('frees the port on close(), also with keep-alive clients connected', async () => {
    const bus = await startEventBusServer({ port: 0 });
    await putEvents(anEventBridge(bus), entries(1));
    await fetch(`${bus.url}/events`);

    await bus.close();

    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(bus.port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  });

  it('closes promptly while an answer is delayed by latency', async () => {
    const bus = await startEventBusServer({ port: 0 });
    bus.setFaults({ latencyMs: 60_000 });
    const pending = putEvents(anEventBridge(bus, { maxAttempts: 1 }), entries(1));

    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await bus.close();

    expect(performance.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
    expect(bus.accepted()).toEqual([]);
  });

  it('fails to start if the port is taken', async () => {
    const bus = await aBus();

    await expect(startEventBusServer({ port: bus.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});

describe('the dead-letter queue, read back by the real SQSClient', () => {
  /** A clock the test moves: visibility timeouts expire when it says so. */
  function aMovableClock(): { now: () => Date; advance: (ms: number) => void } {
    let at = FIXED_NOW.getTime();
    return {
      now: () => new Date(at),
      advance: (ms) => {
        at += ms;
      },
    };
  }

  async function send(bus: EventBusServer, queue: string, body: string): Promise<string> {
    const output = await anSqs(bus).send(
      new SendMessageCommand({
        QueueUrl: `${bus.url}/queue/${queue}`,
        MessageBody: body,
        MessageAttributes: { errorCode: { DataType: 'String', StringValue: 'InvalidArgument' } },
      }),
    );
    return output.MessageId ?? '';
  }

  const depth = async (bus: EventBusServer, queue: string) =>
    (
      await anSqs(bus).send(
        new GetQueueAttributesCommand({
          QueueUrl: `${bus.url}/queue/${queue}`,
          AttributeNames: ['All'],
        }),
      )
    ).Attributes;

  it('returns body, receipt handle and the attributes asked for, with MD5s the SDK checks', async () => {
    const bus = await aBus();
    const id = await send(bus, 'outbox-dlq', '{"kind":"poison"}');

    const output = await anSqs(bus).send(
      new ReceiveMessageCommand({
        QueueUrl: `${bus.url}/queue/outbox-dlq`,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );

    expect(output.Messages).toEqual([
      {
        MessageId: id,
        ReceiptHandle: expect.any(String),
        Body: '{"kind":"poison"}',
        MD5OfBody: createHash('md5').update('{"kind":"poison"}').digest('hex'),
        MessageAttributes: { errorCode: { DataType: 'String', StringValue: 'InvalidArgument' } },
        MD5OfMessageAttributes: sqsMessageAttributesMd5({
          errorCode: { DataType: 'String', StringValue: 'InvalidArgument' },
        }),
      },
    ]);
  });

  it('returns at most MaxNumberOfMessages of the queue, oldest first, without unasked attributes', async () => {
    const bus = await aBus();
    const ids = [
      await send(bus, 'dlq', 'a'),
      await send(bus, 'dlq', 'b'),
      await send(bus, 'dlq', 'c'),
    ];
    await send(bus, 'other', 'x');

    const output = await anSqs(bus).send(
      new ReceiveMessageCommand({ QueueUrl: `${bus.url}/queue/dlq`, MaxNumberOfMessages: 2 }),
    );

    expect(output.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([
      [ids[0], 'a'],
      [ids[1], 'b'],
    ]);
    expect(output.Messages?.[0]?.MessageAttributes).toBeUndefined();
  });

  it('hides a received message for its visibility timeout, then shows it again', async () => {
    const clock = aMovableClock();
    const bus = await aBus({ clock: clock.now });
    await send(bus, 'dlq', 'a');
    const receive = () =>
      anSqs(bus).send(
        new ReceiveMessageCommand({ QueueUrl: `${bus.url}/queue/dlq`, VisibilityTimeout: 60 }),
      );

    const first = await receive();
    const hidden = await receive();
    const counts = await depth(bus, 'dlq');
    clock.advance(60_000);
    const again = await receive();

    expect(first.Messages).toHaveLength(1);
    expect(hidden.Messages).toBeUndefined();
    expect(counts).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    expect(again.Messages?.[0]?.Body).toBe('a');
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
  });

  it('makes a message visible again with ChangeMessageVisibility', async () => {
    const bus = await aBus();
    await send(bus, 'dlq', 'a');
    const sqs = anSqs(bus);
    const queueUrl = `${bus.url}/queue/dlq`;
    const [message] =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 300 })))
        .Messages ?? [];

    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    expect(await depth(bus, 'dlq')).toMatchObject({ ApproximateNumberOfMessages: '1' });
  });

  it('deletes a received message by its receipt handle: gone from the queue and from GET /dlq', async () => {
    const bus = await aBus();
    await send(bus, 'dlq', 'a');
    const kept = await send(bus, 'dlq', 'b');
    const sqs = anSqs(bus);
    const queueUrl = `${bus.url}/queue/dlq`;
    const [message] =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages ?? [];

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );

    expect((await getJson<DlqMessage[]>(bus, '/dlq')).map((m) => m.id)).toEqual([kept]);
    expect(bus.dlqMessages().map((m) => m.id)).toEqual([kept]);
    expect(await depth(bus, 'dlq')).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('fails with ReceiptHandleIsInvalid for a receipt handle it never handed out', async () => {
    const bus = await aBus();
    await send(bus, 'dlq', 'a');

    const error = await rejectionOf(
      anSqs(bus).send(
        new DeleteMessageCommand({ QueueUrl: `${bus.url}/queue/dlq`, ReceiptHandle: 'nope' }),
      ),
    );

    expect(error.name).toBe('ReceiptHandleIsInvalid');
    expect(bus.dlqMessages()).toHaveLength(1);
  });

  it('fails with InvalidParameterValue if MaxNumberOfMessages is above 10', async () => {
    const bus = await aBus();

    const error = await rejectionOf(
      anSqs(bus).send(
        new ReceiveMessageCommand({ QueueUrl: `${bus.url}/queue/dlq`, MaxNumberOfMessages: 11 }),
      ),
    );

    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('MaxNumberOfMessages');
  });

  it('answers an empty queue with no messages and zero depth', async () => {
    const bus = await aBus();

    const output = await anSqs(bus).send(
      new ReceiveMessageCommand({ QueueUrl: `${bus.url}/queue/empty`, WaitTimeSeconds: 1 }),
    );

    expect(output.Messages).toBeUndefined();
    expect(await depth(bus, 'empty')).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });
});
