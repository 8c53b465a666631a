import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EventBridgeV2ServiceException,
  MalformedResponseError,
  PutEventsCommand,
} from '../../../lambdas/eventbridge-v2/index.js';
import {
  aClient,
  anEntry,
  BUS_ARN,
  errorAnswer,
  publishedAnswer,
  ScriptedHandler,
} from '../../helpers/eventbridge-v2.js';

/**
 * Retries are the SDK's StandardRetryStrategy (@smithy/core/retry), fed by the SDK's own error
 * classification: throttling and transient errors are retried, up to `maxAttempts` (3 by default,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 */

const putEvents = () => new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] });

afterEach(() => {
  vi.useRealTimers();
});

describe('EventBridgeV2Client retries', () => {
  it.each([
    [429, 'ThrottlingException'],
    [500, 'InternalException'],
    [503, 'ServiceUnavailableException'],
  ])('retries a %s %s, then resolves with the 200', async (status, shape) => {
    const handler = new ScriptedHandler(errorAnswer(status, shape), publishedAnswer());

    const output = await aClient(handler).send(putEvents());

    expect(handler.requests).toHaveLength(2);
    expect(output.$metadata.attempts).toBe(2);
    expect(output.Entries?.[0]?.SuccessCode).toBe('PUBLISHED');
  });

  it('retries a 429, a 500 and a 503 in a row when 4 attempts are allowed', async () => {
    const handler = new ScriptedHandler(
      errorAnswer(429, 'ThrottlingException'),
      errorAnswer(500, 'InternalException'),
      errorAnswer(503, 'ServiceUnavailableException'),
      publishedAnswer(),
    );

    const output = await aClient(handler, { maxAttempts: 4 }).send(putEvents());

    expect(handler.requests).toHaveLength(4);
    expect(output.$metadata.attempts).toBe(4);
  });

  it('retries a network error (ECONNRESET)', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const handler = new ScriptedHandler({ status: 0, error: reset }, publishedAnswer());

    await aClient(handler).send(putEvents());

    expect(handler.requests).toHaveLength(2);
  });

  it('retries any malformed 5xx (a 501 without the protocol header), judged by status', async () => {
    const gateway = {
      status: 501,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('x'),
    };
    const handler = new ScriptedHandler(gateway, publishedAnswer());

    await aClient(handler).send(putEvents());

    expect(handler.requests).toHaveLength(2);
  });

  it('fails if a malformed 200 is retried', async () => {
    const { headers, ...answer } = publishedAnswer();
    const handler = new ScriptedHandler(answer, publishedAnswer());

    await expect(aClient(handler).send(putEvents())).rejects.toThrow(MalformedResponseError);

    expect(handler.requests).toHaveLength(1);
  });

  it.each([
    [400, 'InvalidInputException'],
    [404, 'ResourceNotFoundException'],
    [409, 'InvalidStateException'],
  ])('fails if a %s %s is retried: one request only', async (status, shape) => {
    const handler = new ScriptedHandler(errorAnswer(status, shape), publishedAnswer());

    const error = await aClient(handler)
      .send(putEvents())
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventBridgeV2ServiceException);
    expect((error as EventBridgeV2ServiceException).name).toBe(shape);
    expect(handler.requests).toHaveLength(1);
  });

  it('stops at maxAttempts (3 by default) and rejects with the last error', async () => {
    const busy = errorAnswer(503, 'ServiceUnavailableException');
    const handler = new ScriptedHandler(busy, busy, busy, publishedAnswer());

    const error = await aClient(handler)
      .send(putEvents())
      .catch((e: unknown) => e);

    expect(handler.requests).toHaveLength(3);
    expect((error as EventBridgeV2ServiceException).$metadata).toMatchObject({
      httpStatusCode: 503,
      attempts: 3,
    });
  });

  it('makes one attempt only when maxAttempts is 1', async () => {
    const handler = new ScriptedHandler(errorAnswer(500, 'InternalException'), publishedAnswer());

    await expect(aClient(handler, { maxAttempts: 1 }).send(putEvents())).rejects.toThrow();

    expect(handler.requests).toHaveLength(1);
  });

  it('signs every attempt afresh (a new date after the clock moved)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-02T03:04:05Z') });
    const handler = new ScriptedHandler(errorAnswer(500, 'InternalException'), publishedAnswer());
    const original = handler.handle.bind(handler);
    handler.handle = async (request) => {
      const answer = await original(request);
      vi.setSystemTime(new Date('2026-01-02T04:04:05Z'));
      return answer;
    };

    await aClient(handler).send(putEvents());

    const dates = handler.requests.map((r) => r.headers['x-amz-date']);
    expect(dates).toEqual(['20260102T030405Z', '20260102T040405Z']);
    const [first, second] = handler.requests.map((r) => r.headers.authorization);
    expect(second).not.toBe(first);
  });

  it.each([0, -1, 1.5, Number.NaN])('fails if maxAttempts is %s', (maxAttempts) => {
    expect(() => aClient(new ScriptedHandler(), { maxAttempts })).toThrow(/maxAttempts/);
  });
});
