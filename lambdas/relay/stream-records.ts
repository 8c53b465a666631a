import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { type OutboxRecord, RecordType } from '../outbox/index.js';

/** One stream record of a batch, decoded. */
export interface DecodedStreamRecord {
  /** Position in the batch (stream order). */
  readonly index: number;
  /** What `batchItemFailures` reports to make Lambda restart here. */
  readonly sequenceNumber: string;
  /** ApproximateCreationDateTime, in epoch ms. */
  readonly createdAtMs: number | undefined;
  /** The outbox record, when this is the INSERT of a well-formed one. */
  readonly record?: OutboxRecord;
  /** An INSERT of an outbox item that cannot be read as a record. */
  readonly malformed?: { readonly image: Record<string, unknown>; readonly reason: string };
}

/**
 * Decodes a stream batch. Only INSERTs of outbox items matter: MODIFY (our own marking)
 * and REMOVE (TTL) are ignored even though the event source mapping filters them out, and
 * so are idempotency records.
 *
 * @example
 * const decoded = decodeStreamEvent(event).filter((d) => d.record !== undefined);
 */
export function decodeStreamEvent(event: DynamoDBStreamEvent): DecodedStreamRecord[] {
  return (event.Records ?? []).map((streamRecord, index): DecodedStreamRecord => {
    const dynamodb = streamRecord.dynamodb ?? {};
    const base = {
      index,
      sequenceNumber: dynamodb.SequenceNumber ?? '',
      createdAtMs:
        dynamodb.ApproximateCreationDateTime === undefined
          ? undefined
          : dynamodb.ApproximateCreationDateTime * 1000,
    };
    if (streamRecord.eventName !== 'INSERT' || dynamodb.NewImage === undefined) return base;
    const image = unmarshall(dynamodb.NewImage as Record<string, AttributeValue>);
    if (image.recordType !== RecordType.outbox) return base;
    const reason = malformation(image);
    return reason === undefined
      ? { ...base, record: image as OutboxRecord }
      : { ...base, malformed: { image, reason } };
  });
}

/** Why an outbox image cannot be relayed, or undefined when it can. */
function malformation(image: Record<string, unknown>): string | undefined {
  if (typeof image.pk !== 'string' || typeof image.sk !== 'string')
    return 'pk and sk must be strings';
  if (!/^\d{16}$/.test(image.sk)) return `sk '${image.sk}' is not a zero-padded sequence`;
  if (
    typeof image.prevSeq !== 'number' ||
    !Number.isSafeInteger(image.prevSeq) ||
    image.prevSeq < 0
  ) {
    return 'prevSeq must be a non-negative integer';
  }
  if (!Array.isArray(image.events) || image.events.length === 0)
    return 'events must be a non-empty list';
  for (const [i, event] of image.events.entries()) {
    const e = event as Record<string, unknown>;
    for (const field of ['eventId', 'source', 'detailType', 'detail', 'time'] as const) {
      if (typeof e?.[field] !== 'string') return `events[${i}].${field} must be a string`;
    }
  }
  return undefined;
}
