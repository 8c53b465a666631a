import { describe, expect, it } from 'vitest';
import { dlqRoute, eventsRoute, faultsRoute } from '../../../../local/bus/control-routes.js';
import { NO_FAULTS } from '../../../../local/bus/faults.js';
import type { PathRoute } from '../../../../local/bus/router.js';
import { aRequest, aResponse, type FakeRequestInit } from '../../../helpers/fake-http.js';
import {
  aBusEntry,
  aClassicBus,
  aFaultInjector,
  aQueueStore,
  aRecordingLog,
} from '../../../helpers/local-bus.js';

/** Runs the route's handler for the request's method. */
async function call(route: PathRoute, init: FakeRequestInit) {
  const request = aRequest(init);
  const response = aResponse();
  const handler = route.methods[init.method ?? 'GET'];
  if (handler === undefined) throw new Error(`${route.path} has no ${init.method} handler`);
  await handler(
    request,
    response.asServerResponse,
    new URL(init.url ?? route.path, 'http://local'),
  );
  return response;
}

const postJson = (body: string, type = 'application/json'): FakeRequestInit => ({
  method: 'POST',
  url: '/faults',
  headers: { 'content-type': type },
  body,
});

describe('GET /events', () => {
  it('lists the accepted events, or only those after ?since=<id>', async () => {
    const bus = aClassicBus();
    bus.putEvents({ Entries: [aBusEntry(1), aBusEntry(2)] });
    const [first] = bus.accepted();

    const all = await call(eventsRoute(bus), { url: '/events' });
    const after = await call(eventsRoute(bus), { url: `/events?since=${first?.id}` });

    expect(all.json()).toEqual(bus.accepted());
    expect(after.json()).toEqual(bus.accepted().slice(1));
  });

  it('fails with 400 problem+json if since is not the id of an accepted event', async () => {
    const bus = aClassicBus();

    const response = await call(eventsRoute(bus), { url: '/events?since=nope' });

    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({
      title: 'Unknown Event',
      detail: expect.stringContaining('holds 0 events'),
    });
  });
});

describe('GET /dlq', () => {
  it('lists the messages not deleted yet', async () => {
    const queues = aQueueStore();
    queues.sendMessage({ QueueUrl: '/queue/outbox-dlq', MessageBody: '{"a":1}' });

    const response = await call(dlqRoute(queues), { url: '/dlq' });

    expect(response.json()).toEqual(queues.messages());
  });
});

describe('/faults', () => {
  it('replaces the faults on POST, logs them and answers them; GET shows them', async () => {
    const faults = aFaultInjector();
    const log = aRecordingLog();
    const route = faultsRoute(faults, log);

    const posted = await call(route, postJson('{"failRate":0.5}'));
    const shown = await call(route, { method: 'GET' });

    expect(posted.status).toBe(200);
    expect(posted.json()).toEqual({ ...NO_FAULTS, failRate: 0.5 });
    expect(shown.json()).toEqual(posted.json());
    expect(log.lines).toEqual([`faults now ${JSON.stringify({ ...NO_FAULTS, failRate: 0.5 })}`]);
  });

  it('clears the faults on DELETE with 204', async () => {
    const faults = aFaultInjector();
    faults.set({ latencyMs: 5 });

    const response = await call(faultsRoute(faults, aRecordingLog()), { method: 'DELETE' });

    expect(response.status).toBe(204);
    expect(faults.current()).toBe(NO_FAULTS);
  });

  it.each([
    ['not JSON', postJson('{', 'application/json'), 400, 'Malformed JSON'],
    ['not application/json', postJson('{}', 'text/plain'), 415, 'Unsupported Media Type'],
    ['over 64 KiB', postJson(`{"x":"${'x'.repeat(65 * 1024)}"}`), 413, 'Payload Too Large'],
  ])('fails if the body is %s, and keeps the faults', async (_, init, status, title) => {
    const faults = aFaultInjector();

    const response = await call(faultsRoute(faults, aRecordingLog()), init);

    expect(response.status).toBe(status);
    expect(response.json()).toMatchObject({ title });
    expect(faults.current()).toBe(NO_FAULTS);
  });

  it('fails with 400 naming each bad field by its JSON Pointer', async () => {
    const faults = aFaultInjector();

    const response = await call(
      faultsRoute(faults, aRecordingLog()),
      postJson('{"failRate":2,"latencyMs":-1}'),
    );

    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({
      title: 'Invalid Faults',
      errors: [
        { pointer: '/failRate', detail: 'failRate must be between 0 and 1' },
        { pointer: '/latencyMs', detail: 'latencyMs must not be negative' },
      ],
    });
  });
});
