import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  AWS_JSON_1_0,
  AWS_JSON_1_1,
  AwsJsonRoute,
  type AwsJsonService,
} from '../../../../local/bus/aws-json-protocol.js';
import {
  type AwsOperation,
  AwsServiceError,
  parseRequest,
  type RequestFaults,
} from '../../../../local/bus/aws-operation.js';
import { aRequest, aResponse, type FakeRequestInit } from '../../../helpers/fake-http.js';
import { aRecordingLog } from '../../../helpers/local-bus.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Two services like the bus's: `Bus.Echo` (1.1) and `Queue.Fail` (1.0). */
function services(
  echo: AwsOperation['run'] = (input) => ({ echoed: input }),
  faults?: RequestFaults,
): AwsJsonService[] {
  return [
    {
      targetPrefix: 'Bus',
      contentType: AWS_JSON_1_1,
      operations: { Echo: { run: echo, ...(faults ? { faults } : {}) } },
    },
    {
      targetPrefix: 'Queue',
      contentType: AWS_JSON_1_0,
      operations: {
        Fail: {
          run: () => {
            throw new AwsServiceError('QueueDoesNotExist', 'no such queue');
          },
        },
      },
    },
  ];
}

/** An AWS JSON call of `target` with the type its service expects unless given. */
function aCall(target: string, body: string, init: FakeRequestInit = {}) {
  return aRequest({
    method: 'POST',
    url: '/',
    body,
    ...init,
    headers: {
      'content-type': target.startsWith('Queue.') ? AWS_JSON_1_0 : AWS_JSON_1_1,
      'x-amz-target': target,
      ...init.headers,
    },
  });
}

async function answer(route: AwsJsonRoute, request: ReturnType<typeof aRequest>) {
  const response = aResponse();
  await route.handle(request, response.asServerResponse);
  return response;
}

const aRoute = (list = services(), maxBodyBytes = 1024, log = aRecordingLog()) =>
  new AwsJsonRoute(list, { maxBodyBytes, log });

describe('AwsJsonRoute.accepts', () => {
  it.each([
    ['POST /', { method: 'POST', url: '/' }, true],
    [
      'POST to a queue URL path with a target',
      { method: 'POST', url: '/queue/dlq', headers: { 'x-amz-target': 'Queue.Fail' } },
      true,
    ],
    ['POST to another path without a target', { method: 'POST', url: '/other' }, false],
    ['GET /', { method: 'GET', url: '/' }, false],
  ])('takes %s: %s', (_, init, accepted) => {
    const request = aRequest(init);

    expect(aRoute().accepts(request, new URL(init.url, 'http://local'))).toBe(accepted);
  });
});

describe('AwsJsonRoute.handle', () => {
  it('runs the operation of the target on the parsed body and answers in its service protocol, with a request id', async () => {
    const route = aRoute();

    const response = await answer(route, aCall('Bus.Echo', '{"a":1}'));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(AWS_JSON_1_1);
    expect(response.headers['x-amzn-requestid']).toMatch(UUID);
    expect(response.json()).toEqual({ echoed: { a: 1 } });
  });

  it('gives an empty body to the operation as {}', async () => {
    const response = await answer(aRoute(), aCall('Bus.Echo', ''));

    expect(response.json()).toEqual({ echoed: {} });
  });

  it('answers an AwsServiceError as { __type, message } with its status, in that service protocol', async () => {
    const response = await answer(aRoute(), aCall('Queue.Fail', '{}'));

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe(AWS_JSON_1_0);
    expect(response.json()).toEqual({ __type: 'QueueDoesNotExist', message: 'no such queue' });
  });

  it('fails with SerializationException if the body is not JSON, without running the operation', async () => {
    const echo = vi.fn();

    const response = await answer(aRoute(services(echo)), aCall('Bus.Echo', '{"a":'));

    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ __type: 'SerializationException' });
    expect(echo).not.toHaveBeenCalled();
  });

  it.each([
    ['an unknown operation of a known service', 'Queue.ListQueues', AWS_JSON_1_0],
    ['an unknown service', 'Other.Thing', AWS_JSON_1_1],
    ['an inherited property name', 'Bus.constructor', AWS_JSON_1_1],
  ])(
    'fails with UnknownOperationException for %s, listing what it answers',
    async (_, target, type) => {
      const response = await answer(
        aRoute(),
        aCall(target, '{}', { headers: { 'content-type': type } }),
      );

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe(type);
      expect(response.json()).toEqual({
        __type: 'UnknownOperationException',
        message: `The local bus does not implement ${target}; it answers Bus.Echo, Queue.Fail.`,
      });
    },
  );

  it('fails with 415 if the content type is not its service protocol, without running the operation', async () => {
    const echo = vi.fn();

    const response = await answer(
      aRoute(services(echo)),
      aCall('Bus.Echo', '{}', { headers: { 'content-type': AWS_JSON_1_0 } }),
    );

    expect(response.status).toBe(415);
    expect(response.json()).toMatchObject({ __type: 'UnsupportedMediaTypeException' });
    expect(echo).not.toHaveBeenCalled();
  });

  it('answers a body over maxBodyBytes with 413, no body and connection close, without running the operation', async () => {
    const echo = vi.fn();
    const log = aRecordingLog();

    const response = await answer(
      aRoute(services(echo), 10, log),
      aCall('Bus.Echo', '{"a":"0123456789"}'),
    );

    expect(response.status).toBe(413);
    expect(response.headers).toMatchObject({ 'content-length': '0', connection: 'close' });
    expect(response.body).toBe('');
    expect(echo).not.toHaveBeenCalled();
    expect(log.lines).toEqual(['request body over 10 bytes: answered 413']);
  });

  it('lets an error that is not an AwsServiceError through, for the server to answer 500', async () => {
    const route = aRoute(
      services(() => {
        throw new TypeError('bug');
      }),
    );

    await expect(
      route.handle(aCall('Bus.Echo', '{}'), aResponse().asServerResponse),
    ).rejects.toThrow(TypeError);
  });

  it('runs the faults around the operation: delay, then the request failure, the operation, the lost response', async () => {
    const steps: string[] = [];
    const faults: RequestFaults = {
      delay: async () => void steps.push('delay'),
      failRequest: () => void steps.push('failRequest'),
      loseResponse: () => void steps.push('loseResponse'),
    };

    await answer(aRoute(services(() => steps.push('run'), faults)), aCall('Bus.Echo', '{}'));

    expect(steps).toEqual(['delay', 'failRequest', 'run', 'loseResponse']);
  });

  it('does not run the operation when the request failure strikes, and answers its error', async () => {
    const echo = vi.fn();
    const faults: RequestFaults = {
      delay: async () => undefined,
      failRequest: () => {
        throw new AwsServiceError('InternalException', 'injected', 500);
      },
      loseResponse: () => undefined,
    };

    const response = await answer(aRoute(services(echo, faults)), aCall('Bus.Echo', '{}'));

    expect(response.status).toBe(500);
    expect(echo).not.toHaveBeenCalled();
  });

  it('delays even a body that is not JSON, but rolls no request failure for it', async () => {
    const steps: string[] = [];
    const faults: RequestFaults = {
      delay: async () => void steps.push('delay'),
      failRequest: () => void steps.push('failRequest'),
      loseResponse: () => void steps.push('loseResponse'),
    };

    const response = await answer(aRoute(services(vi.fn(), faults)), aCall('Bus.Echo', '{'));

    expect(response.json()).toMatchObject({ __type: 'SerializationException' });
    expect(steps).toEqual(['delay']);
  });
});

describe('parseRequest', () => {
  it('fails with SerializationException naming the path of the first mistyped field', () => {
    const schema = z.looseObject({ Entries: z.array(z.looseObject({ Source: z.string() })) });

    expect(() => parseRequest(schema, { Entries: [{ Source: 42 }] })).toThrow(
      expect.objectContaining({
        type: 'SerializationException',
        message: expect.stringContaining('at Entries.0.Source'),
      }),
    );
  });

  it('returns the request as the schema reads it', () => {
    const schema = z.looseObject({ Name: z.string().nullish() });

    expect(parseRequest(schema, { Name: 'orders-bus', Extra: 1 })).toEqual({
      Name: 'orders-bus',
      Extra: 1,
    });
  });
});
