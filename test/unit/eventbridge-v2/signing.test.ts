import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cbor } from '@smithy/core/cbor';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeV2Client, PutEventsCommand } from '../../../lambdas/eventbridge-v2/index.js';
import { anEntry, BUS_ARN, TEST_CREDENTIALS } from '../../helpers/eventbridge-v2.js';

/**
 * SigV4 as AWS checks it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html):
 * the real NodeHttpHandler sends to a loopback server, which recomputes the signature from what
 * it received.
 */

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

let server: Server;
let endpoint: string;
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      received.push({ method, path: url, headers, body: Buffer.concat(chunks) });
      response.writeHead(200, {
        'smithy-protocol': 'rpc-v2-cbor',
        'content-type': 'application/cbor',
      });
      response.end(
        Buffer.from(cbor.serialize({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

/** Sends one PutEvents through the real handler and returns what the server received. */
async function sendOne(credentials: typeof TEST_CREDENTIALS & { sessionToken?: string }) {
  const client = new EventBridgeV2Client({ region: 'eu-west-1', endpoint, credentials });
  try {
    await client.send(new PutEventsCommand({ EventBusArn: BUS_ARN, Entries: [anEntry()] }));
  } finally {
    client.destroy();
  }
  const [request] = received;
  if (!request) throw new Error('the server received nothing');
  return request;
}

function header(request: Received, name: string): string {
  const value = request.headers[name];
  if (typeof value !== 'string') throw new Error(`no ${name} header`);
  return value;
}

describe('a signed request', () => {
  it('is scoped to the events service in the client region, with the key and date', async () => {
    const request = await sendOne(TEST_CREDENTIALS);

    const date = header(request, 'x-amz-date').slice(0, 8);
    expect(header(request, 'authorization')).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date}/eu-west-1/events/aws4_request, `,
      ),
    );
  });

  it('signs host and the protocol headers', async () => {
    const request = await sendOne(TEST_CREDENTIALS);

    const signed = /SignedHeaders=([^,]+)/.exec(header(request, 'authorization'))?.[1]?.split(';');
    expect(signed).toEqual(
      expect.arrayContaining([
        'host',
        'smithy-protocol',
        'content-type',
        'accept',
        'content-length',
        'x-amz-date',
        'x-amz-content-sha256',
      ]),
    );
    expect(header(request, 'host')).toBe(new URL(endpoint).host);
  });

  it('carries the SHA-256 of the CBOR body it sent', async () => {
    const request = await sendOne(TEST_CREDENTIALS);

    const digest = createHash('sha256').update(request.body).digest('hex');
    expect(header(request, 'x-amz-content-sha256')).toBe(digest);
    expect(cbor.deserialize(request.body)).toMatchObject({ EventBusArn: BUS_ARN });
  });

  it('carries a signature the server recomputes from the request it received', async () => {
    const request = await sendOne(TEST_CREDENTIALS);

    const { authorization, ...unsigned } = request.headers;
    const url = new URL(endpoint);
    const recomputed = await new SignatureV4({
      service: 'events',
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      sha256: Sha256,
    }).sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: request.path,
        headers: Object.fromEntries(Object.entries(unsigned).map(([k, v]) => [k, String(v)])),
        body: new Uint8Array(request.body),
      }),
      { signingDate: parseAmzDate(header(request, 'x-amz-date')) },
    );
    expect(recomputed.headers.authorization).toBe(authorization);
  });

  it('signs the session token of temporary credentials', async () => {
    const request = await sendOne({ ...TEST_CREDENTIALS, sessionToken: 'session-token' });

    expect(header(request, 'x-amz-security-token')).toBe('session-token');
    expect(header(request, 'authorization')).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
  });
});

/** `20260102T030405Z` → Date. */
function parseAmzDate(value: string): Date {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) ?? [];
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
