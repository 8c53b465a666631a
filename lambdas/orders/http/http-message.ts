import type { CallerIdentity } from './caller-identity.js';

/**
 * A request to the Orders API, in one shape whichever API Gateway payload format (1.0 or
 * 2.0) carried it: everything after the adapter (`api-gateway-event.ts`) reads this only.
 */
export interface HttpRequest {
  /** The HTTP method, upper-case. */
  readonly method: string;
  /** The route template the request matched, e.g. `/orders/{id}/ship`. */
  readonly route: string;
  /** The request path as API Gateway reports it, for a problem's `instance`. */
  readonly path: string;
  /** The path the client called, stage prefix included: the base of a `Location`. */
  readonly clientPath: string;
  /** Header names lower-case; a repeated header is one comma-joined value; no `cookie`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request's cookies, one `name=value` each. */
  readonly cookies: readonly string[];
  readonly pathParameters: Readonly<Record<string, string>>;
  /** The body as sent; base64 when `isBase64Encoded`. */
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  /** API Gateway's id of this request, when it sent one. */
  readonly requestId: string | undefined;
  /**
   * The id that ties logs and events to this request: API Gateway's request id (else the
   * Lambda request id) until the pipeline applies the client's `X-Correlation-Id`.
   */
  readonly correlationId: string;
  /**
   * Who sent the request, as its authorizer vouches (IAM, JWT, Lambda authorizer), namespaced
   * by kind: it scopes idempotency keys and owns orders. Undefined without an authorizer.
   */
  readonly caller: CallerIdentity | undefined;
}

/** A response of the Orders API: a valid Lambda proxy result for both payload formats. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
}
