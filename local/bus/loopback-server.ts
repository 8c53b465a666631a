import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendProblem } from '../http-json.js';
import type { Router } from './router.js';

/** The HTTP server in front of the bus's router, on a loopback address. */
export class LoopbackServer {
  /** Set by {@link close}: a request cut short then is dropped, not answered 500. */
  private closing = false;

  private constructor(
    private readonly server: Server,
    /** e.g. `http://127.0.0.1:4010`. */
    readonly url: string,
    readonly port: number,
  ) {}

  /** Listens on `host:port` (0: a free port) and hands every request to the router. */
  static async listen(router: Router, port: number, host: string): Promise<LoopbackServer> {
    let listening: LoopbackServer | undefined;
    const server = createServer((request, response) => {
      router.handle(request, response).catch((error: unknown) => {
        listening?.failed(error, response);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    listening = new LoopbackServer(
      server,
      `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
      bound,
    );
    return listening;
  }

  /** Stops listening and closes every connection (keep-alive ones too). */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error === undefined ? resolve() : reject(error))),
    );
    this.server.closeAllConnections();
    await closed;
  }

  /** A route threw: 500 problem+json, unless the answer has begun or the server is closing. */
  private failed(error: unknown, response: ServerResponse): void {
    if (this.closing || response.headersSent) {
      response.destroy();
      return;
    }
    sendProblem(response, 500, 'internal', 'Internal Server Error', String(error));
  }
}
