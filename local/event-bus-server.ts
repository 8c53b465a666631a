import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  isPlainObject,
  MAX_DETAIL_TYPE_LENGTH,
  MAX_PUT_EVENTS_ENTRIES,
  putEventsEntrySize,
} from '../lambdas/outbox/index.js';
import { LocalRuntimeError } from './errors.js';
import {
  BodyTooLargeError,
  hasMediaType,
  jsonPointer,
  parseJson,
  readBody,
  refuseForeignRequest,
  sendJson,
  sendProblem,
} from './http-json.js';

/**
 * The local EventBridge-compatible endpoint of local mode. It speaks AWS JSON 1.1
 * `AWSEvents.PutEvents` and `AWSEvents.DescribeEventBus` as the real `EventBridgeClient`
 * sends them (configured with `endpoint`), validates like EventBridge, and keeps what it
 * accepted for `GET /events`. Like EventBridge it is unkind: PutEvents accepts entries for
 * any bus name, known or not, and only DescribeEventBus tells the known buses apart; a
 * raw request body past `maxBodyBytes` is answered 413 with an empty body, as AWS's front
 * end does.
 * It also answers the relay's dead-letter queue: AWS JSON 1.0 `AmazonSQS.SendMessage`,
 * kept for `GET /dlq`, and the operator's side of it (the CLI's `status` and `redrive`):
 * `ReceiveMessage` (with visibility timeouts), `DeleteMessage`, `ChangeMessageVisibility`
 * and `GetQueueAttributes` (`ApproximateNumberOfMessages[NotVisible]`). `/faults` injects
 * per-entry failures, whole-request 500s and latency, so the relay's retry paths run
 * locally.
 *
 * HTTP surface:
 * - `POST /` with `x-amz-target: AWSEvents.PutEvents`, `AWSEvents.DescribeEventBus` or
 *   `AmazonSQS.<operation>`
 * - `GET /events[?since=<id>]`, `GET /dlq` (messages not deleted yet)
 * - `GET /faults`, `POST /faults`, `DELETE /faults`
 *
 * Every route answers only this machine: a `Host` that is not a loopback name, or an
 * `Origin` of a page not served from loopback, gets 403 (DNS rebinding, cross-site
 * requests). A POST must say its body is JSON (`application/json` on `/faults`, the AWS
 * protocol's `application/x-amz-json-1.x` on `/`), which no HTML form or simple
 * cross-site request can send; anything else gets 415.
 */

/** An event the local bus accepted, as `GET /events` shows it. */
export interface LocalEvent {
  /** The EventId PutEvents answered with (a UUID). */
  readonly id: string;
  /** ISO-8601: the entry's `Time` when given, else the time it was accepted. */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  /** The entry's `Detail`, parsed. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** The bus name (an event-bus ARN is reduced to its name); `default` when not given. */
  readonly eventBusName: string;
  readonly resources: readonly string[];
}

/** A message attribute as SQS takes it (binary values stay base64, as sent). */
export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: string | undefined;
}

/** A message sent to a local queue, as `GET /dlq` shows it. */
export interface DlqMessage {
  /** The MessageId SendMessage answered with (a UUID). */
  readonly id: string;
  /** The queue name: the last path segment of the `QueueUrl`. */
  readonly queue: string;
  /** The message body, parsed when it is JSON, else the text. */
  readonly body: unknown;
  readonly attributes: Readonly<Record<string, SqsMessageAttribute>>;
  /** ISO-8601 time the message was received. */
  readonly receivedAt: string;
}

/** The per-entry error codes fault injection can produce. */
export const INJECTABLE_ENTRY_ERRORS = ['ThrottlingException', 'InternalFailure'] as const;
export type InjectableEntryError = (typeof INJECTABLE_ENTRY_ERRORS)[number];

/** Longest latency `/faults` accepts: beyond it a client would time out, not wait. */
export const MAX_FAULT_LATENCY_MS = 60_000;

/** The faults in force. */
export interface Faults {
  /** Probability that an otherwise valid entry fails with `errorCode`. */
  readonly failRate: number;
  readonly errorCode: InjectableEntryError;
  /** Probability that a whole PutEvents request is answered with HTTP 500. */
  readonly requestFailRate: number;
  /** Delay added to every PutEvents answer. */
  readonly latencyMs: number;
  /**
   * Probability that a PutEvents request is processed (its valid entries accepted) but
   * answered with HTTP 500: the caller cannot know it succeeded, exactly as if it had
   * crashed between PutEvents and marking its records.
   */
  readonly lostResponseRate: number;
}

/** No faults. */
export const NO_FAULTS: Faults = Object.freeze({
  failRate: 0,
  errorCode: 'ThrottlingException',
  requestFailRate: 0,
  latencyMs: 0,
  lostResponseRate: 0,
});

const rate = (name: string) =>
  z
    .number({ error: `${name} must be a number between 0 and 1` })
    .min(0, `${name} must be between 0 and 1`)
    .max(1, `${name} must be between 0 and 1`);

/** What `POST /faults` and `setFaults` accept; every field optional (absent: no fault). */
export const faultsSchema = z.strictObject({
  failRate: rate('failRate').optional(),
  errorCode: z
    .enum(INJECTABLE_ENTRY_ERRORS, {
      error: `errorCode must be one of ${INJECTABLE_ENTRY_ERRORS.join(', ')}`,
    })
    .optional(),
  requestFailRate: rate('requestFailRate').optional(),
  lostResponseRate: rate('lostResponseRate').optional(),
  latencyMs: z
    .number({ error: 'latencyMs must be a number of milliseconds' })
    .int('latencyMs must be a whole number of milliseconds')
    .min(0, 'latencyMs must not be negative')
    .max(MAX_FAULT_LATENCY_MS, `latencyMs must be at most ${MAX_FAULT_LATENCY_MS}`)
    .optional(),
});
export type FaultsInput = z.input<typeof faultsSchema>;

/** Options of {@link startEventBusServer}. */
export interface EventBusServerOptions {
  /** 0 lets the OS pick a free port. */
  readonly port: number;
  /** Loopback address to listen on: `127.0.0.1`, `::1` or `localhost`. @default '127.0.0.1' */
  readonly host?: string;
  /** PutEvents request size limit by the documented entry-size formula. @default 1,048,576 */
  readonly maxRequestBytes?: number;
  /**
   * Largest raw request body (bytes on the wire) of an AWS call; a larger one is answered
   * HTTP 413 with an empty body, as AWS's front end does.
   * @default - max(8 × maxRequestBytes, 1 MiB) + 64 KiB: JSON escaping can make the wire
   * body several times the formula size
   */
  readonly maxBodyBytes?: number;
  /**
   * The buses DescribeEventBus knows (names); `default` is always known. PutEvents accepts
   * any name regardless, as EventBridge does.
   * @default - only `default`
   */
  readonly eventBuses?: readonly string[];
  /** Region of the event-bus ARNs DescribeEventBus answers and accepts. @default 'us-east-1' */
  readonly region?: string;
  /** Account of the event-bus ARNs DescribeEventBus answers and accepts. @default '000000000000' */
  readonly accountId?: string;
  /** Receives one readable line per accepted event (and per rejected entry or injected 500). */
  readonly log?: (line: string) => void;
  /** Source of randomness for fault injection (inject a seeded one in tests). @default Math.random */
  readonly random?: () => number;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** Called for every accepted event, in acceptance order. */
export type EventListener = (event: LocalEvent) => void | Promise<void>;

/** A running local bus. */
export interface EventBusServer {
  /** e.g. `http://127.0.0.1:4010`; what `EventBridgeClient`/`SQSClient` take as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Accepted events, in acceptance order (a copy). */
  accepted(): LocalEvent[];
  /** Messages sent to any local queue and not deleted yet, in arrival order (a copy). */
  dlqMessages(): DlqMessage[];
  /** The faults in force. */
  faults(): Faults;
  /** Replaces the faults in force (absent fields: no fault); throws a ZodError on bad input. */
  setFaults(faults: FaultsInput): Faults;
  clearFaults(): void;
  /** Registers a listener for accepted events; returns a function that removes it. */
  onEvent(listener: EventListener): () => void;
  /** Stops listening and closes every connection (keep-alive ones too). */
  close(): Promise<void>;
}

const JSON_1_1 = 'application/x-amz-json-1.1';
const JSON_1_0 = 'application/x-amz-json-1.0';
const PUT_EVENTS = 'AWSEvents.PutEvents';
const DESCRIBE_EVENT_BUS = 'AWSEvents.DescribeEventBus';
const SEND_MESSAGE = 'AmazonSQS.SendMessage';
const RECEIVE_MESSAGE = 'AmazonSQS.ReceiveMessage';
const DELETE_MESSAGE = 'AmazonSQS.DeleteMessage';
const CHANGE_MESSAGE_VISIBILITY = 'AmazonSQS.ChangeMessageVisibility';
const GET_QUEUE_ATTRIBUTES = 'AmazonSQS.GetQueueAttributes';
/** SQS's default visibility timeout of a received message, in seconds. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** SQS's longest visibility timeout (12 hours), in seconds. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
/** Largest `POST /faults` body. */
const MAX_FAULTS_BODY_BYTES = 64 * 1024;
/** `Name` of DescribeEventBus, as the API reference constrains it. */
const EVENT_BUS_NAME_PATTERN =
  /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/;
const MAX_EVENT_BUS_NAME_LENGTH = 1600;
/** A custom bus name as CreateEventBus takes it. */
const BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]{1,256}$/;

/** An AWS JSON protocol error answer. */
interface AwsError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** The result of one PutEvents entry. */
type EntryResult =
  | { readonly EventId: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

const putEventsEntrySchema = z.looseObject({
  Source: z.string().nullish(),
  DetailType: z.string().nullish(),
  Detail: z.string().nullish(),
  EventBusName: z.string().nullish(),
  Time: z.number().nullish(),
  Resources: z.array(z.string()).nullish(),
  TraceHeader: z.string().nullish(),
});
type PutEventsEntry = z.infer<typeof putEventsEntrySchema>;

const putEventsRequestSchema = z.looseObject({
  Entries: z.array(putEventsEntrySchema).nullish(),
  EndpointId: z.string().nullish(),
});

const sendMessageRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  MessageBody: z.string().nullish(),
  MessageAttributes: z
    .record(
      z.string(),
      z.looseObject({
        DataType: z.string(),
        StringValue: z.string().nullish(),
        BinaryValue: z.string().nullish(),
      }),
    )
    .nullish(),
  DelaySeconds: z.number().nullish(),
  MessageGroupId: z.string().nullish(),
  MessageDeduplicationId: z.string().nullish(),
});

const describeEventBusRequestSchema = z.looseObject({
  Name: z.string().nullish(),
});

const receiveMessageRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  MaxNumberOfMessages: z.number().nullish(),
  VisibilityTimeout: z.number().nullish(),
  WaitTimeSeconds: z.number().nullish(),
  MessageAttributeNames: z.array(z.string()).nullish(),
});

const receiptRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  ReceiptHandle: z.string().nullish(),
  VisibilityTimeout: z.number().nullish(),
});

const getQueueAttributesRequestSchema = z.looseObject({
  QueueUrl: z.string().nullish(),
  AttributeNames: z.array(z.string()).nullish(),
});

/** A message in a local queue: what `GET /dlq` shows, the raw body, and its visibility. */
interface QueuedMessage {
  readonly message: DlqMessage;
  /** The body as sent (what ReceiveMessage returns and its MD5 is computed over). */
  readonly body: string;
  /** Epoch ms from which ReceiveMessage may return it (0: never received). */
  visibleAt: number;
  /** Set when it has been received: a later visibility change or delete finds it. */
  receiptHandle?: string;
}

/**
 * Starts the local bus.
 *
 * @example
 * const bus = await startEventBusServer({ port: 4010, log: (line) => console.log(line) });
 * const eventBridge = new EventBridgeClient({ endpoint: bus.url });
 */
export async function startEventBusServer(options: EventBusServerOptions): Promise<EventBusServer> {
  validateOptions(options);
  const host = options.host ?? '127.0.0.1';
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const log = options.log ?? (() => undefined);
  const random = options.random ?? Math.random;
  const clock = options.clock ?? (() => new Date());
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes(maxRequestBytes);
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  /** Known buses, by name, with the time they came to be. */
  const buses = new Map<string, Date>(
    ['default', ...(options.eventBuses ?? [])].map((name) => [name, clock()]),
  );

  const events: LocalEvent[] = [];
  const positions = new Map<string, number>();
  const queued: QueuedMessage[] = [];
  /** Every receipt handle handed out, to the message it was handed out for. */
  const receipts = new Map<string, QueuedMessage>();
  const listMessages = (): DlqMessage[] => queued.map((q) => q.message);
  const listeners = new Set<EventListener>();
  let faults: Faults = NO_FAULTS;
  const closing = new AbortController();

  const notify = (event: LocalEvent): void => {
    for (const listener of listeners) {
      const failed = (error: unknown) =>
        log(`${clockTime(clock())} listener failed on event ${event.id}: ${String(error)}`);
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  };

  /** Validates one entry like EventBridge; the error, or undefined when it is valid. */
  const entryProblem = (entry: PutEventsEntry): { code: string; message: string } | undefined => {
    const invalid = (name: string, reason: string) => ({
      code: 'InvalidArgument',
      message: `Parameter ${name} is not valid. Reason: ${reason}`,
    });
    if (!entry.Source) return invalid('Source', 'Source is a required argument.');
    if (entry.Source.startsWith('aws.'))
      return { code: 'NotAuthorizedForSourceException', message: 'Not authorized for the source.' };
    if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
    if (entry.DetailType.length > MAX_DETAIL_TYPE_LENGTH)
      return invalid(
        'DetailType',
        `Provided DetailType is longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`,
      );
    if (entry.Time != null && Number.isNaN(new Date(entry.Time * 1000).getTime()))
      return invalid('Time', 'Time is out of range.');
    if (entry.Detail == null) return invalid('Detail', 'Detail is a required argument.');
    const detail = parseJson(entry.Detail);
    if (!detail.ok || !isPlainObject(detail.value))
      return { code: 'MalformedDetail', message: 'Detail is malformed.' };
    return undefined;
  };

  const accept = (entry: PutEventsEntry): LocalEvent => {
    const event: LocalEvent = {
      id: randomUUID(),
      time: (entry.Time == null ? clock() : new Date(entry.Time * 1000)).toISOString(),
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
      eventBusName: busName(entry.EventBusName),
      resources: [...(entry.Resources ?? [])],
    };
    positions.set(event.id, events.length);
    events.push(event);
    log(eventLine(clock(), event));
    notify(event);
    return event;
  };

  const putEvents = (input: unknown): { status: number; body: unknown } => {
    const request = putEventsRequestSchema.safeParse(input);
    if (!request.success) return awsErrorBody(serializationError(request.error));
    const entries = request.data.Entries;
    if (entries == null || entries.length === 0)
      return awsErrorBody({
        status: 400,
        type: 'ValidationException',
        message: `1 validation error detected: Value ${entries == null ? 'null' : '[]'} at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      });
    if (entries.length > MAX_PUT_EVENTS_ENTRIES)
      return awsErrorBody({
        status: 400,
        type: 'ValidationException',
        message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES} (got ${entries.length})`,
      });
    const size = entries.reduce(
      (sum, e) =>
        sum +
        putEventsEntrySize({
          Time: e.Time == null ? undefined : new Date(e.Time * 1000),
          Source: e.Source ?? undefined,
          DetailType: e.DetailType ?? undefined,
          Detail: e.Detail ?? undefined,
          Resources: e.Resources ?? undefined,
        }),
      0,
    );
    if (size > maxRequestBytes) {
      log(
        `${clockTime(clock())} PutEvents rejected: the entries are ${size} bytes by the entry-size formula, over ${maxRequestBytes}`,
      );
      // EventBridge's wording (awslabs/aws-service-catalog-puppet#563); sizes go to the log.
      return awsErrorBody({
        status: 400,
        type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
    }
    const results: EntryResult[] = entries.map((entry) => {
      const problem = entryProblem(entry) ?? injectedEntryFailure();
      if (problem === undefined) return { EventId: accept(entry).id };
      log(
        `${clockTime(clock())} rejected ${entry.DetailType || '?'} ${entry.Source || '?'}: ${problem.code} ${problem.message}`,
      );
      return { ErrorCode: problem.code, ErrorMessage: problem.message };
    });
    return {
      status: 200,
      body: {
        FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
        Entries: results,
      },
    };
  };

  /** DescribeEventBus: the bus when it is known (by name or ARN), else ResourceNotFound. */
  const describeEventBus = (input: unknown): { status: number; body: unknown } => {
    const request = describeEventBusRequestSchema.safeParse(input);
    if (!request.success) return awsErrorBody(serializationError(request.error));
    const given = request.data.Name ?? 'default';
    const invalid = busNameProblem(given);
    if (invalid !== undefined)
      return awsErrorBody({
        status: 400,
        type: 'ValidationException',
        message: `1 validation error detected: Value '${given}' at 'name' failed to satisfy constraint: Member must ${invalid}`,
      });
    const { name, arnRegion, arnAccount } = parseBusName(given);
    const created = buses.get(name);
    const here = (arnRegion ?? region) === region && (arnAccount ?? accountId) === accountId;
    if (created === undefined || !here) {
      log(`${clockTime(clock())} DescribeEventBus ${given}: no such bus here`);
      // EventBridge's wording, as seen in hashicorp/terraform-provider-aws#31634.
      return awsErrorBody({
        status: 400,
        type: 'ResourceNotFoundException',
        message: `Event bus ${name} does not exist.`,
      });
    }
    const seconds = created.getTime() / 1000;
    return {
      status: 200,
      body: {
        Name: name,
        Arn: `arn:aws:events:${region}:${accountId}:event-bus/${name}`,
        CreationTime: seconds,
        LastModifiedTime: seconds,
      },
    };
  };

  const injectedEntryFailure = (): { code: string; message: string } | undefined => {
    if (faults.failRate <= 0 || random() >= faults.failRate) return undefined;
    return {
      code: faults.errorCode,
      message:
        faults.errorCode === 'ThrottlingException'
          ? 'Rate exceeded (injected).'
          : 'Internal service error (injected).',
    };
  };

  const sendMessage = (input: unknown): { status: number; body: unknown } => {
    const request = sendMessageRequestSchema.safeParse(input);
    if (!request.success) return awsErrorBody(serializationError(request.error));
    const { QueueUrl: queueUrl, MessageBody: body } = request.data;
    if (!queueUrl)
      return awsErrorBody({
        status: 400,
        type: 'MissingParameter',
        message: 'The request must contain the parameter QueueUrl.',
      });
    if (!body)
      return awsErrorBody({
        status: 400,
        type: 'MissingParameter',
        message: 'The request must contain the parameter MessageBody.',
      });
    const attributes: Record<string, SqsMessageAttribute> = {};
    for (const [name, a] of Object.entries(request.data.MessageAttributes ?? {})) {
      attributes[name] = {
        DataType: a.DataType,
        ...(a.StringValue == null ? {} : { StringValue: a.StringValue }),
        ...(a.BinaryValue == null ? {} : { BinaryValue: a.BinaryValue }),
      };
    }
    const parsed = parseJson(body);
    const message: DlqMessage = {
      id: randomUUID(),
      queue: queueName(queueUrl),
      body: parsed.ok ? parsed.value : body,
      attributes,
      receivedAt: clock().toISOString(),
    };
    queued.push({ message, body, visibleAt: 0 });
    log(`${clockTime(clock())} DLQ ${message.queue} message ${message.id}`);
    return {
      status: 200,
      body: {
        MessageId: message.id,
        MD5OfMessageBody: md5Hex(Buffer.from(body, 'utf8')),
        ...(Object.keys(attributes).length === 0
          ? {}
          : { MD5OfMessageAttributes: sqsMessageAttributesMd5(attributes) }),
      },
    };
  };

  const missing = (parameter: string): { status: number; body: unknown } =>
    awsErrorBody({
      status: 400,
      type: 'MissingParameter',
      message: `The request must contain the parameter ${parameter}.`,
    });
  const invalidValue = (
    parameter: string,
    value: unknown,
    reason: string,
  ): { status: number; body: unknown } =>
    awsErrorBody({
      status: 400,
      type: 'InvalidParameterValue',
      message: `Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`,
    });
  const visibilityProblem = (seconds: number | null | undefined) =>
    seconds != null &&
    (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_TIMEOUT_SECONDS)
      ? invalidValue(
          'VisibilityTimeout',
          seconds,
          `Must be between 0 and ${MAX_VISIBILITY_TIMEOUT_SECONDS}, if provided.`,
        )
      : undefined;

  /** Visible messages of the queue, oldest first; they become invisible for the timeout. */
  const receiveMessage = (input: unknown): { status: number; body: unknown } => {
    const request = receiveMessageRequestSchema.safeParse(input);
    if (!request.success) return awsErrorBody(serializationError(request.error));
    const {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: timeout,
    } = request.data;
    if (!queueUrl) return missing('QueueUrl');
    if (max != null && (!Number.isInteger(max) || max < 1 || max > 10))
      return invalidValue('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
    const problem = visibilityProblem(timeout);
    if (problem !== undefined) return problem;
    const now = clock().getTime();
    const queue = queueName(queueUrl);
    const wanted = request.data.MessageAttributeNames ?? [];
    const selected = (name: string) =>
      wanted.some(
        (w) =>
          w === 'All' ||
          w === '.*' ||
          w === name ||
          (w.endsWith('.*') && name.startsWith(w.slice(0, -1))),
      );
    const received = queued
      .filter((q) => q.message.queue === queue && q.visibleAt <= now)
      .slice(0, max ?? 1);
    const answered = received.map((q) => {
      const receiptHandle = `${q.message.id}#${randomUUID()}`;
      q.receiptHandle = receiptHandle;
      q.visibleAt = now + (timeout ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS) * 1000;
      receipts.set(receiptHandle, q);
      const attributes = Object.fromEntries(
        Object.entries(q.message.attributes).filter(([name]) => selected(name)),
      );
      const withAttributes = Object.keys(attributes).length > 0;
      return {
        MessageId: q.message.id,
        ReceiptHandle: receiptHandle,
        MD5OfBody: md5Hex(Buffer.from(q.body, 'utf8')),
        Body: q.body,
        ...(withAttributes
          ? {
              MessageAttributes: attributes,
              MD5OfMessageAttributes: sqsMessageAttributesMd5(attributes),
            }
          : {}),
      };
    });
    return { status: 200, body: answered.length === 0 ? {} : { Messages: answered } };
  };

  /** The message a receipt handle of this queue was handed out for, or the error answer. */
  const byReceipt = (
    input: unknown,
  ):
    | { ok: true; message: QueuedMessage | undefined; timeout: number | null | undefined }
    | { ok: false; result: { status: number; body: unknown } } => {
    const request = receiptRequestSchema.safeParse(input);
    if (!request.success)
      return { ok: false, result: awsErrorBody(serializationError(request.error)) };
    const { QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: timeout } = request.data;
    if (!queueUrl) return { ok: false, result: missing('QueueUrl') };
    if (!handle) return { ok: false, result: missing('ReceiptHandle') };
    const found = receipts.get(handle);
    if (found === undefined || found.message.queue !== queueName(queueUrl))
      return {
        ok: false,
        result: awsErrorBody({
          status: 400,
          type: 'ReceiptHandleIsInvalid',
          message: `The input receipt handle "${handle}" is not a valid receipt handle.`,
        }),
      };
    // A handle of a message deleted since: SQS answers a delete with success.
    return { ok: true, message: queued.includes(found) ? found : undefined, timeout };
  };

  const deleteMessage = (input: unknown): { status: number; body: unknown } => {
    const found = byReceipt(input);
    if (!found.ok) return found.result;
    if (found.message !== undefined) {
      queued.splice(queued.indexOf(found.message), 1);
      log(
        `${clockTime(clock())} DLQ ${found.message.message.queue} deleted ${found.message.message.id}`,
      );
    }
    return { status: 200, body: {} };
  };

  const changeMessageVisibility = (input: unknown): { status: number; body: unknown } => {
    const found = byReceipt(input);
    if (!found.ok) return found.result;
    if (found.timeout == null) return missing('VisibilityTimeout');
    const problem = visibilityProblem(found.timeout);
    if (problem !== undefined) return problem;
    if (found.message === undefined)
      return awsErrorBody({
        status: 400,
        type: 'InvalidParameterValue',
        message:
          'Value for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.',
      });
    found.message.visibleAt = clock().getTime() + found.timeout * 1000;
    return { status: 200, body: {} };
  };

  const getQueueAttributes = (input: unknown): { status: number; body: unknown } => {
    const request = getQueueAttributesRequestSchema.safeParse(input);
    if (!request.success) return awsErrorBody(serializationError(request.error));
    if (!request.data.QueueUrl) return missing('QueueUrl');
    const queue = queueName(request.data.QueueUrl);
    const now = clock().getTime();
    const inQueue = queued.filter((q) => q.message.queue === queue);
    const visible = inQueue.filter((q) => q.visibleAt <= now).length;
    const known: Record<string, string> = {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inQueue.length - visible),
    };
    const wanted = request.data.AttributeNames ?? [];
    const attributes = Object.fromEntries(
      Object.entries(known).filter(([name]) => wanted.includes('All') || wanted.includes(name)),
    );
    return {
      status: 200,
      body: Object.keys(attributes).length === 0 ? {} : { Attributes: attributes },
    };
  };

  const handleAws = async (
    target: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const contentType = target.startsWith('AmazonSQS.') ? JSON_1_0 : JSON_1_1;
    const answer = (status: number, body: unknown) =>
      sendJson(response, status, body, {
        'content-type': contentType,
        'x-amzn-requestid': randomUUID(),
      });
    if (!hasMediaType(request.headers['content-type'], [contentType])) {
      // What AWS answers is undocumented; the SDK never sends another type.
      request.resume();
      const refused = awsErrorBody({
        status: 415,
        type: 'UnsupportedMediaTypeException',
        message: `Content-Type must be ${contentType} for ${target || 'an AWS JSON request'}; got ${request.headers['content-type'] ?? 'none'}`,
      });
      answer(refused.status, refused.body);
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      await tooLarge(request, response);
      return;
    }
    if (target === PUT_EVENTS && faults.latencyMs > 0)
      await sleep(faults.latencyMs, undefined, { signal: closing.signal });
    const text = raw.toString('utf8');
    const input = text.trim() === '' ? { ok: true as const, value: {} } : parseJson(text);
    let result: { status: number; body: unknown };
    if (!input.ok) {
      result = awsErrorBody({
        status: 400,
        type: 'SerializationException',
        message: `The request body is not valid JSON: ${input.error}`,
      });
    } else if (target === PUT_EVENTS) {
      if (faults.requestFailRate > 0 && random() < faults.requestFailRate) {
        log(`${clockTime(clock())} PutEvents answered with an injected HTTP 500`);
        result = awsErrorBody({ status: 500, type: 'InternalException', message: 'injected' });
      } else {
        result = putEvents(input.value);
        if (
          result.status === 200 &&
          faults.lostResponseRate > 0 &&
          random() < faults.lostResponseRate
        ) {
          log(
            `${clockTime(clock())} PutEvents accepted, then answered with an injected HTTP 500 (lost response)`,
          );
          result = awsErrorBody({
            status: 500,
            type: 'InternalException',
            message: 'injected after acceptance',
          });
        }
      }
    } else if (target === DESCRIBE_EVENT_BUS) {
      result = describeEventBus(input.value);
    } else if (target === SEND_MESSAGE) {
      result = sendMessage(input.value);
    } else if (target === RECEIVE_MESSAGE) {
      result = receiveMessage(input.value);
    } else if (target === DELETE_MESSAGE) {
      result = deleteMessage(input.value);
    } else if (target === CHANGE_MESSAGE_VISIBILITY) {
      result = changeMessageVisibility(input.value);
    } else if (target === GET_QUEUE_ATTRIBUTES) {
      result = getQueueAttributes(input.value);
    } else {
      result = awsErrorBody({
        status: 400,
        type: 'UnknownOperationException',
        message: `The local bus does not implement ${target || 'an operation without x-amz-target'}; it answers ${[PUT_EVENTS, DESCRIBE_EVENT_BUS, SEND_MESSAGE, RECEIVE_MESSAGE, DELETE_MESSAGE, CHANGE_MESSAGE_VISIBILITY, GET_QUEUE_ATTRIBUTES].join(', ')}.`,
      });
    }
    answer(result.status, result.body);
  };

  /**
   * AWS's front end answers an oversize request 413 with an empty body and closes the
   * connection (boto/boto3#3411); the body is drained first so the client reads the answer.
   */
  const tooLarge = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    log(`${clockTime(clock())} request body over ${maxBodyBytes} bytes: answered 413`);
    await finished(request).catch(() => undefined);
    response.writeHead(413, { 'content-length': '0', connection: 'close' });
    response.end();
  };

  const handleFaults = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET') return sendJson(response, 200, faults);
    if (request.method === 'DELETE') {
      faults = NO_FAULTS;
      log(`${clockTime(clock())} faults cleared`);
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'POST') return methodNotAllowed(request, response, 'GET, POST, DELETE');
    if (!hasMediaType(request.headers['content-type'], ['application/json'])) {
      request.resume();
      return sendProblem(
        response,
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        `Content-Type must be application/json; got ${request.headers['content-type'] ?? 'none'}`,
      );
    }
    let raw: Buffer;
    try {
      raw = await readBody(request, MAX_FAULTS_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendProblem(response, 413, 'payload-too-large', 'Payload Too Large', error.message);
    }
    const input = parseJson(raw.toString('utf8'));
    if (!input.ok)
      return sendProblem(
        response,
        400,
        'malformed-json',
        'Malformed JSON',
        `the body is not valid JSON: ${input.error}`,
      );
    const parsed = faultsSchema.safeParse(input.value);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({
        pointer: jsonPointer(issue.path),
        detail: issue.message,
      }));
      return sendProblem(
        response,
        400,
        'validation-failed',
        'Invalid Faults',
        errors.map((e) => (e.pointer === '' ? e.detail : `${e.pointer}: ${e.detail}`)).join('; '),
        errors,
      );
    }
    faults = normalizeFaults(parsed.data);
    log(`${clockTime(clock())} faults now ${JSON.stringify(faults)}`);
    return sendJson(response, 200, faults);
  };

  const handleEvents = (url: URL, request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET') return methodNotAllowed(request, response, 'GET');
    const since = url.searchParams.get('since');
    if (since === null) return sendJson(response, 200, events);
    const position = positions.get(since);
    if (position === undefined)
      return sendProblem(
        response,
        400,
        'unknown-event',
        'Unknown Event',
        `since=${since} is not the id of an event this bus accepted (it holds ${events.length} events; ids are the EventIds PutEvents returned)`,
      );
    return sendJson(response, 200, events.slice(position + 1));
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (refuseForeignRequest(request, response)) return;
    const url = new URL(request.url ?? '/', 'http://local');
    if (url.pathname === '/events') return handleEvents(url, request, response);
    if (url.pathname === '/faults') return handleFaults(request, response);
    if (url.pathname === '/dlq') {
      if (request.method !== 'GET') return methodNotAllowed(request, response, 'GET');
      return sendJson(response, 200, listMessages());
    }
    // AWS JSON protocols post to `/`; an SQS client without `endpoint` posts to the queue
    // URL's origin, but tolerate a path too when the target header says what it is.
    const target = request.headers['x-amz-target'];
    if (request.method === 'POST' && (url.pathname === '/' || typeof target === 'string'))
      return handleAws(typeof target === 'string' ? target : '', request, response);
    request.resume();
    sendProblem(
      response,
      404,
      'not-found',
      'Not Found',
      `no route for ${request.method} ${url.pathname}; the local bus answers POST / (AWS JSON), GET /events, GET /dlq and GET|POST|DELETE /faults`,
    );
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (closing.signal.aborted || response.headersSent) {
        response.destroy();
        return;
      }
      sendProblem(response, 500, 'internal', 'Internal Server Error', String(error));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    accepted: () => [...events],
    dlqMessages: listMessages,
    faults: () => faults,
    setFaults: (input) => {
      faults = normalizeFaults(faultsSchema.parse(input));
      return faults;
    },
    clearFaults: () => {
      faults = NO_FAULTS;
    },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close: async () => {
      closing.abort();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error === undefined ? resolve() : reject(error))),
      );
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Faults with every field filled (absent: no fault). */
function normalizeFaults(input: z.output<typeof faultsSchema>): Faults {
  return Object.freeze({
    failRate: input.failRate ?? NO_FAULTS.failRate,
    errorCode: input.errorCode ?? NO_FAULTS.errorCode,
    requestFailRate: input.requestFailRate ?? NO_FAULTS.requestFailRate,
    latencyMs: input.latencyMs ?? NO_FAULTS.latencyMs,
    lostResponseRate: input.lostResponseRate ?? NO_FAULTS.lostResponseRate,
  });
}

function awsErrorBody(error: AwsError): { status: number; body: unknown } {
  return { status: error.status, body: { __type: error.type, message: error.message } };
}

function serializationError(error: z.ZodError): AwsError {
  const issue = error.issues[0];
  const where = issue === undefined ? '' : issue.path.map(String).join('.');
  return {
    status: 400,
    type: 'SerializationException',
    message: `Cannot deserialize the request${where === '' ? '' : ` at ${where}`}: ${issue?.message ?? 'invalid'}`,
  };
}

function methodNotAllowed(request: IncomingMessage, response: ServerResponse, allow: string) {
  request.resume();
  response.setHeader('allow', allow);
  sendProblem(
    response,
    405,
    'method-not-allowed',
    'Method Not Allowed',
    `${request.method} is not allowed here; use ${allow}`,
  );
}

/** `default`, the name given, or the name inside an event-bus ARN. */
function busName(name: string | null | undefined): string {
  if (!name) return 'default';
  return parseBusName(name).name;
}

/** The bus name of a name or event-bus ARN, with the ARN's region and account if any. */
function parseBusName(nameOrArn: string): {
  name: string;
  arnRegion?: string;
  arnAccount?: string;
} {
  const arn = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
  if (arn === null) return { name: nameOrArn };
  const [, arnRegion = '', arnAccount = '', name = ''] = arn;
  return { name, arnRegion, arnAccount };
}

/** Why `Name` breaks DescribeEventBus's constraints (AWS's wording), or undefined. */
function busNameProblem(name: string): string | undefined {
  if (name.length < 1) return 'have length greater than or equal to 1';
  if (name.length > MAX_EVENT_BUS_NAME_LENGTH)
    return `have length less than or equal to ${MAX_EVENT_BUS_NAME_LENGTH}`;
  if (!EVENT_BUS_NAME_PATTERN.test(name))
    return `satisfy regular expression pattern: ${EVENT_BUS_NAME_PATTERN.source.slice(1, -1)}`;
  return undefined;
}

/** The default raw body cap: JSON escaping can make the wire body several times the formula size. */
function defaultMaxBodyBytes(maxRequestBytes: number): number {
  return Math.max(maxRequestBytes * 8, 1024 * 1024) + 64 * 1024;
}

/** Fails early, naming the bad value, on options the bus cannot work with. */
function validateOptions(options: EventBusServerOptions): void {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new LocalRuntimeError(`${name} must be a positive integer, got ${value}`);
  };
  positive('maxRequestBytes', options.maxRequestBytes);
  positive('maxBodyBytes', options.maxBodyBytes);
  // It answers loopback hosts only (refuseForeignRequest): listening elsewhere would only
  // expose it to the network.
  if (options.host !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(options.host))
    throw new LocalRuntimeError(
      `host must be a loopback address (127.0.0.1, ::1 or localhost), got ${options.host}`,
    );
  for (const name of options.eventBuses ?? [])
    if (!BUS_NAME_PATTERN.test(name))
      throw new LocalRuntimeError(
        `eventBuses holds ${JSON.stringify(name)}, which is not an event bus name (1..256 of A-Z a-z 0-9 . - _ /)`,
      );
}

/** The queue name of a queue URL (its last path segment). */
function queueName(queueUrl: string): string {
  const path = URL.canParse(queueUrl) ? new URL(queueUrl).pathname : queueUrl;
  return (
    path
      .split('/')
      .filter((s) => s !== '')
      .at(-1) ?? queueUrl
  );
}

/** `HH:MM:SS.mmm` in local time. */
function clockTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** One readable line per accepted event: `12:00:01.123 OrderCreated com.example.orders Order#42 seq 1`. */
function eventLine(now: Date, event: LocalEvent): string {
  const { aggregateType, aggregateId, sequence } = event.detail;
  const subject =
    typeof aggregateId === 'string' || typeof aggregateId === 'number'
      ? `${typeof aggregateType === 'string' ? aggregateType : '?'}#${aggregateId}${typeof sequence === 'number' ? ` seq ${sequence}` : ''}`
      : event.id;
  const bus = event.eventBusName === 'default' ? '' : ` (${event.eventBusName})`;
  return `${clockTime(now)} ${event.detailType} ${event.source} ${subject}${bus}`;
}

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * MD5 of message attributes as SQS computes `MD5OfMessageAttributes`: attributes sorted
 * by name; each as name, data type (both length-prefixed), a transport byte (1 string,
 * 2 binary) and the length-prefixed value. Lengths are 4-byte big-endian.
 */
export function sqsMessageAttributesMd5(
  attributes: Readonly<Record<string, SqsMessageAttribute>>,
): string {
  const parts: Buffer[] = [];
  const withLength = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    parts.push(length, value);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.StringValue !== undefined) {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue, 'utf8'));
    } else if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue, 'base64'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
