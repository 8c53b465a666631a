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
  /** The IAM caller, as IAM authorization reports it (shorthand for `caller: iamCaller(arn)`). */
  readonly userArn?: string;
  /** Who the route's authorizer vouches for; none (an API without authorizer) by default. */
  readonly caller?: TestCaller;
}

/** An identity a route's authorizer vouches for; each payload format places it where AWS does. */
export type TestCaller =
  | {
      readonly kind: 'iam';
      readonly userArn: string;
      /** Set when the credentials come from a Cognito identity pool. */
      readonly cognitoIdentity?: { readonly identityPoolId: string; readonly identityId: string };
    }
  | { readonly kind: 'jwt'; readonly claims: Readonly<Record<string, string>> }
  | {
      readonly kind: 'lambda';
      /** What the authorizer returns as `principalId` (1.0 passes it on; 2.0 does not). */
      readonly principalId?: string;
      /** What the authorizer returns as `context`: flat in 1.0, under `lambda` in 2.0. */
      readonly context?: Readonly<Record<string, string | number | boolean>>;
    };

/** An IAM (SigV4) caller. */
export const iamCaller = (userArn: string): TestCaller => ({ kind: 'iam', userArn });

/**
 * A caller signed with the credentials of a Cognito identity pool: every user of the pool
 * is the same role session, only the identity id tells them apart.
 */
export const cognitoIdentityPoolCaller = (identityId: string): TestCaller => ({
  kind: 'iam',
  userArn:
    'arn:aws:sts::123456789012:assumed-role/Cognito_OrdersAuth_Role/CognitoIdentityCredentials',
  cognitoIdentity: { identityPoolId: 'us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce', identityId },
});

/** The issuer of {@link jwtCaller}'s tokens: a Cognito user pool. */
export const USER_POOL_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';

/** A user of a Cognito user pool (REST) or JWT (HTTP API) authorizer, by the token's claims. */
export const jwtCaller = (sub: string, iss = USER_POOL_ISSUER): TestCaller => ({
  kind: 'jwt',
  claims: { sub, iss, 'cognito:username': `user-${sub}`, token_use: 'id', aud: 'client-1' },
});

/**
 * A caller of a Lambda authorizer that follows docs/orders-api.md: it returns its principal
 * as `principalId` and in its `context`, so that both payload formats carry it.
 */
export const lambdaAuthorizerCaller = (principalId: string): TestCaller => ({
  kind: 'lambda',
  principalId,
  context: { principalId, tenant: 'tenant-1' },
});

/** The caller a request names, if any. */
function callerOf(request: ApiRequest): TestCaller | undefined {
  return request.caller ?? (request.userArn === undefined ? undefined : iamCaller(request.userArn));
}

/** Where payload 1.0 puts the caller: `identity` for IAM, `authorizer` for the others. */
function v1Identity(caller: TestCaller | undefined) {
  if (caller?.kind !== 'iam') return { userArn: null };
  return {
    userArn: caller.userArn,
    caller: 'AIDAEXAMPLEEXAMPLE01',
    accountId: '123456789012',
    accessKey: 'ASIAEXAMPLEEXAMPLE01',
    ...(caller.cognitoIdentity === undefined
      ? {}
      : {
          cognitoIdentityId: caller.cognitoIdentity.identityId,
          cognitoIdentityPoolId: caller.cognitoIdentity.identityPoolId,
          cognitoAuthenticationType: 'authenticated',
        }),
  };
}

function v1Authorizer(caller: TestCaller | undefined): Record<string, unknown> | null {
  if (caller?.kind === 'jwt') return { claims: { ...caller.claims } };
  if (caller?.kind === 'lambda') {
    return {
      ...caller.context,
      ...(caller.principalId === undefined ? {} : { principalId: caller.principalId }),
      integrationLatency: 0,
    };
  }
  return null;
}

/** Payload 2.0's `requestContext.authorizer`, as aws/aws-lambda-go's captures show it. */
function v2Authorizer(caller: TestCaller | undefined): Record<string, unknown> | undefined {
  switch (caller?.kind) {
    case undefined:
      return undefined;
    case 'iam':
      return {
        iam: {
          accessKey: 'ASIAEXAMPLEEXAMPLE01',
          accountId: '123456789012',
          callerId: 'AIDAEXAMPLEEXAMPLE01',
          cognitoIdentity:
            caller.cognitoIdentity === undefined
              ? null
              : { amr: ['authenticated'], ...caller.cognitoIdentity },
          principalOrgId: null,
          userArn: caller.userArn,
          userId: 'AIDAEXAMPLEEXAMPLE01',
        },
      };
    case 'jwt':
      return { jwt: { claims: { ...caller.claims }, scopes: null } };
    case 'lambda':
      return { lambda: { ...caller.context } };
  }
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
      authorizer: v1Authorizer(callerOf(request)),
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
        ...v1Identity(callerOf(request)),
      },
    },
  };
}

/**
 * An HTTP API proxy event (payload format 2.0), as Lambda receives it: AWS's published
 * example event (API Gateway Developer Guide, http-api-develop-integrations-lambda) with the
 * request's own route, path, headers and body. Header names are lower-case, as AWS sends
 * them; the `$default` stage serves at the API's root, so `rawPath` has no stage prefix.
 * A caller goes to `requestContext.authorizer` (`iam`, `jwt` or `lambda`, the fields of
 * aws/aws-lambda-go's `apigw-v2-request-*.json` captures).
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
  const authorizer = v2Authorizer(callerOf(request));
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
      ...(authorizer === undefined ? {} : { authorizer }),
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
