import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  BodyTooLargeError,
  hasMediaType,
  jsonPointer,
  parseJson,
  readBody,
  sendJson,
  sendProblem,
} from '../http-json.js';
import type { BusLog } from './bus-log.js';
import type { AcceptedEvents } from './event-bus.js';
import type { FaultInjector } from './fault-injector.js';
import type { PathRoute } from './router.js';

/**
 * The routes only local mode has, for tests, the CLI and curl (problem+json on errors):
 * `GET /events[?since=<id>]`, `GET /dlq`, `GET|POST|DELETE /faults`.
 */

/** Largest `POST /faults` body. */
const MAX_FAULTS_BODY_BYTES = 64 * 1024;

/** `GET /events`: the accepted events; `?since=<id>` only those after it. */
export function eventsRoute(events: AcceptedEvents): PathRoute {
  return {
    path: '/events',
    methods: {
      GET: (_request, response, url) => {
        const since = url.searchParams.get('since');
        if (since === null) return sendJson(response, 200, events.accepted());
        const after = events.acceptedAfter(since);
        if (after !== undefined) return sendJson(response, 200, after);
        sendProblem(
          response,
          400,
          'unknown-event',
          'Unknown Event',
          `since=${since} is not the id of an event this bus accepted (it holds ${events.accepted().length} events; ids are the EventIds PutEvents returned)`,
        );
      },
    },
  };
}

/** `GET /dlq`: the messages of every local queue not deleted yet. */
export function dlqRoute(queues: { messages(): unknown[] }): PathRoute {
  return {
    path: '/dlq',
    methods: { GET: (_request, response) => sendJson(response, 200, queues.messages()) },
  };
}

/** `/faults`: show (GET), replace (POST, JSON) or clear (DELETE) the faults in force. */
export function faultsRoute(faults: FaultInjector, log: BusLog): PathRoute {
  return {
    path: '/faults',
    methods: {
      GET: (_request, response) => sendJson(response, 200, faults.current()),
      POST: (request, response) => replaceFaults(faults, log, request, response),
      DELETE: (_request, response) => {
        faults.clear();
        log('faults cleared');
        response.writeHead(204).end();
      },
    },
  };
}

async function replaceFaults(
  faults: FaultInjector,
  log: BusLog,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const input = await readJsonBody(request, response);
  if (input === undefined) return;
  try {
    faults.set(input.value);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    return invalidFaults(error, response);
  }
  log(`faults now ${JSON.stringify(faults.current())}`);
  sendJson(response, 200, faults.current());
}

/** The body's JSON, or undefined once the problem (415, 413, 400) was answered. */
async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<{ value: unknown } | undefined> {
  if (!hasMediaType(request.headers['content-type'], ['application/json'])) {
    request.resume();
    sendProblem(
      response,
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `Content-Type must be application/json; got ${request.headers['content-type'] ?? 'none'}`,
    );
    return undefined;
  }
  let raw: Buffer;
  try {
    raw = await readBody(request, MAX_FAULTS_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendProblem(response, 413, 'payload-too-large', 'Payload Too Large', error.message);
    return undefined;
  }
  const input = parseJson(raw.toString('utf8'));
  if (input.ok) return { value: input.value };
  sendProblem(
    response,
    400,
    'malformed-json',
    'Malformed JSON',
    `the body is not valid JSON: ${input.error}`,
  );
  return undefined;
}

/** 400 problem+json naming each bad field by its JSON Pointer. */
function invalidFaults(error: z.ZodError, response: ServerResponse): void {
  const errors = error.issues.map((issue) => ({
    pointer: jsonPointer(issue.path),
    detail: issue.message,
  }));
  sendProblem(
    response,
    400,
    'validation-failed',
    'Invalid Faults',
    errors.map((e) => (e.pointer === '' ? e.detail : `${e.pointer}: ${e.detail}`)).join('; '),
    errors,
  );
}
