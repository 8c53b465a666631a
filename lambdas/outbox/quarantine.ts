import { gzipSync } from 'node:zlib';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { OutboxError } from './errors.js';
import type { OutboxRecord } from './outbox-record.js';
import { sequenceOf } from './schema.js';

/**
 * Why a record was quarantined: the code and message EventBridge gave (or the relay's
 * own: `EntryTooLarge` for an event above the PutEvents request limit or refused alone as
 * too large, `MalformedRecord` for a stream image that is not a readable outbox record).
 */
export interface PublishFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * The DLQ message of a quarantined record: everything needed to inspect and redrive it.
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

/** SQS's long-standing message size limit, assumed unless told otherwise. @internal */
export const DEFAULT_MAX_DLQ_MESSAGE_BYTES = 256 * 1024;

/**
 * Sends poison records, with their full payload, to the dead-letter queue.
 * @internal
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
