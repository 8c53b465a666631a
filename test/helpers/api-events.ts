import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

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
  readonly userArn?: string;
}

/**
 * An API Gateway REST proxy event, as Lambda receives it.
 *
 * @example
 * apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c-1', items: [...] } });
 */
export function apiEvent(request: ApiRequest): APIGatewayProxyEvent {
  const pathParameters = request.pathParameters ?? {};
  const path = request.resource.replace(
    /\{(\w+)\}/g,
    (_, name: string) => pathParameters[name] ?? '',
  );
  const jsonBody = request.body !== undefined && typeof request.body !== 'string';
  const headers: Record<string, string> = {
    ...(jsonBody ? { 'Content-Type': 'application/json' } : {}),
    ...request.headers,
  };
  const body =
    request.body === undefined
      ? null
      : jsonBody
        ? JSON.stringify(request.body)
        : (request.body as string);
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
    body,
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

/** The parsed JSON body of a response. */
export function bodyOf(response: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** A response header, by case-insensitive name. */
export function headerOf(response: APIGatewayProxyResult, name: string): string | undefined {
  const entry = Object.entries(response.headers ?? {}).find(
    ([k]) => k.toLowerCase() === name.toLowerCase(),
  );
  return entry === undefined ? undefined : String(entry[1]);
}
