import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { OutboxRecord } from '../lambdas/outbox/index.js';

/** Lambda's limit on a synchronous invocation payload: a stream batch is cut before it. */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The construct's default `batchSize`. */
export const DEFAULT_BATCH_SIZE = 100;

const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true }) as Record<
    string,
    SdkAttributeValue
  > as unknown as Record<string, AttributeValue>;

/** The stream record of an outbox INSERT, as Lambda delivers it (NEW_IMAGE view). */
export function insertRecord(record: OutboxRecord, position: number): DynamoDBRecord {
  const sequenceNumber = (100_000_000_000_000_000_000n + BigInt(position)).toString();
  return {
    eventID: `bench-${position}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.parse(record.createdAt) / 1000),
      Keys: image({ pk: record.pk, sk: record.sk }),
      NewImage: image(record as unknown as Record<string, unknown>),
      SequenceNumber: sequenceNumber,
      SizeBytes: 0,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/2026-11-25T00:00:00.000',
  };
}

/** One invocation's batch: the event, and the records it carries. */
export interface StreamBatch {
  readonly event: DynamoDBStreamEvent;
  readonly records: readonly OutboxRecord[];
}

/**
 * Cuts records (in stream order) into invocations as the event source mapping does: at
 * most `batchSize` records, and never more than Lambda's 6 MB payload.
 */
export function lambdaBatches(
  records: readonly OutboxRecord[],
  batchSize: number = DEFAULT_BATCH_SIZE,
): StreamBatch[] {
  const batches: StreamBatch[] = [];
  let current: { records: OutboxRecord[]; stream: DynamoDBRecord[]; bytes: number } | undefined;
  const envelopeBytes = '{"Records":[]}'.length;
  records.forEach((record, position) => {
    const streamRecord = insertRecord(record, position);
    const size = Buffer.byteLength(JSON.stringify(streamRecord), 'utf8') + 1;
    if (
      current !== undefined &&
      (current.records.length >= batchSize ||
        current.bytes + size > MAX_INVOCATION_PAYLOAD_BYTES - envelopeBytes)
    ) {
      batches.push({ event: { Records: current.stream }, records: current.records });
      current = undefined;
    }
    current ??= { records: [], stream: [], bytes: 0 };
    current.records.push(record);
    current.stream.push(streamRecord);
    current.bytes += size;
  });
  if (current !== undefined)
    batches.push({ event: { Records: current.stream }, records: current.records });
  return batches;
}
