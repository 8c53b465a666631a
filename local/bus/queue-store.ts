import { randomUUID } from 'node:crypto';
import { parseJson } from '../http-json.js';
import { AwsServiceError } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { type SqsMessageAttribute, sqsBodyMd5, sqsMessageAttributesMd5 } from './sqs-md5.js';
import type {
  GetQueueAttributesRequest,
  ReceiptRequest,
  ReceiveMessageRequest,
  SendMessageRequest,
} from './sqs-requests.js';

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

/** What SendMessage answers. */
export interface SendMessageOutput {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string;
}

/** One message as ReceiveMessage returns it. */
export interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  readonly MessageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
  readonly MD5OfMessageAttributes?: string;
}

/** What ReceiveMessage answers: no `Messages` at all when none is visible. */
export interface ReceiveMessageOutput {
  readonly Messages?: readonly ReceivedMessage[];
}

/** What GetQueueAttributes answers: no `Attributes` when none asked for is known. */
export interface GetQueueAttributesOutput {
  readonly Attributes?: Readonly<Record<string, string>>;
}

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

/** SQS's default visibility timeout of a received message, in seconds. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** SQS's longest visibility timeout (12 hours), in seconds. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/**
 * The local SQS queues (the relay's dead-letter queue, the stream-failure queue): any
 * queue URL names a queue, created on first use. Messages are received oldest first and
 * hidden for their visibility timeout; a receipt handle deletes its message or changes
 * its visibility, as the CLI's `status` and `redrive` use them.
 */
export class QueueStore {
  private readonly queued: QueuedMessage[] = [];
  /** Every receipt handle handed out, to the message it was handed out for. */
  private readonly receipts = new Map<string, QueuedMessage>();

  constructor(private readonly options: { readonly log: BusLog; readonly clock: () => Date }) {}

  /** Messages of every queue not deleted yet, in arrival order. */
  messages(): DlqMessage[] {
    return this.queued.map((q) => q.message);
  }

  sendMessage(request: SendMessageRequest): SendMessageOutput {
    const queueUrl = required('QueueUrl', request.QueueUrl);
    const body = required('MessageBody', request.MessageBody);
    const attributes = messageAttributes(request.MessageAttributes);
    const parsed = parseJson(body);
    const message: DlqMessage = {
      id: randomUUID(),
      queue: queueName(queueUrl),
      body: parsed.ok ? parsed.value : body,
      attributes,
      receivedAt: this.options.clock().toISOString(),
    };
    this.queued.push({ message, body, visibleAt: 0 });
    this.options.log(`DLQ ${message.queue} message ${message.id}`);
    return {
      MessageId: message.id,
      MD5OfMessageBody: sqsBodyMd5(body),
      ...(Object.keys(attributes).length === 0
        ? {}
        : { MD5OfMessageAttributes: sqsMessageAttributesMd5(attributes) }),
    };
  }

  /** Visible messages of the queue, oldest first; they become invisible for the timeout. */
  receiveMessage(request: ReceiveMessageRequest): ReceiveMessageOutput {
    const queueUrl = required('QueueUrl', request.QueueUrl);
    const max = request.MaxNumberOfMessages;
    if (max != null && (!Number.isInteger(max) || max < 1 || max > 10))
      throw invalidValue('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
    checkVisibilityTimeout(request.VisibilityTimeout);
    const now = this.options.clock().getTime();
    const queue = queueName(queueUrl);
    const timeoutMs = (request.VisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS) * 1000;
    const wanted = request.MessageAttributeNames ?? [];
    const received = this.queued
      .filter((q) => q.message.queue === queue && q.visibleAt <= now)
      .slice(0, max ?? 1)
      .map((q) => this.receive(q, now + timeoutMs, wanted));
    return received.length === 0 ? {} : { Messages: received };
  }

  /** Deletes the message of a receipt handle; a handle of a message deleted since succeeds, as in SQS. */
  deleteMessage(request: ReceiptRequest): Record<string, never> {
    const found = this.byReceipt(request);
    if (found !== undefined) {
      this.queued.splice(this.queued.indexOf(found), 1);
      this.options.log(`DLQ ${found.message.queue} deleted ${found.message.id}`);
    }
    return {};
  }

  /** Makes the message of a receipt handle visible again after `VisibilityTimeout` seconds. */
  changeMessageVisibility(request: ReceiptRequest): Record<string, never> {
    const found = this.byReceipt(request);
    const timeout = request.VisibilityTimeout;
    if (timeout == null) throw missing('VisibilityTimeout');
    checkVisibilityTimeout(timeout);
    if (found === undefined)
      throw new AwsServiceError(
        'InvalidParameterValue',
        'Value for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.',
      );
    found.visibleAt = this.options.clock().getTime() + timeout * 1000;
    return {};
  }

  /** `ApproximateNumberOfMessages[NotVisible]`, those asked for (or `All`). */
  getQueueAttributes(request: GetQueueAttributesRequest): GetQueueAttributesOutput {
    const queue = queueName(required('QueueUrl', request.QueueUrl));
    const now = this.options.clock().getTime();
    const inQueue = this.queued.filter((q) => q.message.queue === queue);
    const visible = inQueue.filter((q) => q.visibleAt <= now).length;
    const known: Record<string, string> = {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inQueue.length - visible),
    };
    const wanted = request.AttributeNames ?? [];
    const attributes = Object.fromEntries(
      Object.entries(known).filter(([name]) => wanted.includes('All') || wanted.includes(name)),
    );
    return Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
  }

  /** Hands the message out under a new receipt handle, invisible until `visibleAt`. */
  private receive(q: QueuedMessage, visibleAt: number, wanted: readonly string[]): ReceivedMessage {
    const receiptHandle = `${q.message.id}#${randomUUID()}`;
    q.receiptHandle = receiptHandle;
    q.visibleAt = visibleAt;
    this.receipts.set(receiptHandle, q);
    const attributes = Object.fromEntries(
      Object.entries(q.message.attributes).filter(([name]) => isSelected(name, wanted)),
    );
    return {
      MessageId: q.message.id,
      ReceiptHandle: receiptHandle,
      MD5OfBody: sqsBodyMd5(q.body),
      Body: q.body,
      ...(Object.keys(attributes).length > 0
        ? {
            MessageAttributes: attributes,
            MD5OfMessageAttributes: sqsMessageAttributesMd5(attributes),
          }
        : {}),
    };
  }

  /**
   * The message a receipt handle of this queue was handed out for; undefined when it was
   * deleted since; ReceiptHandleIsInvalid for a handle never handed out for this queue.
   */
  private byReceipt(request: ReceiptRequest): QueuedMessage | undefined {
    const queueUrl = required('QueueUrl', request.QueueUrl);
    const handle = required('ReceiptHandle', request.ReceiptHandle);
    const found = this.receipts.get(handle);
    if (found === undefined || found.message.queue !== queueName(queueUrl))
      throw new AwsServiceError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    return this.queued.includes(found) ? found : undefined;
  }
}

/** The value, or SQS's MissingParameter when it is absent or empty. */
function required(parameter: string, value: string | null | undefined): string {
  if (!value) throw missing(parameter);
  return value;
}

function missing(parameter: string): AwsServiceError {
  return new AwsServiceError(
    'MissingParameter',
    `The request must contain the parameter ${parameter}.`,
  );
}

function invalidValue(parameter: string, value: unknown, reason: string): AwsServiceError {
  return new AwsServiceError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`,
  );
}

function checkVisibilityTimeout(seconds: number | null | undefined): void {
  if (
    seconds != null &&
    (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_TIMEOUT_SECONDS)
  )
    throw invalidValue(
      'VisibilityTimeout',
      seconds,
      `Must be between 0 and ${MAX_VISIBILITY_TIMEOUT_SECONDS}, if provided.`,
    );
}

/** The attributes as sent, without the null fields the wire may carry. */
function messageAttributes(
  given: SendMessageRequest['MessageAttributes'],
): Record<string, SqsMessageAttribute> {
  const attributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, a] of Object.entries(given ?? {})) {
    attributes[name] = {
      DataType: a.DataType,
      ...(a.StringValue == null ? {} : { StringValue: a.StringValue }),
      ...(a.BinaryValue == null ? {} : { BinaryValue: a.BinaryValue }),
    };
  }
  return attributes;
}

/** Whether `MessageAttributeNames` asks for the attribute: `All`, `.*`, its name or a `prefix.*`. */
function isSelected(name: string, wanted: readonly string[]): boolean {
  return wanted.some(
    (w) =>
      w === 'All' ||
      w === '.*' ||
      w === name ||
      (w.endsWith('.*') && name.startsWith(w.slice(0, -1))),
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
