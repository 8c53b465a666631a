import { IDEMPOTENCY_KEY_PATTERN } from '../../outbox/idempotency.js';
import * as z from '../../outbox/zod.js';
import { hasUnsafeCharacter, printable } from '../safe-text.js';
import type { CallerIdentity } from './caller-identity.js';
import type { HttpRequest } from './http-message.js';
import { type FieldError, HttpError } from './problem.js';

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Header carrying the correlation id, in and out. */
export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A validated JSON body, and the parsed JSON as sent (what idempotency compares). */
export interface ParsedBody<T> {
  readonly value: T;
  readonly raw: unknown;
}

/** A request header, by its lower-case name (the adapter lower-cases them all). */
const header = (request: HttpRequest, name: string): string | undefined => request.headers[name];

/**
 * Parses and validates a JSON body: 413 above {@link MAX_BODY_BYTES}, 415 unless the
 * Content-Type is JSON in UTF-8, 400 for malformed JSON or a schema violation (with a
 * JSON Pointer per field). An absent body is `{}` unless `required`.
 */
export function parseJsonBody<S extends z.core.$ZodType>(
  request: HttpRequest,
  schema: S,
  options: { readonly required: boolean },
): ParsedBody<z.output<S>> {
  const bytes =
    request.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      'payload-too-large',
      'Content Too Large',
      `request body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`,
    );
  }
  let raw: unknown = {};
  if (bytes.length === 0) {
    if (options.required)
      throw new HttpError(400, 'missing-body', 'Bad Request', 'a JSON request body is required');
  } else {
    checkContentType(header(request, 'content-type'));
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    let decoded: string;
    try {
      decoded = text.decode(bytes);
    } catch {
      throw new HttpError(400, 'malformed-json', 'Bad Request', 'request body is not valid UTF-8');
    }
    try {
      raw = JSON.parse(decoded);
    } catch (error) {
      // The parser quotes the body around the error: echo none of its control characters.
      throw new HttpError(
        400,
        'malformed-json',
        'Bad Request',
        `request body is not valid JSON: ${printable((error as Error).message)}`,
      );
    }
  }
  const parsed = z.safeParse(schema, raw);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      pointer: `/${issue.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
      detail: issue.message,
    }));
    const summary = errors
      .map((e) => `${e.pointer === '/' ? 'body' : e.pointer}: ${e.detail}`)
      .join('; ');
    throw new HttpError(
      400,
      'validation-error',
      'Bad Request',
      `request body is invalid: ${summary}`,
      { errors },
    );
  }
  return { value: parsed.data, raw };
}

function checkContentType(contentType: string | undefined): void {
  const expected = 'Content-Type must be application/json (UTF-8)';
  if (contentType === undefined) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `${expected}; none was sent`,
    );
  }
  const [mediaType = '', ...parameters] = contentType
    .split(';')
    .map((part) => part.trim().toLowerCase());
  const isJson =
    mediaType === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mediaType);
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replaceAll('"', '');
  if (!isJson || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `${expected}; got '${printable(contentType.slice(0, 100))}'`,
    );
  }
}

/** The `{id}` path parameter: a UUID, lower-cased. */
export function parseOrderId(request: HttpRequest): string {
  const id = request.pathParameters.id ?? '';
  if (hasUnsafeCharacter(id)) {
    throw new HttpError(
      400,
      'invalid-id',
      'Bad Request',
      'order id (path parameter id) must not contain control or bidirectional formatting ' +
        'characters',
    );
  }
  if (!UUID_PATTERN.test(id)) {
    throw new HttpError(
      400,
      'invalid-id',
      'Bad Request',
      `order id must be a UUID, got '${id.slice(0, 100)}'`,
    );
  }
  return id.toLowerCase();
}

/** An `Idempotency-Key`, in the key space of the caller who sent it. */
export interface RequestIdempotency {
  readonly key: string;
  readonly scope: CallerIdentity;
}

/**
 * The optional `Idempotency-Key` header, scoped by the caller: one caller can neither
 * replay another's stored response nor learn that another's key is in use.
 *
 * @throws HttpError 400 when the key is malformed, or when the request carries no identity
 *   to scope it by (an API without authorizer)
 */
export function parseIdempotency(request: HttpRequest): RequestIdempotency | undefined {
  const key = header(request, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new HttpError(
      400,
      'invalid-header',
      'Bad Request',
      'Idempotency-Key must be 1..255 visible ASCII characters',
    );
  }
  if (request.caller === undefined) {
    throw new HttpError(
      400,
      'identity-required',
      'Bad Request',
      'Idempotency-Key needs a caller identity to scope it (IAM, a JWT or Cognito user pool ' +
        'authorizer, or a Lambda authorizer); this request carries none',
    );
  }
  return { key, scope: request.caller };
}

/**
 * The optional `If-Match` header: `*`, or the versions its strong entity tags name.
 * Weak tags never match (RFC 9110 §13.1.1 uses the strong comparison).
 */
export function parseIfMatch(request: HttpRequest): readonly number[] | '*' | undefined {
  const value = header(request, 'if-match');
  if (value === undefined) return undefined;
  if (value.trim() === '*') return '*';
  const tags = value.split(',').map((t) => t.trim());
  if (tags.some((t) => !/^(W\/)?"[\x21\x23-\x7e]*"$/.test(t))) {
    throw new HttpError(
      400,
      'invalid-header',
      'Bad Request',
      'If-Match must be * or a list of entity tags such as "3"',
    );
  }
  return tags.filter((t) => /^"\d{1,15}"$/.test(t)).map((t) => Number(t.slice(1, -1)));
}

/**
 * The request's correlation id: `X-Correlation-Id` if sent (1..128 visible ASCII
 * characters), else the one the request came with (API Gateway's or Lambda's request id).
 */
export function resolveCorrelationId(request: HttpRequest): string {
  const sent = header(request, CORRELATION_HEADER);
  if (sent === undefined) return request.correlationId;
  if (!CORRELATION_ID_PATTERN.test(sent)) {
    throw new HttpError(
      400,
      'invalid-header',
      'Bad Request',
      'X-Correlation-Id must be 1..128 visible ASCII characters',
    );
  }
  return sent;
}
