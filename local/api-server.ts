import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, Handler } from 'aws-lambda';
import {
  type ApiRoute,
  matchRoute,
  ORDER_ROUTES,
  type OrdersHandlerName,
} from '../lambdas/orders/routes.js';
import { BodyTooLargeError, readBody, refuseForeignRequest, sendProblem } from './http-json.js';
import { lambdaContext } from './lambda-context.js';

/** The handler modules, loaded once the environment is set (they read it at import). */
export type ApiHandlers = Readonly<
  Record<OrdersHandlerName, Handler<APIGatewayProxyEvent, APIGatewayProxyResult>>
>;

/** Loads the Orders API handlers, exactly the modules API Gateway would invoke. */
export async function loadApiHandlers(): Promise<ApiHandlers> {
  const [create, get, transition, cancel] = await Promise.all([
    import('../lambdas/orders/handlers/create-order.js'),
    import('../lambdas/orders/handlers/get-order.js'),
    import('../lambdas/orders/handlers/transition-order.js'),
    import('../lambdas/orders/handlers/cancel-order.js'),
  ]);
  return {
    'create-order': create.handler as ApiHandlers['create-order'],
    'get-order': get.handler as ApiHandlers['get-order'],
    'transition-order': transition.handler as ApiHandlers['transition-order'],
    'cancel-order': cancel.handler as ApiHandlers['cancel-order'],
  };
}

/** API Gateway's payload limit; larger requests never reach a Lambda. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * The IAM caller of local requests: the deployed API is IAM-authorized, so every request
 * there has one. Orders are owned, and idempotency keys scoped, by the caller.
 */
export const LOCAL_CALLER_ARN = 'arn:aws:iam::000000000000:user/local-developer';
/**
 * The header a loopback client names another caller with (an IAM user or role ARN), or
 * `anonymous` for a request without identity: what SigV4 proves on AWS, a header says here.
 */
export const LOCAL_CALLER_HEADER = 'x-local-caller-arn';
/** The value of {@link LOCAL_CALLER_HEADER} for a request without identity. */
export const ANONYMOUS_CALLER = 'anonymous';
const LOCAL_ACCOUNT_ID = '000000000000';
const CALLER_ARN_PATTERN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\x21-\x7e]{1,1024}$/;
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** A request this gateway refuses before any handler, as API Gateway's own 4xx would. */
class GatewayRejection extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'GatewayRejection';
  }
}

/**
 * The local API Gateway: routes requests by the same route table as the CDK stack and
 * invokes the handlers with a REST proxy event of the same shape. It answers this machine
 * only: a foreign `Host` (DNS rebinding) or a foreign `Origin` (another site's page) gets
 * 403, since nothing here checks a signature as IAM authorization does once deployed.
 *
 * @example
 * const server = await startApiServer({ port: 3000, handlers: await loadApiHandlers() });
 */
export async function startApiServer(options: {
  readonly port: number;
  readonly handlers: ApiHandlers;
  readonly routes?: readonly ApiRoute[];
}): Promise<{ readonly server: Server; readonly url: string; close(): Promise<void> }> {
  const routes = options.routes ?? ORDER_ROUTES;
  const server = createServer((request, response) => {
    handle(request, response, routes, options.handlers).catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
      } else if (error instanceof BodyTooLargeError) {
        sendProblem(response, 413, 'payload-too-large', 'Content Too Large', error.message);
      } else if (error instanceof GatewayRejection) {
        sendProblem(response, error.status, error.type, error.title, error.message);
      } else {
        // A handler answers errors itself; this is the gateway failing, as API Gateway would.
        sendProblem(
          response,
          502,
          'bad-gateway',
          'Bad Gateway',
          `the integration failed: ${(error as Error).message}`,
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  routes: readonly ApiRoute[],
  handlers: ApiHandlers,
): Promise<void> {
  // Deployed, SigV4 keeps browsers out; locally nothing signs, so only loopback gets in.
  if (refuseForeignRequest(request, response)) return;
  // The request target is a path (origin-form): `//x/orders` is that path, not host `x`.
  const target = request.url ?? '/';
  const url = new URL(`http://localhost${target.startsWith('/') ? '' : '/'}${target}`);
  const body = await readBody(request, MAX_PAYLOAD_BYTES);
  const match = matchRoute(routes, request.method ?? 'GET', url.pathname);
  if (match.kind === 'not-found') {
    sendProblem(
      response,
      404,
      'route-not-found',
      'Not Found',
      `no route ${request.method} ${url.pathname}`,
    );
    return;
  }
  if (match.kind === 'method-not-allowed') {
    sendProblem(
      response,
      405,
      'method-not-allowed',
      'Method Not Allowed',
      `${request.method} is not allowed on ${url.pathname}; use ${match.allowed.join(', ')}`,
      undefined,
      {
        Allow: match.allowed.join(', '),
      },
    );
    return;
  }
  const callerArn = localCaller(request);
  const event = toProxyEvent(request, url, body, match.route, match.pathParameters, callerArn);
  const handler = handlers[match.route.handler];
  const context: Context = lambdaContext(`orders-${match.route.handler}`, 29_000);
  const result = (await handler(event, context, () => undefined)) as APIGatewayProxyResult;
  response.writeHead(
    result.statusCode,
    Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  );
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/**
 * The IAM caller of a request: {@link LOCAL_CALLER_ARN}, or the one its
 * {@link LOCAL_CALLER_HEADER} names (null: `anonymous`). Only a loopback client may name one.
 *
 * @throws GatewayRejection 403 for a client off loopback, 400 for a value that is no IAM ARN
 */
function localCaller(request: IncomingMessage): string | null {
  const named = request.headers[LOCAL_CALLER_HEADER];
  if (named === undefined) return LOCAL_CALLER_ARN;
  if (!LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? '')) {
    throw new GatewayRejection(
      403,
      'forbidden',
      'Forbidden',
      'only a loopback client may name its caller',
    );
  }
  if (named === ANONYMOUS_CALLER) return null;
  if (typeof named !== 'string' || !CALLER_ARN_PATTERN.test(named)) {
    throw new GatewayRejection(
      400,
      'invalid-local-caller',
      'Bad Request',
      `${LOCAL_CALLER_HEADER} must be an IAM user or role ARN, or '${ANONYMOUS_CALLER}'`,
    );
  }
  return named;
}

function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: ApiRoute,
  pathParameters: Record<string, string>,
  callerArn: string | null,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    // The identity is the gateway's to vouch for, not a header the handler could read.
    if (name.toLowerCase() === LOCAL_CALLER_HEADER) continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = [...url.searchParams.keys()];
  const requestId = randomUUID();
  // Like API Gateway: binary-unsafe bodies (not valid UTF-8) arrive base64-encoded.
  const text = body.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(body);
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length > 0 ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters:
      query.length > 0
        ? Object.fromEntries(query.map((k) => [k, url.searchParams.getAll(k)]))
        : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : utf8 ? text : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !utf8,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: route.method,
      path: url.pathname,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.resource,
      identity: {
        accessKey: callerArn === null ? null : 'ASIALOCALEXAMPLE0001',
        accountId: callerArn?.split(':')[4] ?? null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: callerArn,
      },
    },
  };
}
