import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { BodyTooLargeError, readBody } from '../http-json.js';
import type { BusLog } from './bus-log.js';

/**
 * The raw body of an AWS call, or undefined once an oversize one was answered the way AWS's
 * front end answers it — 413 with an empty body, connection closed (boto/boto3#3411) —
 * before any protocol sees it. The body is drained first so the client reads the answer.
 */
export async function readCappedBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBodyBytes: number,
  log: BusLog,
): Promise<Buffer | undefined> {
  try {
    return await readBody(request, maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    log(`request body over ${maxBodyBytes} bytes: answered 413`);
    await finished(request).catch(() => undefined);
    response.writeHead(413, { 'content-length': '0', connection: 'close' });
    response.end();
    return undefined;
  }
}
