import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { OutboxRecord } from '../../lambdas/outbox/index.js';

let sequence = 100_000_000_000_000_000_000;

/** A stream sequence number, increasing across the whole test file. */
export function nextSequenceNumber(): string {
  sequence += 1;
  return sequence.toLocaleString('fullwide', { useGrouping: false });
}

const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true }) as Record<
    string,
    SdkAttributeValue
  > as unknown as Record<string, AttributeValue>;

/**
 * The stream record of an outbox item's INSERT, as Lambda delivers it (NEW_IMAGE view).
 *
 * @example
 * streamEvent([insertOf(record)]);
 */
export function insertOf(
  item: OutboxRecord | Record<string, unknown>,
  options: { readonly sequenceNumber?: string; readonly createdAtSeconds?: number } = {},
): DynamoDBRecord {
  const record = item as Record<string, unknown>;
  return {
    eventID: `evt-${options.sequenceNumber ?? nextSequenceNumber()}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: options.createdAtSeconds ?? 1_764_064_800,
      Keys: image({ pk: record.pk, sk: record.sk }),
      NewImage: image(record),
      SequenceNumber: options.sequenceNumber ?? nextSequenceNumber(),
      SizeBytes: 512,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/2026-11-25T00:00:00.000',
  };
}

/** A MODIFY (our own marking) or REMOVE (TTL) stream record of an item. */
export function changeOf(eventName: 'MODIFY' | 'REMOVE', item: OutboxRecord): DynamoDBRecord {
  const insert = insertOf(item);
  return {
    ...insert,
    eventName,
    dynamodb: {
      ...insert.dynamodb,
      ...(eventName === 'REMOVE'
        ? { NewImage: undefined, OldImage: insert.dynamodb?.NewImage }
        : {}),
    },
  };
}

/** A stream batch. */
export function streamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}
