/**
 * DynamoDB Stream records as Lambda delivers them, in the shapes AWS documents (not from
 * memory):
 *
 * - "Using AWS Lambda with Amazon DynamoDB", example event
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-sample-dynamodb):
 *   each record has `eventID`, `eventName`, `eventVersion`, `eventSource: 'aws:dynamodb'`,
 *   `awsRegion`, `eventSourceARN` and `dynamodb` { `ApproximateCreationDateTime` (epoch
 *   seconds), `Keys`, `NewImage` / `OldImage`, `SequenceNumber`, `SizeBytes`,
 *   `StreamViewType` }; on a NEW_AND_OLD_IMAGES stream an INSERT carries `NewImage`, a
 *   MODIFY both images and a REMOVE `OldImage`.
 * - DynamoDB Streams `StreamRecord` API reference
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html):
 *   KEYS_ONLY captures only the key attributes, NEW_IMAGE the item as it appeared after
 *   the change, OLD_IMAGE as it appeared before, NEW_AND_OLD_IMAGES both;
 *   `SequenceNumber` is 21 to 40 characters. So on the outbox's NEW_IMAGE stream a
 *   MODIFY carries `NewImage` only and a REMOVE carries `Keys` only (no item after it).
 * - "DynamoDB Streams and Time to Live"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html)
 *   and the streams `Record` API reference: an item deleted by TTL arrives as a REMOVE
 *   with `userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }`.
 *
 * Items are plain objects (marshalled like the SDK does); a number JavaScript cannot hold
 * exactly is written as `NumberValue.from('1.2345E+40')`.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { PK, SK } from '../../lambdas/outbox/index.js';

/** What a stream captures of each change (the table's StreamSpecification). */
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** An item of the table, before marshalling (an `OutboxRecord`, or any other item). */
export type StreamItem = object;

/** What a test may set on a stream record; everything has a default. */
export interface StreamRecordOptions {
  /** @default - the next number of {@link nextSequenceNumber} */
  readonly sequenceNumber?: string;
  /** ApproximateCreationDateTime, epoch seconds. @default - 2025-11-25T10:00:00Z */
  readonly createdAtSeconds?: number;
  /** @default 'NEW_IMAGE' (what the outbox table's stream captures) */
  readonly viewType?: StreamViewType;
}

const OUTBOX_STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/2026-11-25T00:00:00.000';
/** The TTL process, as the stream names it. */
const TTL_DELETION_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

let sequence = 100_000_000_000_000_000_000n;

/** A stream sequence number (21 digits and up), increasing across the whole test file. */
export function nextSequenceNumber(): string {
  sequence += 1n;
  return sequence.toString();
}

/**
 * The stream record of an item's INSERT (on a NEW_IMAGE stream unless told otherwise).
 *
 * @example
 * streamEvent([insertOf(record)]);
 */
export function insertOf(item: StreamItem, options: StreamRecordOptions = {}): DynamoDBRecord {
  return streamRecord('INSERT', { after: item }, options);
}

/**
 * The stream record of an update from `before` to `after`: on a NEW_IMAGE stream it
 * carries `after` only.
 *
 * @example
 * modifyOf(record, { ...record, status: 'DELIVERED' });
 */
export function modifyOf(
  before: StreamItem,
  after: StreamItem,
  options: StreamRecordOptions = {},
): DynamoDBRecord {
  return streamRecord('MODIFY', { before, after }, options);
}

/**
 * The stream record of a delete by a caller: on a NEW_IMAGE stream, `Keys` only.
 *
 * @example
 * removeOf(record, { viewType: 'NEW_AND_OLD_IMAGES' });
 */
export function removeOf(item: StreamItem, options: StreamRecordOptions = {}): DynamoDBRecord {
  return streamRecord('REMOVE', { before: item }, options);
}

/**
 * The stream record of a delete by TTL: a REMOVE with the TTL service's `userIdentity`.
 *
 * @example
 * ttlRemoveOf({ ...record, status: 'DELIVERED', expiresAt: 1_764_000_000 });
 */
export function ttlRemoveOf(item: StreamItem, options: StreamRecordOptions = {}): DynamoDBRecord {
  return { ...removeOf(item, options), userIdentity: { ...TTL_DELETION_IDENTITY } };
}

/** A stream batch. */
export function streamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}

/** One record: the images its view type captures, and the envelope Lambda adds. */
function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  change: { readonly before?: StreamItem; readonly after?: StreamItem },
  options: StreamRecordOptions,
): DynamoDBRecord {
  const viewType = options.viewType ?? 'NEW_IMAGE';
  const sequenceNumber = options.sequenceNumber ?? nextSequenceNumber();
  const item = (change.after ?? change.before) as StreamItem;
  const captured = {
    Keys: keysOf(item),
    ...(change.after && capturesNew(viewType) ? { NewImage: image(change.after) } : {}),
    ...(change.before && capturesOld(viewType) ? { OldImage: image(change.before) } : {}),
  };
  return {
    eventID: createHash('md5').update(sequenceNumber).digest('hex'),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: options.createdAtSeconds ?? 1_764_064_800,
      ...captured,
      SequenceNumber: sequenceNumber,
      // Approximate: the relay never reads it, but AWS always sends it (≥ 1).
      SizeBytes: Math.max(1, Buffer.byteLength(JSON.stringify(captured))),
      StreamViewType: viewType,
    },
    eventSourceARN: OUTBOX_STREAM_ARN,
  };
}

const capturesNew = (viewType: StreamViewType) =>
  viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
const capturesOld = (viewType: StreamViewType) =>
  viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';

/** The key attributes of the outbox table present on the item. */
function keysOf(item: StreamItem): Record<string, AttributeValue> {
  const attributes = item as Readonly<Record<string, unknown>>;
  return image(
    Object.fromEntries(
      [PK, SK].filter((k) => attributes[k] !== undefined).map((k) => [k, attributes[k]]),
    ),
  );
}

function image(item: StreamItem): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true }) as Record<
    string,
    SdkAttributeValue
  > as unknown as Record<string, AttributeValue>;
}
