import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_TYPE_PREFIX } from '../lambdas/orders/http/problem.js';

/**
 * Small helpers for the local runtime's plain `node:http` servers: bounded body reading,
 * JSON answers and RFC 9457 problem answers (same type URIs as the Orders API).
 */

/** Raised by {@link readBody} when the body exceeds the limit. */
export class BodyTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`the request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/**
 * Reads the whole request body, failing with {@link BodyTooLargeError} once more than
 * `limit` bytes arrived (the rest is drained, so the answer still reaches the client).
 *
 * @example
 * const body = await readBody(request, 64 * 1024);
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  if (tooLarge) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks);
}

/** The result of {@link parseJson}: the value, or why the text is not JSON. */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string };

/** Parses JSON without throwing. */
export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Answers with a JSON body (`content-type` defaults to `application/json`). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** One field-level problem, located by a JSON Pointer into the request body. */
export interface ProblemFieldError {
  readonly pointer: string;
  readonly detail: string;
}

/**
 * Answers with an `application/problem+json` body.
 *
 * @example
 * sendProblem(response, 404, 'not-found', 'Not Found', 'no route for GET /nope');
 */
export function sendProblem(
  response: ServerResponse,
  status: number,
  type: string,
  title: string,
  detail: string,
  errors?: readonly ProblemFieldError[],
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(
    response,
    status,
    {
      type: `${PROBLEM_TYPE_PREFIX}${type}`,
      title,
      status,
      detail,
      ...(errors === undefined ? {} : { errors }),
    },
    { 'content-type': 'application/problem+json', ...headers },
  );
}

/** A JSON Pointer (RFC 6901) for a path of keys and indexes. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Host names a local server answers to; anything else is a foreign (rebound) name. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a `Host` header names this machine's loopback: `127.0.0.1`, `localhost` or
 * `[::1]`, with or without a port. A page that rebinds its own domain to 127.0.0.1 still
 * sends that domain as `Host`, so this is what stops DNS rebinding.
 *
 * @example
 * isLoopbackHost('localhost:4010'); // true
 * isLoopbackHost('attacker.example:4010'); // false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  return match?.[1] !== undefined && LOOPBACK_HOSTS.has(match[1]);
}

/**
 * Whether an `Origin` header, when a browser sent one, is a page served from loopback.
 * Browsers send `Origin` on every cross-origin request and on every POST; other clients
 * (curl, the SDK) send none, which is fine.
 */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
}

/** Whether a `Content-Type` header is one of the media types given (parameters ignored). */
export function hasMediaType(
  contentType: string | undefined,
  mediaTypes: readonly string[],
): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType !== undefined && mediaTypes.includes(mediaType);
}

/**
 * Answers 403 and returns true when a request to a local endpoint does not come from this
 * machine's loopback: a foreign `Host` (DNS rebinding) or a foreign `Origin` (a web page
 * of another site). Reads are refused too: events and queue messages are not for any page.
 *
 * @example
 * if (refuseForeignRequest(request, response)) return;
 */
export function refuseForeignRequest(request: IncomingMessage, response: ServerResponse): boolean {
  const { host, origin } = request.headers;
  let detail: string | undefined;
  if (!isLoopbackHost(host)) {
    detail = `Host ${host === undefined ? '(none)' : `'${host.slice(0, 100)}'`} is not a loopback name (127.0.0.1, localhost or [::1], with or without a port): local endpoints answer this machine only`;
  } else if (!isLoopbackOrigin(origin)) {
    detail = `Origin '${(origin ?? '').slice(0, 100)}' is not a page served from loopback: local endpoints answer no other site`;
  }
  if (detail === undefined) return false;
  request.resume();
  sendProblem(response, 403, 'forbidden', 'Forbidden', detail);
  return true;
}
