import { cbor, dateToTag } from '@smithy/core/cbor';
import { describe, expect, it, vi } from 'vitest';
import {
  type AwsOperation,
  AwsServiceError,
  type RequestFaults,
} from '../../../../local/bus/aws-operation.js';
import {
  RpcV2CborRoute,
  type RpcV2CborService,
  toWire,
} from '../../../../local/bus/rpcv2-cbor-protocol.js';
import { aCborRequest, RecordedCborResponse } from '../../../helpers/cbor-requests.js';
import { aRecordingLog } from '../../../helpers/local-bus.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PATH = '/service/Bus/operation/Echo';

/** Service `Bus` of namespace `com.example` with `Echo` and `Fail`. */
function aService(
  echo: AwsOperation['run'] = (input) => ({ echoed: input }),
  faults?: RequestFaults,
): RpcV2CborService {
  return {
    name: 'Bus',
    namespace: 'com.example',
    operations: {
      Echo: { run: echo, ...(faults ? { faults } : {}) },
      Fail: {
        run: () => {
          throw new AwsServiceError('ResourceNotFoundException', 'no such bus', 404);
        },
      },
    },
  };
}

const aRoute = (service = aService(), maxBodyBytes = 1024, log = aRecordingLog()) =>
  new RpcV2CborRoute(service, { maxBodyBytes, log });

async function answer(
  route: RpcV2CborRoute,
  init: Parameters<typeof aCborRequest>[0] = {},
): Promise<RecordedCborResponse> {
  const url = init?.url ?? PATH;
  const response = new RecordedCborResponse();
  await route.handle(
    aCborRequest({ url, ...init }),
    response.asServerResponse,
    new URL(url, 'http://local'),
  );
  return response;
}

describe('RpcV2CborRoute.accepts', () => {
  it.each([
    ['POST /service/<S>/operation/<O>', 'POST', '/service/Bus/operation/Echo', true],
    ['a path with a prefix', 'POST', '/v1/service/Bus/operation/Echo', true],
    [
      'an unknown operation (answered 404 by the route itself)',
      'POST',
      '/service/Bus/operation/Nope',
      true,
    ],
    ['a trailing slash', 'POST', '/service/Bus/operation/Echo/', false],
    ['GET', 'GET', '/service/Bus/operation/Echo', false],
    ['POST /', 'POST', '/', false],
  ])('takes %s: %s %s → %s', (_, method, path, accepted) => {
    const request = Object.assign(aCborRequest({ url: path }), { method });

    expect(aRoute().accepts(request, new URL(path, 'http://local'))).toBe(accepted);
  });
});

describe('RpcV2CborRoute.handle', () => {
  it('runs the operation on the decoded body and answers 200 CBOR with smithy-protocol, content-type and a request id', async () => {
    const response = await answer(aRoute(), { body: cbor.serialize({ a: 1, b: ['x'] }) });

    expect(response.status).toBe(200);
    expect(response.headers['smithy-protocol']).toBe('rpc-v2-cbor');
    expect(response.headers['content-type']).toBe('application/cbor');
    expect(response.headers['content-length']).toBe(String(response.bytes.length));
    expect(response.headers['x-amzn-requestid']).toMatch(UUID);
    expect(response.cbor()).toEqual({ echoed: { a: 1, b: ['x'] } });
  });

  it('reads indefinite-length maps, and gives an empty body to the operation as {}', async () => {
    const indefinite = await answer(aRoute(), { body: Buffer.from('bf616101ff', 'hex') });
    const empty = await answer(aRoute());

    expect(indefinite.cbor()).toEqual({ echoed: { a: 1 } });
    expect(empty.cbor()).toEqual({ echoed: {} });
  });

  it('routes the service by its absolute shape id with # written as a dot', async () => {
    const url = '/service/com.example.Bus/operation/Echo';

    const response = await answer(aRoute(), { url, body: cbor.serialize({}) });

    expect(response.status).toBe(200);
  });

  it('answers a service error with its status, __type the absolute shape id, and Message', async () => {
    const response = await answer(aRoute(), { url: '/service/Bus/operation/Fail' });

    expect(response.status).toBe(404);
    expect(response.headers['smithy-protocol']).toBe('rpc-v2-cbor');
    expect(response.cbor()).toEqual({
      __type: 'com.example#ResourceNotFoundException',
      Message: 'no such bus',
    });
  });

  it.each(['x-amz-target', 'x-amzn-target'])(
    'fails with 404 UnknownOperationException if the request carries %s, without running the operation',
    async (header) => {
      const echo = vi.fn();

      const response = await answer(aRoute(aService(echo)), { headers: { [header]: 'Bus.Echo' } });

      expect(response.status).toBe(404);
      expect(response.cbor()).toEqual({
        __type: 'com.example#UnknownOperationException',
        Message: `An RPC v2 CBOR request must not carry ${header}; the request is malformed`,
      });
      expect(echo).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['no smithy-protocol header', { 'smithy-protocol': undefined }],
    ['another smithy-protocol', { 'smithy-protocol': 'rpc-v2-json' }],
  ])('fails with 404 UnknownOperationException for %s', async (_, headers) => {
    const echo = vi.fn();
    const request = aCborRequest({ url: PATH });
    for (const [name, value] of Object.entries(headers))
      if (value === undefined) delete request.headers[name];
      else request.headers[name] = value;
    const response = new RecordedCborResponse();

    await aRoute(aService(echo)).handle(
      request,
      response.asServerResponse,
      new URL(PATH, 'http://local'),
    );

    expect(response.status).toBe(404);
    expect(response.cbor()).toMatchObject({ __type: 'com.example#UnknownOperationException' });
    expect(echo).not.toHaveBeenCalled();
  });

  it.each([
    ['an unknown operation', '/service/Bus/operation/Nope', 'Bus.Nope'],
    ['an inherited property name', '/service/Bus/operation/constructor', 'Bus.constructor'],
    ['an unknown service', '/service/Other/operation/Echo', 'Other.Echo'],
    ['another namespace', '/service/org.other.Bus/operation/Echo', 'org.other.Bus.Echo'],
  ])(
    'fails with 404 UnknownOperationException for %s, listing what it answers',
    async (_, url, named) => {
      const response = await answer(aRoute(), { url });

      expect(response.status).toBe(404);
      expect(response.cbor()).toEqual({
        __type: 'com.example#UnknownOperationException',
        Message: `The local bus does not implement ${named}; it answers Bus.Echo, Bus.Fail.`,
      });
    },
  );

  it.each([
    ['JSON', 'application/json'],
    ['AWS JSON 1.1', 'application/x-amz-json-1.1'],
    ['text', 'text/plain'],
  ])(
    'fails with 415 UnsupportedMediaTypeException for a %s body, without running the operation',
    async (_, type) => {
      const echo = vi.fn();

      const response = await answer(aRoute(aService(echo)), {
        headers: { 'content-type': type },
        body: cbor.serialize({}),
      });

      expect(response.status).toBe(415);
      expect(response.cbor()).toEqual({
        __type: 'com.example#UnsupportedMediaTypeException',
        Message: `Content-Type must be application/cbor for Bus.Echo; got ${type}`,
      });
      expect(echo).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['not CBOR', Buffer.from([0xa1, 0x61])],
    ['a CBOR string, not a map', cbor.serialize('text')],
    ['a CBOR list', cbor.serialize([1])],
  ])('fails with 500 InternalException for a body that is %s, and logs why', async (_, body) => {
    const log = aRecordingLog();
    const echo = vi.fn();

    const response = await answer(aRoute(aService(echo), 1024, log), { body });

    expect(response.status).toBe(500);
    expect(response.cbor()).toMatchObject({ __type: 'com.example#InternalException' });
    expect(echo).not.toHaveBeenCalled();
    expect(log.lines).toEqual([
      expect.stringMatching(/^RPC v2 CBOR request undecodable: .*: answered 500$/),
    ]);
  });

  it('answers a body over maxBodyBytes 413 with an empty body, as AWS front end does, without the protocol header', async () => {
    const echo = vi.fn();

    const response = await answer(aRoute(aService(echo), 8), {
      body: cbor.serialize({ a: 'x'.repeat(10) }),
    });

    expect(response.status).toBe(413);
    expect(response.headers['content-length']).toBe('0');
    expect(response.headers['smithy-protocol']).toBeUndefined();
    expect(response.bytes.length).toBe(0);
    expect(echo).not.toHaveBeenCalled();
  });

  it('encodes Dates of the output as CBOR tag 1 epoch seconds and leaves out null and undefined members', async () => {
    const route = aRoute(
      aService(() => ({
        at: new Date('2026-01-02T03:04:05.678Z'),
        gone: undefined,
        none: null,
        list: [null, 1],
      })),
    );

    const response = await answer(route);

    expect(response.bytes.toString('hex')).toContain('c1fb41da55cd696b645a');
    expect(response.cbor()).toEqual({
      at: expect.objectContaining({ tag: 1, value: 1767323045.678 }),
      list: [null, 1],
    });
  });

  it('waits the injected latency, fails the request before it runs, or after it ran (its effects stay)', async () => {
    const effects: unknown[] = [];
    const faults = {
      delay: vi.fn(async () => undefined),
      failRequest: vi.fn(),
      loseResponse: vi.fn(),
    };
    const route = aRoute(aService((input) => effects.push(input), faults));
    faults.loseResponse.mockImplementationOnce(() => {
      throw new AwsServiceError('InternalException', 'injected after acceptance', 500);
    });

    const lost = await answer(route, { body: cbor.serialize({ n: 1 }) });
    faults.failRequest.mockImplementationOnce(() => {
      throw new AwsServiceError('InternalException', 'injected', 500);
    });
    const failed = await answer(route, { body: cbor.serialize({ n: 2 }) });

    expect(faults.delay).toHaveBeenCalledTimes(2);
    expect([lost.status, failed.status]).toEqual([500, 500]);
    expect(lost.cbor()).toEqual({
      __type: 'com.example#InternalException',
      Message: 'injected after acceptance',
    });
    expect(effects).toEqual([{ n: 1 }]);
  });
});

describe('toWire', () => {
  it('keeps a value already tagged for the encoder', () => {
    const tagged = dateToTag(new Date(0));

    expect(toWire({ t: tagged })).toEqual({ t: tagged });
    expect((toWire({ t: tagged }) as { t: unknown }).t).toBe(tagged);
  });
});
