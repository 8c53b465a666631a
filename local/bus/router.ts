import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuseForeignRequest, sendProblem } from '../http-json.js';

/** Answers one request on a route. */
export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) => void | Promise<void>;

/** A route of local mode's own at one path (`/events`, `/faults` …), by HTTP method. */
export interface PathRoute {
  readonly path: string;
  /** Handlers by method, in the order `Allow` lists them. */
  readonly methods: Readonly<Record<string, RouteHandler>>;
}

/**
 * A wire protocol of AWS clients (AWS JSON, and later others): it recognises its own
 * requests by method, path and headers, and answers them.
 */
export interface ProtocolRoute {
  /** How the 404 answer names it, e.g. `POST / (AWS JSON)`. */
  readonly summary: string;
  accepts(request: IncomingMessage, url: URL): boolean;
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
}

/**
 * The local bus's front door: refuses requests not from this machine (a foreign `Host` or
 * `Origin`, see `refuseForeignRequest`), then hands each request to the route of its path,
 * else to the protocol that accepts it, else answers 404. Routes check their own content
 * type, since each expects another one. A new protocol or bus is one more route here.
 */
export class Router {
  constructor(
    private readonly paths: readonly PathRoute[],
    private readonly protocols: readonly ProtocolRoute[],
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (refuseForeignRequest(request, response)) return;
    const url = new URL(request.url ?? '/', 'http://local');
    const path = this.paths.find((route) => route.path === url.pathname);
    if (path !== undefined) return byMethod(path, request, response, url);
    const protocol = this.protocols.find((route) => route.accepts(request, url));
    if (protocol !== undefined) return protocol.handle(request, response, url);
    this.notFound(request, response, url);
  }

  private notFound(request: IncomingMessage, response: ServerResponse, url: URL): void {
    request.resume();
    const routes = [
      ...this.protocols.map((route) => route.summary),
      ...this.paths.map((route) => `${Object.keys(route.methods).join('|')} ${route.path}`),
    ];
    sendProblem(
      response,
      404,
      'not-found',
      'Not Found',
      `no route for ${request.method} ${url.pathname}; the local bus answers ${inWords(routes)}`,
    );
  }
}

/** Runs the route's handler for the request's method, or answers 405 with `Allow`. */
function byMethod(
  route: PathRoute,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): void | Promise<void> {
  const method = request.method ?? '';
  const handler = Object.hasOwn(route.methods, method) ? route.methods[method] : undefined;
  if (handler !== undefined) return handler(request, response, url);
  const allow = Object.keys(route.methods).join(', ');
  request.resume();
  response.setHeader('allow', allow);
  sendProblem(
    response,
    405,
    'method-not-allowed',
    'Method Not Allowed',
    `${request.method} is not allowed here; use ${allow}`,
  );
}

/** `a, b, c and d`. */
function inWords(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}
