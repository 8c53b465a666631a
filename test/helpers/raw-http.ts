import { request } from 'node:http';

/** A request as a browser or an attacker could send it: any Host, any Origin, any body. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** Sent as given, `host` included (fetch would not let a test choose it). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What came back: status, headers (lower-case names) and the body as text. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * Sends one request with `node:http` to a local server (`baseUrl` is e.g. `http://127.0.0.1:4010`),
 * with exactly the Host header given (the server's own `host:port` when none is).
 *
 * @example
 * const answer = await rawRequest(bus.url, { method: 'GET', path: '/events', headers: { host: 'attacker.example' } });
 */
export function rawRequest(baseUrl: string, raw: RawRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const body = raw.body === undefined ? undefined : Buffer.from(raw.body, 'utf8');
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: raw.method,
        path: raw.path,
        setHost: false,
        headers: {
          host: url.host,
          ...(body === undefined ? {} : { 'content-length': String(body.length) }),
          ...raw.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
