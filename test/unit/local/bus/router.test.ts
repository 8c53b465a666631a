import { describe, expect, it, vi } from 'vitest';
import { type PathRoute, type ProtocolRoute, Router } from '../../../../local/bus/router.js';
import { aRequest, aResponse, type FakeRequestInit } from '../../../helpers/fake-http.js';

/** A path route whose handlers record that they ran. */
function aPathRoute(path: string, methods: string[], ran: string[]): PathRoute {
  return {
    path,
    methods: Object.fromEntries(
      methods.map((method) => [method, () => void ran.push(`${method} ${path}`)]),
    ),
  };
}

/** A protocol route taking every POST with the header `x-proto: <name>`. */
function aProtocol(name: string, ran: string[]): ProtocolRoute {
  return {
    summary: `POST / (${name})`,
    accepts: (request) => request.method === 'POST' && request.headers['x-proto'] === name,
    handle: async () => void ran.push(name),
  };
}

async function route(router: Router, init: FakeRequestInit) {
  const response = aResponse();
  await router.handle(aRequest(init), response.asServerResponse);
  return response;
}

describe('Router', () => {
  it('hands a request to the route of its path, by method', async () => {
    const ran: string[] = [];
    const router = new Router(
      [aPathRoute('/events', ['GET'], ran), aPathRoute('/faults', ['GET', 'POST'], ran)],
      [],
    );

    await route(router, { method: 'POST', url: '/faults' });
    await route(router, { method: 'GET', url: '/events?since=x' });

    expect(ran).toEqual(['POST /faults', 'GET /events']);
  });

  it('fails with 405 and Allow if the path has no handler for the method', async () => {
    const ran: string[] = [];
    const router = new Router([aPathRoute('/faults', ['GET', 'POST', 'DELETE'], ran)], []);

    const response = await route(router, { method: 'PUT', url: '/faults' });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST, DELETE');
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(ran).toEqual([]);
  });

  it('hands a request no path takes to the protocol that accepts it', async () => {
    const ran: string[] = [];
    const router = new Router(
      [aPathRoute('/events', ['GET'], ran)],
      [aProtocol('a', ran), aProtocol('b', ran)],
    );

    await route(router, { method: 'POST', url: '/', headers: { 'x-proto': 'b' } });

    expect(ran).toEqual(['b']);
  });

  it('prefers the path route over a protocol that would accept the request', async () => {
    const ran: string[] = [];
    const router = new Router([aPathRoute('/events', ['GET'], ran)], [aProtocol('a', ran)]);

    const response = await route(router, {
      method: 'POST',
      url: '/events',
      headers: { 'x-proto': 'a' },
    });

    expect(response.status).toBe(405);
    expect(ran).toEqual([]);
  });

  it('fails with 404 problem+json naming the protocols, then the paths with their methods', async () => {
    const router = new Router(
      [aPathRoute('/events', ['GET'], []), aPathRoute('/faults', ['GET', 'POST'], [])],
      [aProtocol('a', [])],
    );

    const response = await route(router, { method: 'GET', url: '/nope' });

    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({
      title: 'Not Found',
      detail:
        'no route for GET /nope; the local bus answers POST / (a), GET /events and GET|POST /faults',
    });
  });

  it.each([
    ['a foreign Host', { host: 'attacker.example:4010' }],
    ['a foreign Origin', { origin: 'http://attacker.example' }],
  ])('fails with 403 for %s before any route runs', async (_, headers) => {
    const ran: string[] = [];
    const protocol = aProtocol('a', ran);
    const accepts = vi.spyOn(protocol, 'accepts');
    const router = new Router([aPathRoute('/events', ['GET'], ran)], [protocol]);

    const answers = [
      await route(router, { method: 'GET', url: '/events', headers }),
      await route(router, { method: 'POST', url: '/', headers: { ...headers, 'x-proto': 'a' } }),
    ];

    expect(answers.map((a) => a.status)).toEqual([403, 403]);
    expect(ran).toEqual([]);
    expect(accepts).not.toHaveBeenCalled();
  });
});
