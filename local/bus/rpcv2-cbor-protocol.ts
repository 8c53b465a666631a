import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cbor, dateToTag, tagSymbol } from '@smithy/core/cbor';
import { isPlainObject } from '../../lambdas/outbox/event-input.js';
import { hasMediaType } from '../http-json.js';
import { type AwsOperation, AwsServiceError, runOperation } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { readCappedBody } from './capped-body.js';
import type { ProtocolRoute } from './router.js';

/** The media type of Smithy RPC v2 CBOR requests and answers. */
export const CBOR_MEDIA_TYPE = 'application/cbor';
/** The `smithy-protocol` header value every request and answer carries. */
export const RPC_V2_CBOR = 'rpc-v2-cbor';

/** One Smithy service spoken over RPC v2 CBOR: its shape name, namespace and operations. */
export interface RpcV2CborService {
  /** The service shape's name, the `{serviceName}` of the path: `AWSEventsV2`. */
  readonly name: string;
  /** Its Smithy namespace: errors answer `__type: '<namespace>#<Error>'`. */
  readonly namespace: string;
  /** By operation shape name, in the order an unknown operation's error lists them. */
  readonly operations: Readonly<Record<string, AwsOperation>>;
}

/** Settings of an {@link RpcV2CborRoute}. */
export interface RpcV2CborRouteOptions {
  /** Largest raw request body; a larger one is answered 413 with an empty body. */
  readonly maxBodyBytes: number;
  readonly log: BusLog;
}

/** The answer to send: HTTP status and the value to encode as CBOR. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * `{prefix?}/service/{serviceName}/operation/{operationName}`: only the last four segments
 * route; the service segment may be the absolute shape id with `#` written `.`.
 */
const PATH = /\/service\/([A-Za-z0-9_.]+)\/operation\/([A-Za-z_][A-Za-z0-9_]*)$/;
const FORBIDDEN_HEADERS = ['x-amz-target', 'x-amzn-target'] as const;

/**
 * Smithy RPC v2 CBOR, as a server must speak it
 * (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html): `POST` to
 * `/service/<Service>/operation/<Operation>` with `smithy-protocol: rpc-v2-cbor` and
 * `content-type: application/cbor`; a request carrying `X-Amz-Target` is refused; answers
 * are CBOR with both headers, status 200, or the error's modelled status with `__type` (the
 * error's absolute shape id) and `Message`. What the spec leaves to servers (the status of a
 * request it cannot route) follows the reference server, smithy-rs: 404
 * UnknownOperationException, 415 UnsupportedMediaTypeException.
 */
export class RpcV2CborRoute implements ProtocolRoute {
  readonly summary: string;

  constructor(
    private readonly service: RpcV2CborService,
    private readonly options: RpcV2CborRouteOptions,
  ) {
    this.summary = `POST /service/${service.name}/operation/* (RPC v2 CBOR)`;
  }

  accepts(request: IncomingMessage, url: URL): boolean {
    return request.method === 'POST' && PATH.test(url.pathname);
  }

  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const [, serviceName = '', operationName = ''] = PATH.exec(url.pathname) ?? [];
    const answer = (reply: Answer) => this.send(response, reply);
    const routed = this.route(request, serviceName, operationName);
    if (routed instanceof AwsServiceError) {
      request.resume();
      this.options.log(`RPC v2 CBOR request refused: ${routed.status} ${routed.message}`);
      return answer(this.errorAnswer(routed));
    }
    const { maxBodyBytes, log } = this.options;
    const body = await readCappedBody(request, response, maxBodyBytes, log);
    if (body === undefined) return;
    await routed.faults?.delay();
    answer(await this.answerFor(routed, body));
  }

  /**
   * The operation the request reaches, or why it reaches none: a forbidden or missing
   * header, an unknown service or operation (404), a wrong media type (415).
   */
  private route(
    request: IncomingMessage,
    serviceName: string,
    operationName: string,
  ): AwsOperation | AwsServiceError {
    const forbidden = FORBIDDEN_HEADERS.find((name) => request.headers[name] !== undefined);
    if (forbidden !== undefined)
      return unknownOperation(
        `An RPC v2 CBOR request must not carry ${forbidden}; the request is malformed`,
      );
    const protocol = request.headers['smithy-protocol'];
    if (protocol !== RPC_V2_CBOR)
      return unknownOperation(`smithy-protocol must be ${RPC_V2_CBOR}; got ${protocol ?? 'none'}`);
    const operation = this.operationOf(serviceName, operationName);
    if (operation === undefined)
      return unknownOperation(
        `The local bus does not implement ${serviceName}.${operationName}; it answers ${this.operationList()}.`,
      );
    if (!hasMediaType(request.headers['content-type'], [CBOR_MEDIA_TYPE]))
      return new AwsServiceError(
        'UnsupportedMediaTypeException',
        `Content-Type must be ${CBOR_MEDIA_TYPE} for ${this.service.name}.${operationName}; got ${request.headers['content-type'] ?? 'none'}`,
        415,
      );
    return operation;
  }

  /** The operation of this service by name; the service by its name or absolute shape id. */
  private operationOf(serviceName: string, operationName: string): AwsOperation | undefined {
    const { name, namespace, operations } = this.service;
    if (serviceName !== name && serviceName !== `${namespace}.${name}`) return undefined;
    return Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
  }

  /** `AWSEventsV2.PutEvents, AWSEventsV2.DescribeEventBus`. */
  private operationList(): string {
    return Object.keys(this.service.operations)
      .map((operation) => `${this.service.name}.${operation}`)
      .join(', ');
  }

  /** Decodes the body and runs the operation; a service error becomes its error answer. */
  private async answerFor(operation: AwsOperation, body: Buffer): Promise<Answer> {
    try {
      const input = this.decode(body);
      return { status: 200, body: await runOperation(operation, input) };
    } catch (error) {
      if (error instanceof AwsServiceError) return this.errorAnswer(error);
      throw error;
    }
  }

  /**
   * The body's CBOR map (an empty body is `{}`). A body that is no CBOR map is answered like
   * a member of the wrong wire type, 500, as AWS's guidance for this bus describes.
   */
  private decode(body: Buffer): Record<string, unknown> {
    if (body.length === 0) return {};
    let input: unknown;
    try {
      input = cbor.deserialize(body);
    } catch (error) {
      throw this.undecodable(`the body is not CBOR (${(error as Error).message})`, error);
    }
    if (!isPlainObject(input)) throw this.undecodable('the body is not a CBOR map');
    return input;
  }

  private undecodable(why: string, cause?: unknown): AwsServiceError {
    this.options.log(`RPC v2 CBOR request undecodable: ${why}: answered 500`);
    return new AwsServiceError(
      'InternalException',
      'The request failed because of an internal service error. Retry the request.',
      500,
      { cause },
    );
  }

  private errorAnswer(error: AwsServiceError): Answer {
    return {
      status: error.status,
      body: { __type: `${this.service.namespace}#${error.type}`, Message: error.message },
    };
  }

  /** Sends `body` as CBOR with the protocol's headers and a fresh request id. */
  private send(response: ServerResponse, { status, body }: Answer): void {
    const bytes = cbor.serialize(toWire(body));
    response.writeHead(status, {
      'smithy-protocol': RPC_V2_CBOR,
      'content-type': CBOR_MEDIA_TYPE,
      'content-length': String(bytes.byteLength),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(bytes);
  }
}

function unknownOperation(message: string): AwsServiceError {
  return new AwsServiceError('UnknownOperationException', message, 404);
}

/**
 * A value as the CBOR encoder must see it: `undefined` and `null` members left out (the
 * spec omits nulls; the encoder throws on undefined), dates as tag 1 epoch seconds.
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (isTagged(value)) return value;
  if (Array.isArray(value)) return value.map(toWire);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined && member !== null)
      .map(([key, member]) => [key, toWire(member)]),
  );
}

/** A value already tagged for the encoder (its tag would be lost by copying its keys). */
function isTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && tagSymbol in value;
}
