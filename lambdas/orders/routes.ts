/** The Lambda behind a route: the file name under `lambdas/orders/handlers/`. */
export type OrdersHandlerName = 'create-order' | 'get-order' | 'transition-order' | 'cancel-order';

/** One route of the Orders API, in API Gateway's resource syntax. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  readonly resource: string;
  readonly handler: OrdersHandlerName;
}

/**
 * The Orders API. The CDK stack builds the REST API from this table and the local server
 * routes by it, so the two cannot drift apart.
 */
export const ORDER_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', resource: '/orders', handler: 'create-order' },
  { method: 'GET', resource: '/orders/{id}', handler: 'get-order' },
  { method: 'POST', resource: '/orders/{id}/confirm', handler: 'transition-order' },
  { method: 'POST', resource: '/orders/{id}/ship', handler: 'transition-order' },
  { method: 'POST', resource: '/orders/{id}/cancel', handler: 'cancel-order' },
];

/** The outcome of matching a request path against the routes. */
export type RouteMatch =
  | {
      readonly kind: 'matched';
      readonly route: ApiRoute;
      readonly pathParameters: Record<string, string>;
    }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/**
 * Matches a method and path the way API Gateway does: literal segments exactly, `{name}`
 * one non-empty segment (URL-decoded).
 */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): RouteMatch {
  const segments = path.split('/').filter((s) => s !== '');
  const allowed: string[] = [];
  for (const route of routes) {
    const parameters = matchResource(route.resource, segments);
    if (parameters === undefined) continue;
    if (route.method === method.toUpperCase())
      return { kind: 'matched', route, pathParameters: parameters };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
}

function matchResource(
  resource: string,
  segments: readonly string[],
): Record<string, string> | undefined {
  const pattern = resource.split('/').filter((s) => s !== '');
  if (pattern.length !== segments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segment) return undefined;
      continue;
    }
    try {
      parameters[name] = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return parameters;
}
