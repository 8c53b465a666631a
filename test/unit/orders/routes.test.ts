import { describe, expect, it } from 'vitest';
import { matchRoute, ORDER_ROUTES } from '../../../lambdas/orders/index.js';

describe('matchRoute', () => {
  it.each([
    ['POST', '/orders', 'create-order', {}],
    ['GET', '/orders/abc', 'get-order', { id: 'abc' }],
    ['POST', '/orders/abc/confirm', 'transition-order', { id: 'abc' }],
    ['POST', '/orders/abc/ship', 'transition-order', { id: 'abc' }],
    ['POST', '/orders/abc/cancel', 'cancel-order', { id: 'abc' }],
    ['POST', '/orders/a%20b/cancel/', 'cancel-order', { id: 'a b' }],
  ])('routes %s %s to %s', (method, path, handler, pathParameters) => {
    expect(matchRoute(ORDER_ROUTES, method, path)).toMatchObject({
      kind: 'matched',
      route: { handler },
      pathParameters,
    });
  });

  it('answers not-found for an unknown path', () => {
    expect(matchRoute(ORDER_ROUTES, 'GET', '/customers/1')).toEqual({ kind: 'not-found' });
    expect(matchRoute(ORDER_ROUTES, 'POST', '/orders/abc/refund')).toEqual({ kind: 'not-found' });
  });

  it('answers method-not-allowed with the allowed methods for a known path', () => {
    expect(matchRoute(ORDER_ROUTES, 'DELETE', '/orders/abc')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET'],
    });
  });

  it('does not match a malformed percent-encoding', () => {
    expect(matchRoute(ORDER_ROUTES, 'GET', '/orders/%E0%A4%A')).toEqual({ kind: 'not-found' });
  });
});
