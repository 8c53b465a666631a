import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** What a test request carries; the Host is this machine's unless the test says otherwise. */
export interface FakeRequestInit {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A request as a route sees it (a readable body, method, url, headers), with no socket. */
export function aRequest(init: FakeRequestInit = {}): IncomingMessage {
  const body = init.body ?? '';
  const stream = Readable.from(body === '' ? [] : [Buffer.from(body, 'utf8')]);
  return Object.assign(stream, {
    method: init.method ?? 'GET',
    url: init.url ?? '/',
    headers: { host: '127.0.0.1:4010', ...init.headers },
  }) as unknown as IncomingMessage;
}

/** A response that records what a route answered, for assertions without HTTP. */
export class RecordedResponse {
  status: number | undefined;
  readonly headers: Record<string, string> = {};
  body = '';
  headersSent = false;
  destroyed = false;

  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  writeHead(status: number, headers: Readonly<Record<string, string>> = {}): this {
    this.status = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }

  end(text?: string): this {
    this.body += text ?? '';
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    return this;
  }

  /** The body parsed as JSON. */
  json(): unknown {
    return JSON.parse(this.body) as unknown;
  }

  /** This object typed as what routes take. */
  get asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** A fresh {@link RecordedResponse}. */
export const aResponse = (): RecordedResponse => new RecordedResponse();
