import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalRuntimeError } from '../../local/errors.js';
import {
  type CustomBusEvent,
  type DeadLetterRecord,
  type DeliveredEvent,
  type EventBusServer,
  type EventBusServerOptions,
  startEventBusServer,
} from '../../local/event-bus-server.js';
import {
  aWireEntry,
  CBOR_REQUEST_HEADERS,
  type CborAnswer,
  cborCall,
} from '../helpers/cbor-requests.js';
import { ManualClock } from '../helpers/local-bus.js';
import { FIXED_NOW } from '../helpers/outbox-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAMESPACE = 'com.amazonaws.eventbridgev2';
const running: EventBusServer[] = [];
let lines: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((bus) => bus.close()));
  lines = [];
});

/** A bus with the custom bus `orders` on a free port, closed after the test. */
async function aBus(options: Partial<EventBusServerOptions> = {}): Promise<EventBusServer> {
  const bus = await startEventBusServer({
    port: 0,
    customBuses: [{ name: 'orders', retentionDays: 3 }],
    log: (line) => lines.push(line),
    ...options,
  });
  running.push(bus);
  return bus;
}

const putEvents = (bus: EventBusServer, entries: unknown[]) =>
  cborCall(bus.url, 'PutEvents', { EventBusArn: bus.customBusArn('orders'), Entries: entries });

/** The SuccessCode or ErrorCode of each result entry. */
function outcomes(answer: CborAnswer): string[] {
  const body = answer.body as { Entries: Record<string, unknown>[] };
  return body.Entries.map((e) => String(e.SuccessCode ?? e.ErrorCode));
}

async function events(bus: EventBusServer): Promise<Record<string, unknown>[]> {
  return (await (await fetch(`${bus.url}/events`)).json()) as Record<string, unknown>[];
}

/** A FIFO subscriber target that records what it got and fails as told. */
function aTarget(fail: (event: DeliveredEvent, attempt: number) => boolean = () => false) {
  const delivered: DeliveredEvent[] = [];
  const attempts = new Map<string, number>();
  const target = async (batch: readonly DeliveredEvent[]) => {
    for (const event of batch) {
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      if (fail(event, attempt))
        throw new Error(`refused ${event.detail.aggregateId}#${event.detail.sequence}`);
    }
    delivered.push(...batch);
  };
  const labels = () => delivered.map((e) => `${e.detail.aggregateId}#${e.detail.sequence}`);
  return { target, delivered, labels };
}

describe('PutEvents on the custom bus over RPC v2 CBOR', () => {
  it('answers 200 CBOR with the protocol headers and a result per entry in request order', async () => {
    const bus = await aBus();

    const answer = await putEvents(bus, [
      aWireEntry('o-1', 1),
      aWireEntry('o-2', 1),
      aWireEntry('o-1', 2),
    ]);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(answer.headers.get('content-type')).toBe('application/cbor');
    expect(answer.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(answer.body).toEqual({
      FailedEntryCount: 0,
      Entries: [1, 2, 3].map(() => ({
        EventId: expect.stringMatching(UUID),
        SequenceNumber: expect.stringMatching(/^\d{21}$/),
        SuccessCode: 'PUBLISHED',
      })),
    });
  });

  it('lists accepted custom-bus events in GET /events with eventGroupId and sequenceNumber, classic events unchanged, in acceptance order', async () => {
    const bus = await aBus();
    const classic = new EventBridgeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      endpoint: bus.url,
    });
    await classic.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'com.example.orders',
            DetailType: 'OrderCreated',
            Detail: '{"n":0}',
            EventBusName: 'orders-bus',
          },
        ],
      }),
    );

    const answer = await putEvents(bus, [aWireEntry('o-1', 1)]);

    const [result] = (answer.body as { Entries: { EventId: string; SequenceNumber: string }[] })
      .Entries;
    const listed = await events(bus);
    expect(Object.keys(listed[0] ?? {}).sort()).toEqual([
      'detail',
      'detailType',
      'eventBusName',
      'id',
      'resources',
      'source',
      'time',
    ]);
    expect(listed[1]).toEqual({
      id: result?.EventId,
      time: new Date(FIXED_NOW.getTime() + 1000).toISOString(),
      source: 'com.example.orders',
      detailType: 'OrderCreated',
      detail: { aggregateType: 'Order', aggregateId: 'o-1', sequence: 1 },
      eventBusName: 'orders',
      resources: [],
      eventGroupId: 'Order#o-1',
      sequenceNumber: result?.SequenceNumber,
    });
    expect(bus.accepted()).toEqual(listed);
  });

  it('fails with 404 ResourceNotFoundException for a bus that does not exist, 400 InvalidInputException for a broken rule', async () => {
    const bus = await aBus();
    const otherArn = bus.customBusArn('orders').replace('/orders/', '/other/');

    const missing = await cborCall(bus.url, 'PutEvents', {
      EventBusArn: otherArn,
      Entries: [aWireEntry('o-1', 1)],
    });
    const invalid = await putEvents(bus, [
      aWireEntry('o-1', 1),
      aWireEntry('o-1', 2, { Source: 'aws.s3' }),
    ]);

    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      __type: `${NAMESPACE}#ResourceNotFoundException`,
      Message: `Event bus ${otherArn} does not exist.`,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      __type: `${NAMESPACE}#InvalidInputException`,
      Message: 'Entries[1].Source: the aws. prefix is reserved for AWS services',
    });
    expect(await events(bus)).toEqual([]);
  });

  it('fails with 500 InternalException for a Time sent as an ISO string, as AWS answers a wire-type problem', async () => {
    const bus = await aBus();

    const answer = await putEvents(bus, [aWireEntry('o-1', 1, { Time: FIXED_NOW.toISOString() })]);

    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ __type: `${NAMESPACE}#InternalException` });
    expect(
      lines.some((line) => line.includes('request member Entries.0.Time has the wrong wire type')),
    ).toBe(true);
  });

  it('answers a raw body over maxBodyBytes 413 with an empty body and no protocol header', async () => {
    const bus = await aBus({ maxBodyBytes: 1024 });

    const answer = await putEvents(bus, [
      aWireEntry('o-1', 1, { Detail: JSON.stringify({ pad: 'x'.repeat(2000) }) }),
    ]);

    expect(answer.status).toBe(413);
    expect(answer.bytes.length).toBe(0);
    expect(answer.headers.get('smithy-protocol')).toBeNull();
  });
});

describe('the RPC v2 CBOR rules a server must follow', () => {
  it.each(['X-Amz-Target', 'X-Amzn-Target'])(
    'refuses a request carrying %s with 404 UnknownOperationException in CBOR, and accepts nothing',
    async (header) => {
      const bus = await aBus();

      const answer = await cborCall(
        bus.url,
        'PutEvents',
        { EventBusArn: bus.customBusArn('orders'), Entries: [aWireEntry('o-1', 1)] },
        { headers: { ...CBOR_REQUEST_HEADERS, [header]: 'AWSEvents.PutEvents' } },
      );

      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toBe('application/cbor');
      expect(answer.body).toMatchObject({ __type: `${NAMESPACE}#UnknownOperationException` });
      expect(await events(bus)).toEqual([]);
    },
  );

  it('refuses a request without smithy-protocol with 404 UnknownOperationException', async () => {
    const bus = await aBus();
    const { 'smithy-protocol': _, ...headers } = CBOR_REQUEST_HEADERS;

    const answer = await cborCall(
      bus.url,
      'DescribeEventBus',
      { EventBusArn: bus.customBusArn('orders') },
      { headers },
    );

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      __type: `${NAMESPACE}#UnknownOperationException`,
      Message: 'smithy-protocol must be rpc-v2-cbor; got none',
    });
  });

  it('answers a body that is not application/cbor 415, like the AWS JSON route, in CBOR with the protocol header', async () => {
    const bus = await aBus();

    const answer = await cborCall(
      bus.url,
      'PutEvents',
      {},
      {
        headers: { ...CBOR_REQUEST_HEADERS, 'content-type': 'application/json' },
        rawBody: Buffer.from(JSON.stringify({ EventBusArn: bus.customBusArn('orders') })),
      },
    );

    expect(answer.status).toBe(415);
    expect(answer.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(answer.body).toMatchObject({ __type: `${NAMESPACE}#UnsupportedMediaTypeException` });
  });

  it('answers an operation it does not implement 404 UnknownOperationException, naming those it does', async () => {
    const bus = await aBus();

    const answer = await cborCall(bus.url, 'PutRawEvents', {});

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      __type: `${NAMESPACE}#UnknownOperationException`,
      Message:
        'The local bus does not implement AWSEventsV2.PutRawEvents; it answers AWSEventsV2.PutEvents, AWSEventsV2.DescribeEventBus.',
    });
  });

  it('routes the service by its absolute shape id too', async () => {
    const bus = await aBus();

    const answer = await cborCall(
      bus.url,
      'DescribeEventBus',
      { EventBusArn: bus.customBusArn('orders') },
      {
        service: 'com.amazonaws.eventbridgev2.AWSEventsV2',
      },
    );

    expect(answer.status).toBe(200);
  });
});

describe('DescribeEventBus on the custom bus', () => {
  it('describes the bus by ARN with its retention, timestamps as CBOR tag 1', async () => {
    const bus = await aBus({ clock: () => new Date(FIXED_NOW) });
    const arn = bus.customBusArn('orders');

    const answer = await cborCall(bus.url, 'DescribeEventBus', { EventBusArn: arn });

    const epoch = expect.objectContaining({ tag: 1, value: FIXED_NOW.getTime() / 1000 });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      EventBusArn: arn,
      Name: 'orders',
      State: 'ACTIVE',
      StorageConfiguration: { RetentionPeriodInDays: 3, RetentionWindowStartTime: epoch },
      CreationTime: epoch,
      LastModifiedTime: epoch,
    });
    expect(arn).toMatch(
      /^arn:aws:events:us-east-1:000000000000:event-busv2\/orders\/[a-z0-9]{25}$/,
    );
  });
});

describe('de-duplication on the custom bus', () => {
  it('answers a repeat inside the window DEDUPLICATED, without EventId or SequenceNumber, and lists no new event', async () => {
    const clock = new ManualClock();
    const bus = await aBus({ clock: clock.read, dedupWindowMs: 60_000 });
    await putEvents(bus, [aWireEntry('o-1', 1)]);
    clock.advance(59_999);

    const repeat = await putEvents(bus, [aWireEntry('o-1', 1)]);

    expect(repeat.body).toEqual({
      FailedEntryCount: 0,
      Entries: [{ SuccessCode: 'DEDUPLICATED' }],
    });
    expect(await events(bus)).toHaveLength(1);
  });

  it('publishes a repeat outside the window as a new event', async () => {
    const clock = new ManualClock();
    const bus = await aBus({ clock: clock.read, dedupWindowMs: 60_000 });
    await putEvents(bus, [aWireEntry('o-1', 1)]);
    clock.advance(60_000);

    const repeat = await putEvents(bus, [aWireEntry('o-1', 1)]);

    expect(outcomes(repeat)).toEqual(['PUBLISHED']);
    expect(await events(bus)).toHaveLength(2);
  });

  it('turns a lost response (accepted, then a 500) into DEDUPLICATED when the caller retries inside the window', async () => {
    const bus = await aBus();
    bus.setFaults({ lostResponseRate: 1 });
    const lost = await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-2', 1)]);
    bus.clearFaults();

    const retry = await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-2', 1)]);

    expect(lost.status).toBe(500);
    expect(lost.body).toEqual({
      __type: `${NAMESPACE}#InternalException`,
      Message: 'injected after acceptance',
    });
    expect(outcomes(retry)).toEqual(['DEDUPLICATED', 'DEDUPLICATED']);
    expect(await events(bus)).toHaveLength(2);
  });

  it('fails entries with the injected ErrorCode from POST /faults, and their retry is published', async () => {
    const bus = await aBus();
    await fetch(`${bus.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failRate: 1, errorCode: 'InternalFailure' }),
    });
    const failed = await putEvents(bus, [aWireEntry('o-1', 1)]);
    bus.clearFaults();

    const retry = await putEvents(bus, [aWireEntry('o-1', 1)]);

    expect(failed.body).toEqual({
      FailedEntryCount: 1,
      Entries: [
        { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error (injected).' },
      ],
    });
    expect(outcomes(retry)).toEqual(['PUBLISHED']);
  });

  it('answers an injected whole-request failure 500 before accepting anything', async () => {
    const bus = await aBus();
    bus.setFaults({ requestFailRate: 1 });

    const answer = await putEvents(bus, [aWireEntry('o-1', 1)]);

    expect(answer.status).toBe(500);
    expect(await events(bus)).toEqual([]);
  });
});

describe('a FIFO subscriber of the custom bus', () => {
  it('delivers in publish order per group, holding only the group of a failing event', async () => {
    const bus = await aBus();
    const { target, labels, delivered } = aTarget(
      (e, attempt) => e.detail.aggregateId === 'o-1' && e.detail.sequence === 1 && attempt <= 2,
    );
    const subscriber = bus.subscribe(bus.customBusArn('orders'), {
      target,
      retryDelayMs: () => 10,
    });

    await putEvents(bus, [
      aWireEntry('o-1', 1),
      aWireEntry('o-2', 1),
      aWireEntry('o-1', 2),
      aWireEntry('o-2', 2),
    ]);
    await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-1', 3)]);
    await subscriber.whenIdle();

    expect(labels()).toEqual(['o-2#1', 'o-2#2', 'o-1#1', 'o-1#2', 'o-1#3']);
    const sequences = delivered
      .filter((e) => e.eventGroupId === 'Order#o-1')
      .map((e) => BigInt(e.sequenceNumber));
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('dead-letters an event that exhausts its retries (a record without payload) and goes on with its group', async () => {
    const bus = await aBus();
    const records: DeadLetterRecord[] = [];
    const { target, labels } = aTarget((e) => e.detail.sequence === 1);
    const subscriber = bus.subscribe(bus.customBusArn('orders'), {
      target,
      retryPolicy: { maxRetryAttempts: 1 },
      retryDelayMs: () => 1,
      onFailure: (record) => void records.push(record),
    });

    await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-1', 2)]);
    await subscriber.whenIdle();

    expect(labels()).toEqual(['o-1#2']);
    expect(records).toEqual([
      expect.objectContaining({
        busArn: bus.customBusArn('orders'),
        exhaustedRetryCondition: 'MaximumRetryAttempts',
        retryAttempts: 1,
        failedMessages: [
          expect.objectContaining({ eventGroupId: 'Order#o-1', deduplicationId: 'o-1-1' }),
        ],
      }),
    ]);
    expect(JSON.stringify(records)).not.toContain('aggregateType');
  });

  it('replays the retained events from HORIZON, marked REPLAY, then delivers live ones', async () => {
    const bus = await aBus();
    await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-2', 1), aWireEntry('o-1', 2)]);
    const { target, delivered } = aTarget();

    const subscriber = bus.subscribe(bus.customBusArn('orders'), {
      target,
      startingPosition: 'POINT_IN_TIME',
      pointInTimeConfiguration: { pointType: 'HORIZON' },
    });
    await putEvents(bus, [aWireEntry('o-1', 3)]);
    await subscriber.whenIdle();

    const o1 = delivered
      .filter((e) => e.eventGroupId === 'Order#o-1')
      .map((e) => [e.detail.sequence, e.deliveryType]);
    expect(o1).toEqual([
      [1, 'REPLAY'],
      [2, 'REPLAY'],
      [3, 'LIVE'],
    ]);
    expect(delivered).toHaveLength(4);
  });

  it('is stopped by close(): later events are not delivered', async () => {
    const bus = await aBus();
    const { target, delivered } = aTarget();
    const subscriber = bus.subscribe(bus.customBusArn('orders'), { target });

    await subscriber.close();
    await putEvents(bus, [aWireEntry('o-1', 1)]);

    expect(delivered).toEqual([]);
  });

  it('fails for an ARN of no custom bus', async () => {
    const bus = await aBus();

    expect(() =>
      bus.subscribe(
        'arn:aws:events:us-east-1:000000000000:event-busv2/x/abcdefghijklmnopqrstuvwxy',
        { target: vi.fn() },
      ),
    ).toThrow(LocalRuntimeError);
  });
});

describe('startEventBusServer custom-bus options', () => {
  it('gives each custom bus a stable ARN by name, and fails for a name it did not create', async () => {
    const first = await aBus();
    const second = await aBus();

    expect(first.customBusArn('orders')).toBe(second.customBusArn('orders'));
    expect(() => first.customBusArn('payments')).toThrow(
      new LocalRuntimeError('no custom bus named "payments"; customBuses creates them'),
    );
  });

  it.each([
    [
      'a bad bus name',
      { customBuses: [{ name: '-orders' }] },
      /customBuses holds "-orders", which is not a bus name/,
    ],
    [
      'a name twice',
      { customBuses: [{ name: 'orders' }, { name: 'orders' }] },
      /customBuses names "orders" twice/,
    ],
    [
      'a retention of 0 days',
      { customBuses: [{ name: 'orders', retentionDays: 0 }] },
      /retentionDays of custom bus orders must be a whole number from 1 to 365, got 0/,
    ],
    [
      'a retention of 366 days',
      { customBuses: [{ name: 'orders', retentionDays: 366 }] },
      /got 366/,
    ],
    [
      'a dedup window of 0 ms',
      { dedupWindowMs: 0 },
      /dedupWindowMs must be a positive integer, got 0/,
    ],
  ])('fails early for %s', async (_, options, message) => {
    await expect(startEventBusServer({ port: 0, ...options })).rejects.toThrow(message);
  });
});

describe('the custom bus in accepted() and onEvent', () => {
  it('hands custom-bus events to onEvent listeners as they are accepted', async () => {
    const bus = await aBus();
    const seen: CustomBusEvent[] = [];
    bus.onEvent((event) => void seen.push(event as CustomBusEvent));

    await putEvents(bus, [aWireEntry('o-1', 1), aWireEntry('o-1', 1)]);

    expect(seen.map((e) => [e.eventGroupId, e.detail.sequence])).toEqual([['Order#o-1', 1]]);
  });
});
