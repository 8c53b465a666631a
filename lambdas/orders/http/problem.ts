import type { HttpResponse } from './http-message.js';

/** One field-level problem, located by a JSON Pointer into the request body. */
export interface FieldError {
  readonly pointer: string;
  readonly detail: string;
}

/** Prefix of our problem type URIs (RFC 9457 §3.1.1: a URI that identifies the type). */
export const PROBLEM_TYPE_PREFIX = 'urn:dynamo-outbox:problem:';

/**
 * An error that is already an HTTP answer: status, a short title per problem type, and a
 * precise `detail` for this occurrence.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    type: string,
    title: string,
    detail: string,
    options: {
      readonly errors?: readonly FieldError[];
      readonly extensions?: Record<string, unknown>;
      readonly headers?: Record<string, string>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** The RFC 9457 body of an error. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly correlationId?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/**
 * Renders an {@link HttpError} as an `application/problem+json` response; the correlation
 * id, if given, goes in the body and in the `X-Correlation-Id` header.
 */
export function problemResponse(
  error: HttpError,
  context: { readonly instance?: string; readonly correlationId?: string },
): HttpResponse {
  const body: ProblemDetails = {
    ...error.extensions,
    type: `${PROBLEM_TYPE_PREFIX}${error.type}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(context.instance === undefined ? {} : { instance: context.instance }),
    ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
  return {
    statusCode: error.status,
    headers: {
      'Content-Type': 'application/problem+json',
      ...error.headers,
      ...(context.correlationId === undefined ? {} : { 'X-Correlation-Id': context.correlationId }),
    },
    body: JSON.stringify(body),
  };
}
