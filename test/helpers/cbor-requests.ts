import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { RecordedResponse } from './fake-http.js';
import { FIXED_NOW } from './outbox-fixtures.js';

/**
 * Raw Smithy RPC v2 CBOR requests to the local custom bus, built with `@smithy/core/cbor`
 * as a client would send them (no client of ours involved), and fakes of them for routes.
 */

/** The headers the spec requires of a request with a body. */
export const CBOR_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  'smithy-protocol': 'rpc-v2-cbor',
  'content-type': 'application/cbor',
  accept: 'application/cbor',
};

/** What came back: status, headers, and the body decoded (undefined when empty). */
export interface CborAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
  readonly body: unknown;
}

/** How to send one call; by default exactly what the spec asks of a client. */
export interface CborCallInit {
  /** Replace the spec's headers (e.g. drop `smithy-protocol`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Send these bytes instead of the encoded input. */
  readonly rawBody?: Uint8Array;
  /** @default 'AWSEventsV2' */
  readonly service?: string;
}

/**
 * POSTs `input` as CBOR to `/service/AWSEventsV2/operation/<operation>`.
 *
 * @example
 * const answer = await cborCall(bus.url, 'DescribeEventBus', { EventBusArn: arn });
 */
export async function cborCall(
  baseUrl: string,
  operation: string,
  input: unknown,
  init: CborCallInit = {},
): Promise<CborAnswer> {
  const body = init.rawBody ?? cbor.serialize(input);
  const response = await fetch(
    `${baseUrl}/service/${init.service ?? 'AWSEventsV2'}/operation/${operation}`,
    { method: 'POST', headers: init.headers ?? CBOR_REQUEST_HEADERS, body },
  );
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    body: bytes.length === 0 ? undefined : cbor.deserialize(bytes),
  };
}

/**
 * A PutEvents entry on the wire: Order `aggregateId` event `sequence`, grouped by the
 * aggregate; an override of `undefined` leaves the member out.
 */
export function aWireEntry(
  aggregateId: string,
  sequence: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    Source: 'com.example.orders',
    DetailType: 'OrderCreated',
    Detail: JSON.stringify({ aggregateType: 'Order', aggregateId, sequence }),
    Time: dateToTag(new Date(FIXED_NOW.getTime() + sequence * 1000)),
    SystemMetadata: {
      EventGroupId: `Order#${aggregateId}`,
      DeduplicationId: `${aggregateId}-${sequence}`,
    },
    ...overrides,
  };
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
}

/** A request as a route sees it, with a binary body. */
export function aCborRequest(
  init: {
    readonly url?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: Uint8Array;
  } = {},
): IncomingMessage {
  const body = init.body ?? new Uint8Array();
  const stream = Readable.from(body.length === 0 ? [] : [Buffer.from(body)]);
  return Object.assign(stream, {
    method: 'POST',
    url: init.url ?? '/service/AWSEventsV2/operation/PutEvents',
    headers: { host: '127.0.0.1:4010', ...CBOR_REQUEST_HEADERS, ...init.headers },
  }) as unknown as IncomingMessage;
}

/** A recorded response that keeps the bytes a route wrote, and decodes them. */
export class RecordedCborResponse extends RecordedResponse {
  private readonly chunks: Buffer[] = [];

  override end(chunk?: string | Uint8Array): this {
    if (chunk !== undefined) this.chunks.push(Buffer.from(chunk));
    return this;
  }

  /** The bytes written. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The body decoded from CBOR. */
  cbor(): unknown {
    return cbor.deserialize(this.bytes);
  }
}
