import { describe, expect, it } from 'vitest';
import {
  DescribeEventBusCommand,
  EventBridgeV2ServiceException,
  MalformedResponseError,
  PutEventsCommand,
} from '../../../lambdas/eventbridge-v2/index.js';
import {
  aClient,
  anEntry,
  BUS_ARN,
  cborAnswer,
  errorAnswer,
  fromBase64,
  publishedAnswer,
  ScriptedHandler,
} from '../../helpers/eventbridge-v2.js';

/**
 * Errors by the spec (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html):
 * any status but 200 is an error named by the shape ID in the body's `__type`; a response
 * without `smithy-protocol: rpc-v2-cbor` is malformed and judged by its status alone.
 */

const describeBus = new DescribeEventBusCommand({ EventBusArn: BUS_ARN });

/** The error `send` rejects with, after one attempt. */
async function errorOf(...answers: ConstructorParameters<typeof ScriptedHandler>) {
  const handler = new ScriptedHandler(...answers);
  const error = await aClient(handler, { maxAttempts: 1 })
    .send(describeBus)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof EventBridgeV2ServiceException)) {
    throw new Error(`expected an EventBridgeV2ServiceException, got ${String(error)}`);
  }
  return { error, handler };
}

describe('an error response', () => {
  it('is named by __type without namespace (RpcV2CborInvalidGreetingError)', async () => {
    const body = fromBase64(
      'v2ZfX3R5cGV4LnNtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNJbnZhbGlkR3JlZXRpbmdnTWVzc2FnZWJIaf8=',
    );

    const { error } = await errorOf(cborAnswer(400, body));

    expect(error.name).toBe('InvalidGreeting');
    expect(error.message).toBe('Hi');
    expect(error.$fault).toBe('client');
    expect(error.$metadata).toEqual({ httpStatusCode: 400, requestId: 'req-1', attempts: 1 });
  });

  it('parses an error without a message member (RpcV2CborComplexError)', async () => {
    const body = fromBase64(
      'v2ZfX3R5cGV4K3NtaXRoeS5wcm90b2NvbHRlc3RzLnJwY3YyQ2JvciNDb21wbGV4RXJyb3JoVG9wTGV2ZWxpVG9wIGxldmVsZk5lc3RlZL9jRm9vY2Jhcv//',
    );

    const { error } = await errorOf(cborAnswer(400, body));

    expect(error.name).toBe('ComplexError');
  });

  it.each([
    'com.amazonaws.eventbridgev2#ThrottlingException',
    'com.amazonaws.eventbridgev2#ThrottlingException:http://internal.amazon.com/coral/',
    'ThrottlingException',
  ])('reads __type %s as ThrottlingException, retryable as throttling', async (type) => {
    const { error } = await errorOf(cborAnswer(429, { __type: type, message: 'Rate exceeded' }));

    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$retryable).toEqual({ throttling: true });
  });

  it('keeps an unmodelled shape name, with no retry trait', async () => {
    const { error } = await errorOf(errorAnswer(400, 'FooException', 'new'));

    expect(error).toBeInstanceOf(EventBridgeV2ServiceException);
    expect(error).not.toBeInstanceOf(MalformedResponseError);
    expect(error.name).toBe('FooException');
    expect(error.$retryable).toBeUndefined();
  });

  it('ignores x-amzn-errortype and x-amzn-query-error: the body names the error', async () => {
    const answer = cborAnswer(
      404,
      { __type: 'com.amazonaws.eventbridgev2#ResourceNotFoundException', Message: 'no bus' },
      { 'x-amzn-errortype': 'Something', 'x-amzn-query-error': 'Other;Sender' },
    );

    const { error } = await errorOf(answer);

    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('no bus');
  });

  it('fails if the status is 202: only 200 is a success', async () => {
    const { error } = await errorOf(errorAnswer(202, 'AcceptedButNot'));

    expect(error.name).toBe('AcceptedButNot');
    expect(error.$metadata.httpStatusCode).toBe(202);
  });

  it('is a server fault from a 5xx (InternalException, retryable by its trait)', async () => {
    const { error } = await errorOf(errorAnswer(500, 'InternalException'));

    expect(error.$fault).toBe('server');
    expect(error.$retryable).toEqual({});
  });
});

describe('a malformed response', () => {
  it('fails if the smithy-protocol header is missing, judged by status, not by the body', async () => {
    const { headers, ...answer } = errorAnswer(502, 'ThrottlingException');

    const { error } = await errorOf({ ...answer, headers: { 'content-type': 'application/cbor' } });

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.name).toBe('MalformedResponseError');
    expect(error.$fault).toBe('server');
    expect(error.$retryable).toEqual({});
    expect(error.$metadata.httpStatusCode).toBe(502);
  });

  it('fails if an HTML gateway page comes back', async () => {
    const html = {
      status: 504,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from('<html>'),
    };

    const { error } = await errorOf(html);

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.$metadata.httpStatusCode).toBe(504);
  });

  it('fails if a 200 lacks the header, without reading its body as output', async () => {
    const { headers, ...answer } = publishedAnswer();

    const { error } = await errorOf({ ...answer, headers: { 'content-type': 'application/cbor' } });

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.$fault).toBe('client');
    expect(error.$retryable).toBeUndefined();
  });

  it('fails if the header names another protocol', async () => {
    const { error } = await errorOf({
      ...publishedAnswer(),
      headers: { 'smithy-protocol': 'rpc-v2-json' },
    });

    expect(error).toBeInstanceOf(MalformedResponseError);
  });

  it('fails if an error body has no __type, judged by status', async () => {
    const { error } = await errorOf(cborAnswer(503, { message: 'busy' }));

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.$metadata.httpStatusCode).toBe(503);
  });

  it('fails if the body is not CBOR, with the decoder error as cause', async () => {
    const { error } = await errorOf(cborAnswer(200, new Uint8Array([0xff, 0x00])));

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reads the header case-insensitively and a PutEvents answer as output', async () => {
    const { headers, ...rest } = publishedAnswer();
    const handler = new ScriptedHandler({ ...rest, headers: { 'Smithy-Protocol': 'RPC-V2-CBOR' } });

    const output = await aClient(handler).send(
      new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] }),
    );

    expect(output.FailedEntryCount).toBe(0);
  });
});
