import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { OutboxAttribute, type OutboxRecord, RecordType } from '../outbox/index.js';

/** One stream record of a batch, decoded. @internal */
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

type Image = Record<string, AttributeValue>;

/**
 * Decodes a stream batch. Only INSERTs of outbox items matter, and that is decided on the
 * raw record (`eventName`, then `NewImage.recordType.S`) before any attribute is
 * converted: MODIFY (our own marking), REMOVE (TTL or not, keys only on a NEW_IMAGE
 * stream), idempotency records and items that are not ours are skipped untouched, so a
 * legal number JavaScript cannot hold (`1.2345E+40`) in them cannot fail the batch. An
 * outbox image that cannot be converted or read is `malformed`, with the reason.
 * @internal
 */
export function decodeStreamEvent(event: DynamoDBStreamEvent): DecodedStreamRecord[] {
  return (event.Records ?? []).map(decodeStreamRecord);
}

function decodeStreamRecord(streamRecord: DynamoDBRecord, index: number): DecodedStreamRecord {
  const dynamodb = streamRecord.dynamodb ?? {};
  const base = {
    index,
    sequenceNumber: dynamodb.SequenceNumber ?? '',
    createdAtMs:
      dynamodb.ApproximateCreationDateTime === undefined
        ? undefined
        : dynamodb.ApproximateCreationDateTime * 1000,
  };
  const newImage = outboxInsertImage(streamRecord);
  if (newImage === undefined) return base;
  const converted = convertImage(newImage);
  const reason = converted.problem ?? malformation(converted.image);
  return reason === undefined
    ? { ...base, record: converted.image as unknown as OutboxRecord }
    : { ...base, malformed: { image: converted.image, reason } };
}

/** The raw NewImage of an outbox INSERT, or undefined for any other stream record. */
function outboxInsertImage(streamRecord: DynamoDBRecord): Image | undefined {
  if (streamRecord.eventName !== 'INSERT') return undefined;
  const newImage = streamRecord.dynamodb?.NewImage as Image | undefined;
  const recordType = newImage?.[OutboxAttribute.recordType];
  return recordType !== undefined && 'S' in recordType && recordType.S === RecordType.outbox
    ? newImage
    : undefined;
}

/**
 * Converts an outbox image to plain values. Numbers beyond ±2^53 cannot be held exactly:
 * the image is then converted again with every number kept as its decimal string, so
 * the DLQ copy loses nothing, and the problem is reported.
 */
function convertImage(newImage: Image): {
  readonly image: Record<string, unknown>;
  readonly problem?: string;
} {
  try {
    return { image: unmarshall(newImage, { wrapNumbers: exactNumber }) };
  } catch (error) {
    const problem = `the image cannot be converted: ${(error as Error).message}`;
    try {
      return { image: unmarshall(newImage, { wrapNumbers: (text) => text }), problem };
    } catch {
      // Not even a well-formed attribute map: keep it as DynamoDB sent it.
      return { image: { ...newImage }, problem };
    }
  }
}

/** A DynamoDB number as a JS number, refusing one that would lose its integer digits. */
function exactNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`number ${text} is beyond what a JavaScript number holds exactly`);
  }
  return value;
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
