/** Reads a response by the RPC v2 CBOR rules: protocol header, then status, then body. */
import type { Readable } from 'node:stream';
import { streamCollector } from '@smithy/node-http-handler';
import type { HttpResponse, ResponseMetadata, RetryableTrait } from '@smithy/types';
import { decodeBody, errorName } from './cbor-wire.js';
import { EventBridgeV2ServiceException, MalformedResponseError } from './errors.js';

/** The retry traits of the service's modelled errors (`@retryable`). */
const RETRYABLE: Readonly<Record<string, RetryableTrait>> = {
  ThrottlingException: { throttling: true },
  InternalException: {},
  ConcurrentModificationException: {},
  SchemaRegistryUnavailableException: {},
};

/** A decoded 200 body and the response's metadata. */
export interface ReadResponse {
  readonly body: Record<string, unknown>;
  readonly $metadata: ResponseMetadata;
}

/** The output of a 200 response; throws the error a non-200 or malformed response stands for. */
export async function readResponse(response: HttpResponse): Promise<ReadResponse> {
  // Read the body in every case: an unread body would hold the keep-alive socket.
  const bytes = await collectBody(response.body);
  const $metadata = { httpStatusCode: response.statusCode, requestId: requestIdOf(response) };
  if (header(response, 'smithy-protocol')?.toLowerCase() !== 'rpc-v2-cbor') {
    throw new MalformedResponseError('no smithy-protocol: rpc-v2-cbor header', $metadata, response);
  }
  let body: Record<string, unknown>;
  try {
    body = decodeBody(bytes);
  } catch (cause) {
    throw new MalformedResponseError('the body is not CBOR', $metadata, response, cause);
  }
  if (response.statusCode === 200) return { body, $metadata };
  throw serviceError(body, $metadata, response);
}

function serviceError(
  body: Record<string, unknown>,
  $metadata: ResponseMetadata,
  response: HttpResponse,
): EventBridgeV2ServiceException {
  const name = errorName(body.__type);
  if (name === undefined)
    return new MalformedResponseError('an error without __type', $metadata, response);
  const message = [body.message, body.Message].find((m) => typeof m === 'string') ?? name;
  return new EventBridgeV2ServiceException({
    name,
    message: String(message),
    $fault: response.statusCode >= 500 ? 'server' : 'client',
    $metadata,
    $retryable: RETRYABLE[name],
    $response: response,
  });
}

async function collectBody(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  return streamCollector(body as Readable);
}

function header(response: HttpResponse, name: string): string | undefined {
  const found = Object.entries(response.headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

function requestIdOf(response: HttpResponse): string | undefined {
  return header(response, 'x-amzn-requestid') ?? header(response, 'x-amz-request-id');
}
