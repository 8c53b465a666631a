import { cbor, tag } from '@smithy/core/cbor';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeBody, encodeInput } from '../../../lambdas/eventbridge-v2/cbor-wire.js';
import {
  DescribeEventBusCommand,
  EventBridgeV2ClientError,
  PutEventsCommand,
} from '../../../lambdas/eventbridge-v2/index.js';
import {
  aClient,
  anEntry,
  BUS_ARN,
  cborAnswer,
  fromBase64,
  hex,
  publishedAnswer,
  ScriptedHandler,
} from '../../helpers/eventbridge-v2.js';

/**
 * The request and response rules of Smithy RPC v2 CBOR
 * (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html), checked against the
 * spec's published compliance cases (smithy-lang/smithy, smithy-protocol-tests/model/rpcv2Cbor).
 */

beforeEach(() => {
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGEV2', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a request', () => {
  it.each([
    ['PutEvents', new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] })],
    ['DescribeEventBus', new DescribeEventBusCommand({ EventBusArn: BUS_ARN })],
  ] as const)(
    'is a POST to /service/AWSEventsV2/operation/%s, without query',
    async (operation, command) => {
      const handler = new ScriptedHandler(cborAnswer(200, {}));

      await aClient(handler).send(command);

      const [request] = handler.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe(`/service/AWSEventsV2/operation/${operation}`);
      expect(request?.query ?? {}).toEqual({});
    },
  );

  it('carries the protocol headers and the exact body length, and no target or query-mode header', async () => {
    const handler = new ScriptedHandler(publishedAnswer());

    await aClient(handler).send(
      new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] }),
    );

    const request = handler.requests[0];
    const body = request?.body as Uint8Array;
    expect(request?.headers).toMatchObject({
      'smithy-protocol': 'rpc-v2-cbor',
      'content-type': 'application/cbor',
      accept: 'application/cbor',
      'content-length': String(body.byteLength),
    });
    const names = Object.keys(request?.headers ?? {}).map((name) => name.toLowerCase());
    expect(names).not.toContain('x-amz-target');
    expect(names).not.toContain('x-amzn-target');
    expect(names).not.toContain('x-amzn-query-mode');
  });

  it('encodes exactly the PutEvents members given, with their wire names', async () => {
    const handler = new ScriptedHandler(publishedAnswer());
    const entry = anEntry({ Resources: ['arn:aws:s3:::bucket'], Detail: undefined });

    await aClient(handler).send(
      new PutEventsCommand({
        EventBusArn: BUS_ARN,
        Entries: [entry],
        DeduplicationConfiguration: { DeduplicationType: 'CONTENT_BASED' },
      }),
    );

    expect(handler.bodyOf()).toEqual({
      EventBusArn: BUS_ARN,
      Entries: [
        {
          Source: 'orders',
          DetailType: 'OrderPlaced',
          Resources: ['arn:aws:s3:::bucket'],
          SystemMetadata: { EventGroupId: 'Order#o-1', DeduplicationId: 'evt-1' },
        },
      ],
      DeduplicationConfiguration: { DeduplicationType: 'CONTENT_BASED' },
    });
  });

  it('omits null members (RpcV2CborClientDoesntSerializeNullStructureValues: body {})', () => {
    const body = encodeInput({ stringValue: null });

    expect(cbor.deserialize(body)).toEqual(cbor.deserialize(fromBase64('v/8=')));
  });

  it('sends a timestamp as tag 1 over float64 epoch seconds, never half precision (golden bytes)', () => {
    const body = encodeInput({ Time: new Date('2026-01-02T03:04:05.678Z') });

    expect(hex(body)).toBe(`a1${hex(cbor.serialize('Time'))}c1fb41da55cd696b645a`);
  });

  it('sends a whole-second timestamp as tag 1 over an integer (golden bytes)', () => {
    const body = encodeInput({ Time: new Date('2026-01-02T03:04:05Z') });

    expect(hex(body)).toBe(`a1${hex(cbor.serialize('Time'))}c11a695735a5`);
  });

  it('fails if PutEvents has no entry or more than 100, before any request', async () => {
    const handler = new ScriptedHandler();
    const client = aClient(handler);

    for (const Entries of [[], Array.from({ length: 101 }, () => anEntry()), undefined]) {
      await expect(
        client.send(new PutEventsCommand({ EventBusArn: BUS_ARN, Entries })),
      ).rejects.toThrow(EventBridgeV2ClientError);
    }
    expect(handler.requests).toHaveLength(0);
  });

  it('sends 1 and 100 entries', async () => {
    const handler = new ScriptedHandler(publishedAnswer(1), publishedAnswer(100));
    const client = aClient(handler);

    await client.send(new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] }));
    await client.send(
      new PutEventsCommand({
        EventBusArn: BUS_ARN,
        Entries: Array.from({ length: 100 }, () => anEntry()),
      }),
    );

    expect(handler.requests).toHaveLength(2);
  });
});

describe('a 200 response', () => {
  it('decodes to the output members, without unknown keys or null members', async () => {
    const handler = new ScriptedHandler(
      cborAnswer(200, {
        FailedEntryCount: 0,
        Entries: [
          { EventId: 'e-1', SequenceNumber: '42', SuccessCode: 'DEDUPLICATED', ErrorCode: null },
        ],
        Unknown: 'x',
      }),
    );

    const output = await aClient(handler).send(
      new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] }),
    );

    expect(output).toEqual({
      FailedEntryCount: 0,
      Entries: [{ EventId: 'e-1', SequenceNumber: '42', SuccessCode: 'DEDUPLICATED' }],
      $metadata: { httpStatusCode: 200, requestId: 'req-1', attempts: 1 },
    });
  });

  it.each([
    ['an empty body', new Uint8Array()],
    ['an empty indefinite map (v/8=)', fromBase64('v/8=')],
    [
      'a null member (RpcV2CborClientDoesntDeserializeNullStructureValues)',
      fromBase64('v2tzdHJpbmdWYWx1Zfb/'),
    ],
  ])('reads %s as an empty output', (_, body) => {
    expect(decodeBody(body)).toEqual({});
  });

  it('reads tag 1 as a Date (RpcV2CborDateTimeWithFractionalSeconds)', () => {
    expect(decodeBody(fromBase64('v2hkYXRldGltZcH7Qcw32zgPvnf/'))).toEqual({
      datetime: new Date(946845296123),
    });
  });

  it('reads DescribeEventBus timestamps as Dates', async () => {
    const handler = new ScriptedHandler(
      cborAnswer(200, {
        EventBusArn: BUS_ARN,
        State: 'ACTIVE',
        CreationTime: tag({ tag: 1, value: 946845296.123 }),
        StorageConfiguration: {
          RetentionPeriodInDays: 7,
          RetentionWindowStartTime: tag({ tag: 1, value: 946845296 }),
        },
      }),
    );

    const output = await aClient(handler).send(
      new DescribeEventBusCommand({ EventBusArn: BUS_ARN }),
    );

    expect(output.CreationTime).toEqual(new Date(946845296123));
    expect(output.StorageConfiguration).toEqual({
      RetentionPeriodInDays: 7,
      RetentionWindowStartTime: new Date(946845296000),
    });
    expect(output.State).toBe('ACTIVE');
  });

  it('reads definite and indefinite maps alike (RpcV2CborSimpleScalarProperties, …UsingDefiniteLength)', () => {
    const indefinite =
      'v3B0cnVlQm9vbGVhblZhbHVl9XFmYWxzZUJvb2xlYW5WYWx1ZfRpYnl0ZVZhbHVlBWtkb3VibGVWYWx1Zfs//jlYEGJN02pmbG9hdFZhbHVl+kD0AABsaW50ZWdlclZhbHVlGQEAanNob3J0VmFsdWUZJqprc3RyaW5nVmFsdWVmc2ltcGxlaWJsb2JWYWx1ZUNmb2//';
    const definite =
      'qXB0cnVlQm9vbGVhblZhbHVl9XFmYWxzZUJvb2xlYW5WYWx1ZfRpYnl0ZVZhbHVlBWtkb3VibGVWYWx1Zfs//jlYEGJN02pmbG9hdFZhbHVl+kD0AABsaW50ZWdlclZhbHVlGQEAanNob3J0VmFsdWUZJqprc3RyaW5nVmFsdWVmc2ltcGxlaWJsb2JWYWx1ZUNmb28=';
    const expected = {
      trueBooleanValue: true,
      falseBooleanValue: false,
      byteValue: 5,
      doubleValue: 1.889,
      floatValue: 7.625,
      integerValue: 256,
      shortValue: 9898,
      stringValue: 'simple',
    };

    for (const body of [indefinite, definite]) {
      const { blobValue, ...scalars } = decodeBody(fromBase64(body));
      expect(scalars).toEqual(expected);
      expect(Buffer.from(blobValue as Uint8Array).toString()).toBe('foo');
    }
  });

  it('reads indefinite-length strings (RpcV2CborIndefiniteLengthStringsCanBeDeserialized)', () => {
    const body = fromBase64(
      'oWtzdHJpbmdWYWx1ZX94HUFuIGV4YW1wbGUgaW5kZWZpbml0ZSBzdHJpbmcscSBjaHVua2VkIG9uIGNvbW1h/w==',
    );

    expect(decodeBody(body)).toEqual({
      stringValue: 'An example indefinite string, chunked on comma',
    });
  });
});
