import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyResultV2,
  Context,
} from 'aws-lambda';
import type { ApiGatewayEvent } from '../../lambdas/orders/http/api-gateway-event.js';

/** What a test says about a request; everything else gets API Gateway's usual values. */
export interface ApiRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The API Gateway resource template, e.g. `/orders/{id}/confirm`. */
  readonly resource: string;
  readonly pathParameters?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded with a JSON Content-Type. */
  readonly body?: unknown;
  readonly isBase64Encoded?: boolean;
  /** Cookies, `name=value` each: 2.0's `cookies`, 1.0's `Cookie` header. */
  readonly cookies?: readonly string[];
  /** The IAM caller, as IAM authorization reports it. */
  readonly userArn?: string;
}

/** The path a request template names, its `{name}` parameters filled in. */
function pathOf(request: ApiRequest): string {
  const pathParameters = request.pathParameters ?? {};
  return request.resource.replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? '');
}

/** The body as sent, and the Content-Type a JSON-encoded one gets. */
function bodyOfRequest(request: ApiRequest): { body?: string; contentType?: string } {
  if (request.body === undefined) return {};
  if (typeof request.body === 'string') return { body: request.body };
  return { body: JSON.stringify(request.body), contentType: 'application/json' };
}

/**
 * An API Gateway REST proxy event (payload format 1.0), as Lambda receives it.
 *
 * @example
 * apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c-1', items: [...] } });
 */
export function apiEvent(request: ApiRequest): APIGatewayProxyEvent {
  const pathParameters = request.pathParameters ?? {};
  const path = pathOf(request);
  const { body, contentType } = bodyOfRequest(request);
  const headers: Record<string, string> = {
    ...(contentType === undefined ? {} : { 'Content-Type': contentType }),
    ...(request.cookies === undefined ? {} : { Cookie: request.cookies.join('; ') }),
    ...request.headers,
  };
  return {
    resource: request.resource,
    path,
    httpMethod: request.method ?? 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method ?? 'POST',
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'apigw-request-id',
      requestTimeEpoch: 1_764_064_800_000,
      resourceId: 'res123',
      resourcePath: request.resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'vitest',
        userArn: request.userArn ?? null,
      },
    },
  };
}

/**
 * An HTTP API proxy event (payload format 2.0), as Lambda receives it: AWS's published
 * example event (API Gateway Developer Guide, http-api-develop-integrations-lambda) with the
 * request's own route, path, headers and body. Header names are lower-case, as AWS sends
 * them; the `$default` stage serves at the API's root, so `rawPath` has no stage prefix.
 * With `userArn`, the route uses IAM authorization (`requestContext.authorizer.iam`, the
 * fields of aws/aws-lambda-go's `apigw-v2-request-iam.json` capture).
 *
 * @example
 * httpApiEvent({ method: 'POST', resource: '/orders/{id}/ship', pathParameters: { id } });
 */
export function httpApiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const method = request.method ?? 'POST';
  const path = pathOf(request);
  const { body, contentType } = bodyOfRequest(request);
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries({
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
      ...request.headers,
    }).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const routeKey = `${method} ${request.resource}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    ...(request.cookies === undefined ? {} : { cookies: [...request.cookies] }),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      ...(request.userArn === undefined
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: 'ASIAEXAMPLEEXAMPLE01',
                accountId: '123456789012',
                callerId: 'AIDAEXAMPLEEXAMPLE01',
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: request.userArn,
                userId: 'AIDAEXAMPLEEXAMPLE01',
              },
            },
          }),
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'id',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: 'apigw-request-id',
      routeKey,
      stage: '$default',
      time: '25/Nov/2026:09:00:00 +0000',
      timeEpoch: 1_764_064_800_000,
    },
    ...(request.pathParameters === undefined || Object.keys(request.pathParameters).length === 0
      ? {}
      : { pathParameters: request.pathParameters }),
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

/** A payload format the Orders handlers serve, to run a suite against each. */
export interface PayloadFormat {
  readonly name: string;
  readonly event: (request: ApiRequest) => ApiGatewayEvent;
  /** What the client's path starts with before the API's own path (the stage). */
  readonly stagePrefix: string;
}

/** The REST API's payload 1.0 (stage `prod`) and the HTTP API's payload 2.0 (`$default`). */
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = [
  { name: 'REST API (payload 1.0)', event: apiEvent, stagePrefix: '/prod' },
  { name: 'HTTP API (payload 2.0)', event: httpApiEvent, stagePrefix: '' },
];

/** {@link PAYLOAD_FORMATS} as `describe.each` cases: `describe.each(PAYLOAD_FORMAT_CASES)('from a %s event', (_, format) => …)`. */
export const PAYLOAD_FORMAT_CASES = PAYLOAD_FORMATS.map((format) => [format.name, format] as const);

/** A Lambda context with a fixed request id and plenty of time left. */
export function lambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'orders-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-test',
    memoryLimitInMB: '256',
    awsRequestId: 'lambda-request-id',
    logGroupName: '/aws/lambda/orders-test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}

/** A handler's answer, for either payload format. */
type ApiResult = APIGatewayProxyResult | Exclude<APIGatewayProxyResultV2, string>;

/** The parsed JSON body of a response. */
export function bodyOf(response: ApiResult): Record<string, unknown> {
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
}

/** A response header, by case-insensitive name. */
export function headerOf(response: ApiResult, name: string): string | undefined {
  const entry = Object.entries(response.headers ?? {}).find(
    ([k]) => k.toLowerCase() === name.toLowerCase(),
  );
  return entry === undefined ? undefined : String(entry[1]);
}
