import { cbor } from '@smithy/core/cbor';
import { type HttpRequest, HttpResponse } from '@smithy/core/protocols';
import {
  EventBridgeV2Client,
  type EventBridgeV2ClientConfig,
  type EventBridgeV2RequestHandler,
  type PutEventsRequestEntry,
} from '../../lambdas/eventbridge-v2/index.js';

/** An enhanced custom bus of account 123456789012 in us-east-1. */
export const BUS_ARN =
  'arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghij0123456789abcde';

/** The SigV4 test suite's example key pair: never a real one. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** One answer of a {@link ScriptedHandler}. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Thrown instead of answering (a network error). */
  readonly error?: Error;
}

/** A request handler that answers from a script, in order, and records every request sent. */
export class ScriptedHandler implements EventBridgeV2RequestHandler {
  readonly requests: HttpRequest[] = [];
  private readonly answers: ScriptedAnswer[];

  constructor(...answers: ScriptedAnswer[]) {
    this.answers = answers;
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    this.requests.push(request);
    const answer = this.answers[this.requests.length - 1];
    if (answer === undefined)
      throw new Error(`no scripted answer for request ${this.requests.length}`);
    if (answer.error) throw answer.error;
    const { status: statusCode, headers = {}, body } = answer;
    return { response: new HttpResponse({ statusCode, headers: { ...headers }, body }) };
  }

  /** The body of request `index`, decoded. */
  bodyOf(index = 0): unknown {
    const body = this.requests[index]?.body;
    if (!(body instanceof Uint8Array)) throw new Error(`request ${index} has no byte body`);
    return cbor.deserialize(body);
  }
}

/** A well-formed RPC v2 CBOR answer: the protocol header, a CBOR body (raw bytes or a value). */
export function cborAnswer(
  status: number,
  body: Uint8Array | Record<string, unknown>,
  headers: Readonly<Record<string, string>> = {},
): ScriptedAnswer {
  return {
    status,
    headers: {
      'smithy-protocol': 'rpc-v2-cbor',
      'content-type': 'application/cbor',
      'x-amzn-requestid': 'req-1',
      ...headers,
    },
    body: body instanceof Uint8Array ? body : cbor.serialize(body),
  };
}

/** A modelled error of the service, as it answers it. */
export function errorAnswer(status: number, shape: string, message = `${shape} message`) {
  return cborAnswer(status, { __type: `com.amazonaws.eventbridgev2#${shape}`, Message: message });
}

/** A PutEvents success for `count` entries. */
export function publishedAnswer(count = 1): ScriptedAnswer {
  const Entries = Array.from({ length: count }, (_, i) => ({
    EventId: `evt-${i}`,
    SequenceNumber: String(i + 1),
    SuccessCode: 'PUBLISHED',
  }));
  return cborAnswer(200, { FailedEntryCount: 0, Entries });
}

/** A client on `handler`, in us-east-1, with the test key pair. */
export function aClient(
  handler: EventBridgeV2RequestHandler,
  config: EventBridgeV2ClientConfig = {},
): EventBridgeV2Client {
  return new EventBridgeV2Client({
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    requestHandler: handler,
    ...config,
  });
}

/** A PutEvents entry with FIFO metadata. */
export function anEntry(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    Source: 'orders',
    DetailType: 'OrderPlaced',
    Detail: '{"orderId":"o-1"}',
    SystemMetadata: { EventGroupId: 'Order#o-1', DeduplicationId: 'evt-1' },
    ...overrides,
  };
}

/** Bytes from a protocol test's base64 body. */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
