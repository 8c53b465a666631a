import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from '../../outbox/zod.js';
import { OrdersConfigError } from '../config.js';
import { callerOfPayloadV1, callerOfPayloadV2 } from './caller-identity.js';
import type { HttpRequest } from './http-message.js';

/** What API Gateway invokes the Orders handlers with: REST or HTTP API, payload 1.0 or 2.0. */
export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

const stringMap = z.record(z.string(), z.string());

// Only the fields the API reads, as AWS documents them (see docs/orders-api.md); loose, so
// anything else API Gateway adds passes through unread.
const payloadV1 = z.looseObject({
  // REST APIs send no version; HTTP APIs send '1.0'.
  version: z.optional(z.literal('1.0')),
  resource: z.string(),
  path: z.string(),
  httpMethod: z.string(),
  headers: z.nullish(stringMap),
  multiValueHeaders: z.nullish(z.record(z.string(), z.array(z.string()))),
  pathParameters: z.nullish(stringMap),
  body: z.nullish(z.string()),
  isBase64Encoded: z.boolean(),
  requestContext: z.looseObject({
    requestId: z.optional(z.string()),
    path: z.optional(z.string()),
  }),
});

const payloadV2 = z.looseObject({
  version: z.literal('2.0'),
  routeKey: z.string(),
  rawPath: z.string(),
  headers: z.optional(stringMap),
  cookies: z.optional(z.array(z.string())),
  pathParameters: z.optional(stringMap),
  body: z.optional(z.string()),
  isBase64Encoded: z.boolean(),
  requestContext: z.looseObject({
    requestId: z.string(),
    http: z.looseObject({ method: z.string() }),
  }),
});

/** A parsed event, tagged with its payload format. */
type Payload =
  | { readonly format: '1.0'; readonly event: z.output<typeof payloadV1> }
  | { readonly format: '2.0'; readonly event: z.output<typeof payloadV2> };

/** A route key is `METHOD /path` (`ANY` included); `$default` names no route. */
const ROUTE_KEY_PATTERN = /^[A-Z]+ (\/\S*)$/;
const MAX_PROBLEMS_NAMED = 5;

/**
 * Reads an API Gateway proxy event of either payload format into the API's own request.
 *
 * @param lambdaRequestId the correlation id of last resort, when API Gateway sent no request id
 * @throws OrdersConfigError when the event is neither format, or names no route (an HTTP API
 *   `$default` route, a Lambda function URL): no request could be served this way
 */
export function toHttpRequest(event: unknown, lambdaRequestId: string): HttpRequest {
  const payload = parsePayload(event);
  return payload.format === '1.0'
    ? fromPayloadV1(payload, lambdaRequestId)
    : fromPayloadV2(payload, lambdaRequestId);
}

function parsePayload(event: unknown): Payload {
  if (isPayloadV2(event)) {
    const parsed = z.safeParse(payloadV2, event);
    if (parsed.success) return { format: '2.0', event: parsed.data };
    throw unsupportedEvent('2.0', parsed.error);
  }
  const parsed = z.safeParse(payloadV1, event);
  if (parsed.success) return { format: '1.0', event: parsed.data };
  throw unsupportedEvent('1.0', parsed.error);
}

function isPayloadV2(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && 'version' in event && event.version === '2.0'
  );
}

function unsupportedEvent(format: Payload['format'], error: z.core.$ZodError): OrdersConfigError {
  const problems = error.issues
    .slice(0, MAX_PROBLEMS_NAMED)
    .map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`);
  return new OrdersConfigError(
    `the event is not an API Gateway proxy event of payload format ${format} ` +
      `(${problems.join('; ')}); integrate the Orders handlers with a REST API, or with ` +
      'HTTP API routes of payload format 1.0 or 2.0',
  );
}

function fromPayloadV1(
  payload: Extract<Payload, { format: '1.0' }>,
  lambdaRequestId: string,
): HttpRequest {
  const { event } = payload;
  // multiValueHeaders has every value of a repeated header; headers only the last one.
  const fields = event.multiValueHeaders
    ? Object.entries(event.multiValueHeaders)
    : Object.entries(event.headers ?? {}).map(([name, value]) => [name, [value]] as const);
  const requestId = nonEmpty(event.requestContext.requestId);
  return {
    method: event.httpMethod.toUpperCase(),
    route: event.resource,
    path: event.path,
    clientPath: event.requestContext.path ?? event.path,
    ...normalizeHeaders(fields, []),
    pathParameters: event.pathParameters ?? {},
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded,
    requestId,
    correlationId: requestId ?? lambdaRequestId,
    // The identity is read apart: a field of an unexpected shape is no identity, not a bad event.
    caller: callerOfPayloadV1(event.requestContext),
  };
}

function fromPayloadV2(
  payload: Extract<Payload, { format: '2.0' }>,
  lambdaRequestId: string,
): HttpRequest {
  const { event } = payload;
  const fields = Object.entries(event.headers ?? {}).map(
    ([name, value]) => [name, [value]] as const,
  );
  const requestId = nonEmpty(event.requestContext.requestId);
  return {
    method: event.requestContext.http.method.toUpperCase(),
    route: routeOf(event.routeKey),
    // With a named stage, rawPath starts with it; there is no stage-free path in 2.0.
    path: event.rawPath,
    clientPath: event.rawPath,
    ...normalizeHeaders(fields, event.cookies ?? []),
    pathParameters: event.pathParameters ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    requestId,
    correlationId: requestId ?? lambdaRequestId,
    caller: callerOfPayloadV2(event.requestContext),
  };
}

function routeOf(routeKey: string): string {
  const route = ROUTE_KEY_PATTERN.exec(routeKey)?.[1];
  if (route === undefined) {
    throw new OrdersConfigError(
      `the HTTP API route key '${routeKey.slice(0, 100)}' names no route; give each Orders ` +
        "operation its own route, e.g. 'POST /orders/{id}/ship' (ORDER_ROUTES)",
    );
  }
  return route;
}

/**
 * Header names lower-cased, a repeated header joined with commas (what payload 2.0 does),
 * and the cookies taken out of the `cookie` header into their own list (as 2.0 sends them).
 */
function normalizeHeaders(
  fields: Iterable<readonly [string, readonly string[]]>,
  cookies: readonly string[],
): { headers: Record<string, string>; cookies: string[] } {
  // A Map: header names stay data, never property names of a working object.
  const values = new Map<string, string[]>();
  const jar = [...cookies];
  for (const [name, sent] of fields) {
    const key = name.toLowerCase();
    if (key === 'cookie') {
      jar.push(...sent.flatMap(splitCookieHeader));
      continue;
    }
    values.set(key, [...(values.get(key) ?? []), ...sent]);
  }
  const headers = Object.fromEntries([...values].map(([key, all]) => [key, all.join(',')]));
  return { headers, cookies: jar };
}

function splitCookieHeader(value: string): string[] {
  return value
    .split(';')
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
}

/** AWS sends null or '' for a value it does not have (e.g. no request id in a test invocation). */
function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === '' ? undefined : value;
}
