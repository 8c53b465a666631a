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
  const event = toProxyEvent(request, url, body, match.route, match.pathParameters);
  const handler = handlers[match.route.handler];
  const context: Context = lambdaContext(`orders-${match.route.handler}`, 29_000);
  const result = (await handler(event, context, () => undefined)) as APIGatewayProxyResult;
  response.writeHead(
    result.statusCode,
    Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  );
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: ApiRoute,
  pathParameters: Record<string, string>,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
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
      accountId: '000000000000',
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
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
    },
  };
}
