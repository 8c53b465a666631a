import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasMediaType, parseJson, sendJson } from '../http-json.js';
import { type AwsOperation, AwsServiceError, runOperation } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { readCappedBody } from './capped-body.js';
import type { ProtocolRoute } from './router.js';

/** The media type of AWS JSON 1.0 (SQS). */
export const AWS_JSON_1_0 = 'application/x-amz-json-1.0';
/** The media type of AWS JSON 1.1 (EventBridge). */
export const AWS_JSON_1_1 = 'application/x-amz-json-1.1';

/** One AWS service spoken over AWS JSON: its `x-amz-target` prefix, media type and operations. */
export interface AwsJsonService {
  /** `AWSEvents`, `AmazonSQS`: the part of `x-amz-target` before the dot. */
  readonly targetPrefix: string;
  readonly contentType: string;
  /** By operation name (the part after the dot), in the order an unknown target's error lists them. */
  readonly operations: Readonly<Record<string, AwsOperation>>;
}

/** Settings of an {@link AwsJsonRoute}. */
export interface AwsJsonRouteOptions {
  /** Largest raw request body; a larger one is answered 413 with an empty body. */
  readonly maxBodyBytes: number;
  readonly log: BusLog;
}

/** The answer to send: HTTP status and JSON body. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * AWS JSON 1.0/1.1, as the SDK's clients send it: `POST /` with `x-amz-target:
 * <Service>.<Operation>` and the protocol's media type; errors as `{ __type, message }`.
 * Each answer carries a fresh `x-amzn-requestid`.
 */
export class AwsJsonRoute implements ProtocolRoute {
  readonly summary = 'POST / (AWS JSON)';

  constructor(
    private readonly services: readonly AwsJsonService[],
    private readonly options: AwsJsonRouteOptions,
  ) {}

  /** AWS JSON posts to `/`; an SQS client without `endpoint` posts to the queue URL, so a path with a target is taken too. */
  accepts(request: IncomingMessage, url: URL): boolean {
    return (
      request.method === 'POST' &&
      (url.pathname === '/' || typeof request.headers['x-amz-target'] === 'string')
    );
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = targetOf(request);
    const [prefix, name] = splitTarget(target);
    const service = this.services.find((s) => s.targetPrefix === prefix);
    // An unknown service gets the bus's protocol: its error must still be readable.
    const contentType = service?.contentType ?? AWS_JSON_1_1;
    const answer = ({ status, body }: Answer) =>
      sendJson(response, status, body, {
        'content-type': contentType,
        'x-amzn-requestid': randomUUID(),
      });
    if (!hasMediaType(request.headers['content-type'], [contentType])) {
      // What AWS answers is undocumented; the SDK never sends another type.
      request.resume();
      return answer(
        errorAnswer(
          new AwsServiceError(
            'UnsupportedMediaTypeException',
            `Content-Type must be ${contentType} for ${target || 'an AWS JSON request'}; got ${request.headers['content-type'] ?? 'none'}`,
            415,
          ),
        ),
      );
    }
    const body = await this.readBody(request, response);
    if (body === undefined) return;
    const operation =
      service !== undefined && Object.hasOwn(service.operations, name)
        ? service.operations[name]
        : undefined;
    await operation?.faults?.delay();
    answer(await this.answerFor(target, operation, body));
  }

  /** The raw body as text, or undefined once an oversize one was answered 413. */
  private async readBody(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<string | undefined> {
    const { maxBodyBytes, log } = this.options;
    return (await readCappedBody(request, response, maxBodyBytes, log))?.toString('utf8');
  }

  /** Parses the body and runs the operation; a service error becomes its error answer. */
  private async answerFor(
    target: string,
    operation: AwsOperation | undefined,
    body: string,
  ): Promise<Answer> {
    try {
      const input = parseBody(body);
      if (operation === undefined) throw this.unknownOperation(target);
      return { status: 200, body: await runOperation(operation, input) };
    } catch (error) {
      if (error instanceof AwsServiceError) return errorAnswer(error);
      throw error;
    }
  }

  private unknownOperation(target: string): AwsServiceError {
    const known = this.services.flatMap((s) =>
      Object.keys(s.operations).map((name) => `${s.targetPrefix}.${name}`),
    );
    return new AwsServiceError(
      'UnknownOperationException',
      `The local bus does not implement ${target || 'an operation without x-amz-target'}; it answers ${known.join(', ')}.`,
    );
  }
}

function targetOf(request: IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  return typeof target === 'string' ? target : '';
}

/** `AWSEvents.PutEvents` → `['AWSEvents', 'PutEvents']`; without a dot, no service. */
function splitTarget(target: string): [prefix: string, operation: string] {
  const dot = target.indexOf('.');
  return dot < 0 ? ['', target] : [target.slice(0, dot), target.slice(dot + 1)];
}

/** The body's JSON (an empty body is `{}`), or a SerializationException. */
function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  const input = parseJson(text);
  if (input.ok) return input.value;
  throw new AwsServiceError(
    'SerializationException',
    `The request body is not valid JSON: ${input.error}`,
  );
}

function errorAnswer(error: AwsServiceError): Answer {
  return { status: error.status, body: { __type: error.type, message: error.message } };
}
