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
