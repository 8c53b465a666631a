import { gzipSync } from 'node:zlib';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { OutboxError } from './errors.js';
import type { OutboxRecord } from './outbox-record.js';
import { sequenceOf } from './schema.js';

/**
 * Why a record was quarantined: the code and message EventBridge gave (or the relay's
 * own: `EntryTooLarge` for an event above the PutEvents request limit or refused alone as
 * too large, `MalformedRecord` for a stream image that is not a readable outbox record).
 *
 * @example
 * ```ts
 * import type { PublishFailure } from 'dynamo-outbox/runtime';
 *
 * // Where an operator starts, before redriving: the cause is usually a producer bug.
 * function firstLook(failure: PublishFailure): string {
 *   switch (failure.code) {
 *     case 'EntryTooLarge':
 *       return `an event is too large for PutEvents: shrink the payload (${failure.message})`;
 *     case 'MalformedRecord':
 *       return `not a valid outbox record: written outside the OutboxWriter? (${failure.message})`;
 *     default:
 *       return `EventBridge rejected the event, ${failure.code}: ${failure.message}`;
 *   }
 * }
 * ```
 */
export interface PublishFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * The DLQ message of a quarantined record: everything needed to inspect and redrive it.
 *
 * @example
 * ```ts
 * import { gunzipSync } from 'node:zlib';
 * import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
 * import type { CompressedQuarantineMessage, QuarantineMessage } from 'dynamo-outbox/runtime';
 *
 * // Peek at the poison-record DLQ: received, never deleted, visible again after 30 s.
 * const { Messages = [] } = await new SQSClient({}).send(
 *   new ReceiveMessageCommand({
 *     QueueUrl: process.env.DLQ_URL ?? '',
 *     MaxNumberOfMessages: 10,
 *     VisibilityTimeout: 30,
 *   }),
 * );
 * for (const { Body } of Messages) {
 *   if (Body === undefined) continue;
 *   const body = JSON.parse(Body) as QuarantineMessage | CompressedQuarantineMessage;
 *   // Too large for SQS as plain JSON: the relay gzipped it and base64-encoded the result.
 *   const message: QuarantineMessage =
 *     body.kind === 'dynamo-outbox.poison-record.gzip'
 *       ? JSON.parse(gunzipSync(Buffer.from(body.payload, 'base64')).toString())
 *       : body;
 *   const { record, failure, acceptedEventIds } = message;
 *   // Events EventBridge accepted before the failure are out already: only the others are missing.
 *   const missing = record.events.filter((event) => !acceptedEventIds.includes(event.eventId));
 *   const names = missing.map((event) => `#${event.sequence} ${event.detailType}`);
 *   console.log(`${record.pk}/${record.sk} ${failure.code}: ${names.join(', ')}`);
 * }
 * ```
 */
export interface QuarantineMessage {
  readonly kind: 'dynamo-outbox.poison-record';
  readonly quarantinedAt: string;
  readonly failure: PublishFailure;
  /** Events of the record EventBridge accepted before the failure (in order). */
  readonly acceptedEventIds: readonly string[];
  /** The whole outbox record, events and payloads included. */
  readonly record: OutboxRecord;
}

/**
 * The DLQ message body when the plain JSON would not fit: gzip, then base64.
 *
 * @example
 * ```ts
 * import { gunzipSync } from 'node:zlib';
 * import type { CompressedQuarantineMessage, QuarantineMessage } from 'dynamo-outbox/runtime';
 *
 * // A DLQ message body is a QuarantineMessage, or its JSON gzipped and base64-encoded
 * // when the record was too large for SQS as it is.
 * function decodeDlqBody(body: string): QuarantineMessage {
 *   const parsed = JSON.parse(body) as QuarantineMessage | CompressedQuarantineMessage;
 *   if (parsed.kind !== 'dynamo-outbox.poison-record.gzip') return parsed;
 *   const json = gunzipSync(Buffer.from(parsed.payload, 'base64')).toString('utf8');
 *   return JSON.parse(json) as QuarantineMessage;
 * }
 * ```
 */
export interface CompressedQuarantineMessage {
  readonly kind: 'dynamo-outbox.poison-record.gzip';
  readonly encoding: 'gzip+base64';
  readonly payload: string;
}

/**
 * The message attributes that let an operator filter the DLQ without opening messages.
 * A malformed image may lack a key or have a sort key that is not a sequence: it gets the
 * labels it can, so it still reaches the queue (the DLQ copy may be all there is of it).
 */
function labels(
  record: OutboxRecord,
  failure: PublishFailure,
): Record<string, { DataType: 'String' | 'Number'; StringValue: string }> {
  const attributes: Record<string, { DataType: 'String' | 'Number'; StringValue: string }> = {};
  const { pk, sk } = record as { pk?: unknown; sk?: unknown };
  if (typeof pk === 'string' && pk !== '') {
    attributes.aggregateKey = { DataType: 'String', StringValue: pk };
  }
  const sequence = sequenceOf(sk);
  if (sequence !== undefined) {
    attributes.sequence = { DataType: 'Number', StringValue: String(sequence) };
  }
  // SQS rejects empty attribute values.
  attributes.errorCode = { DataType: 'String', StringValue: failure.code || 'Unknown' };
  return attributes;
}

/** SQS's long-standing message size limit, assumed unless told otherwise. */
export const DEFAULT_MAX_DLQ_MESSAGE_BYTES = 256 * 1024;

/**
 * Sends poison records, with their full payload, to the dead-letter queue.
 *
 * @example
 * await new Quarantine({ sqs, queueUrl }).send(record, { code: 'InvalidArgument', message: '…' }, []);
 */
export class Quarantine {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly maxMessageBytes: number;
  private readonly clock: () => Date;

  constructor(options: {
    readonly sqs: SQSClient;
    readonly queueUrl: string;
    /** @default - 262,144 bytes (256 KiB) */
    readonly maxMessageBytes?: number;
    /** @default - the system clock */
    readonly clock?: () => Date;
  }) {
    this.sqs = options.sqs;
    this.queueUrl = options.queueUrl;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_DLQ_MESSAGE_BYTES;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Sends the record to the DLQ. A message above the queue's size limit is gzipped; one
   * that still does not fit is an error, and the record stays PENDING (never dropped).
   * SQS counts the message attributes (names, types and values) towards its size limit,
   * so they are counted here too.
   */
  async send(
    record: OutboxRecord,
    failure: PublishFailure,
    acceptedEventIds: readonly string[],
  ): Promise<void> {
    const message: QuarantineMessage = {
      kind: 'dynamo-outbox.poison-record',
      quarantinedAt: this.clock().toISOString(),
      failure,
      acceptedEventIds,
      record,
    };
    const attributes = labels(record, failure);
    const attributeBytes = Object.entries(attributes).reduce(
      (sum, [name, a]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(a.DataType) +
        Buffer.byteLength(a.StringValue),
      0,
    );
    const bodyLimit = this.maxMessageBytes - attributeBytes;
    let body = JSON.stringify(message);
    if (Buffer.byteLength(body) > bodyLimit) {
      const compressed: CompressedQuarantineMessage = {
        kind: 'dynamo-outbox.poison-record.gzip',
        encoding: 'gzip+base64',
        payload: gzipSync(body).toString('base64'),
      };
      body = JSON.stringify(compressed);
      if (Buffer.byteLength(body) > bodyLimit) {
        throw new OutboxError(
          `poison record ${record.pk}/${record.sk} is too large for the DLQ even compressed (${Buffer.byteLength(body) + attributeBytes} bytes with attributes)`,
        );
      }
    }
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );
  }
}
