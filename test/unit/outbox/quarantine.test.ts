import { gunzipSync } from 'node:zlib';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import type {
  OutboxRecord,
  PublishFailure,
  QuarantineMessage,
} from '../../../lambdas/outbox/index.js';
import {
  type CompressedQuarantineMessage,
  DEFAULT_MAX_DLQ_MESSAGE_BYTES,
  Quarantine,
} from '../../../lambdas/outbox/quarantine.js';
import { FIXED_NOW_ISO, fixedClock } from '../../helpers/outbox-fixtures.js';
import { anOutboxRecord } from '../../helpers/outbox-records.js';

const sqsMock = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq';
const FAILURE: PublishFailure = { code: 'InvalidArgument', message: 'Detail is malformed' };

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

function aQuarantine(maxMessageBytes?: number): Quarantine {
  return new Quarantine({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE_URL,
    clock: fixedClock,
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
  });
}

function sentMessage(): SendMessageCommandInput {
  const calls = sqsMock.commandCalls(SendMessageCommand);
  expect(calls).toHaveLength(1);
  const call = calls[0];
  if (call === undefined) throw new Error('no SendMessageCommand was sent');
  return call.args[0].input;
}

/** The message the quarantine should send for a record, as plain JSON. */
function expectedMessage(
  record: OutboxRecord,
  acceptedEventIds: readonly string[],
): QuarantineMessage {
  return {
    kind: 'dynamo-outbox.poison-record',
    quarantinedAt: FIXED_NOW_ISO,
    failure: FAILURE,
    acceptedEventIds,
    record,
  };
}

/** What SQS counts for the message attributes: every name, data type and value. */
function attributeBytes(input: SendMessageCommandInput): number {
  return Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [name, a]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType ?? '') +
      Buffer.byteLength(a.StringValue ?? ''),
    0,
  );
}

/** Body plus attributes: the size SQS checks against the queue's limit. */
function sqsMessageSize(input: SendMessageCommandInput): number {
  return Buffer.byteLength(input.MessageBody ?? '') + attributeBytes(input);
}

function decodeCompressed(body: string): unknown {
  const compressed = JSON.parse(body) as CompressedQuarantineMessage;
  expect(compressed.kind).toBe('dynamo-outbox.poison-record.gzip');
  expect(compressed.encoding).toBe('gzip+base64');
  return JSON.parse(gunzipSync(Buffer.from(compressed.payload, 'base64')).toString('utf8'));
}

describe('Quarantine.send', () => {
  it('sends the whole record, events and payloads included, with the failure and the accepted event ids', async () => {
    const record = anOutboxRecord({
      aggregate: 'Order#1',
      seq: 7,
      prevSeq: 4,
      resources: ['arn:aws:dynamodb:us-east-1:1:table/orders'],
      traceHeader: 'Root=1-abc',
    });
    const accepted = ['Order#1/7/0'];

    await aQuarantine().send(record, FAILURE, accepted);

    const input = sentMessage();
    expect(input.QueueUrl).toBe(QUEUE_URL);
    const body = JSON.parse(input.MessageBody ?? '') as QuarantineMessage;
    expect(body).toStrictEqual(expectedMessage(record, accepted));
    expect(body.record.events.map((e) => e.detail)).toEqual(record.events.map((e) => e.detail));
    expect(body.record.events).toHaveLength(3);
  });

  it('labels the message with the aggregate key, the sequence and the error code', async () => {
    const record = anOutboxRecord({ aggregate: 'Order#42', seq: 12, prevSeq: 11 });

    await aQuarantine().send(record, FAILURE, []);

    expect(sentMessage().MessageAttributes).toEqual({
      aggregateKey: { DataType: 'String', StringValue: 'Order#42' },
      sequence: { DataType: 'Number', StringValue: '12' },
      errorCode: { DataType: 'String', StringValue: 'InvalidArgument' },
    });
  });

  it('still sends a malformed image without a key, labelled with the error code only', async () => {
    const image = { recordType: 'OUTBOX', status: 'PENDING', events: 'nope' };

    await aQuarantine().send(image as unknown as OutboxRecord, FAILURE, []);

    const input = sentMessage();
    expect(input.MessageAttributes).toEqual({
      errorCode: { DataType: 'String', StringValue: 'InvalidArgument' },
    });
    expect((JSON.parse(input.MessageBody ?? '') as QuarantineMessage).record).toEqual(image);
  });

  it('still sends a record whose sort key is not a sequence, without a sequence label', async () => {
    const record = { ...anOutboxRecord({ aggregate: 'Order#9' }), sk: 'not-a-sequence' };

    await aQuarantine().send(record, FAILURE, []);

    expect(sentMessage().MessageAttributes).toEqual({
      aggregateKey: { DataType: 'String', StringValue: 'Order#9' },
      errorCode: { DataType: 'String', StringValue: 'InvalidArgument' },
    });
  });

  it('gzips and base64-encodes a message above maxMessageBytes, and it decodes to the full message', async () => {
    const record = anOutboxRecord({ aggregate: 'Order#1', events: 4, detailBytes: 5_000 });
    const accepted = ['Order#1/4/0', 'Order#1/4/1'];

    await aQuarantine(8_000).send(record, FAILURE, accepted);

    const input = sentMessage();
    expect(sqsMessageSize(input)).toBeLessThanOrEqual(8_000);
    expect(decodeCompressed(input.MessageBody ?? '')).toStrictEqual(
      expectedMessage(record, accepted),
    );
  });

  it('compresses by default above 256 KiB', async () => {
    const record = anOutboxRecord({ aggregate: 'Order#1', events: 3, detailBytes: 100_000 });

    await aQuarantine().send(record, FAILURE, []);

    const body = sentMessage().MessageBody ?? '';
    expect(DEFAULT_MAX_DLQ_MESSAGE_BYTES).toBe(256 * 1024);
    expect(decodeCompressed(body)).toStrictEqual(expectedMessage(record, []));
  });

  it('sends plain JSON when body and attributes are exactly at maxMessageBytes', async () => {
    const record = anOutboxRecord({ aggregate: 'Order#1', events: 2, detailBytes: 2_000 });
    await aQuarantine().send(record, FAILURE, []);
    const exactSize = sqsMessageSize(sentMessage());
    sqsMock.resetHistory();

    await aQuarantine(exactSize).send(record, FAILURE, []);

    const body = sentMessage().MessageBody ?? '';
    expect(JSON.parse(body)).toStrictEqual(expectedMessage(record, []));
  });

  it('fails if it sends plain JSON when the body fits but body and attributes exceed maxMessageBytes', async () => {
    // SQS counts message attribute names, types and values towards the size limit.
    const record = anOutboxRecord({ aggregate: 'Order#1', events: 2, detailBytes: 2_000 });
    await aQuarantine().send(record, FAILURE, []);
    const plain = sentMessage();
    const bodyBytes = Buffer.byteLength(plain.MessageBody ?? '');
    sqsMock.resetHistory();

    await aQuarantine(bodyBytes + attributeBytes(plain) - 1).send(record, FAILURE, []);

    const input = sentMessage();
    expect(sqsMessageSize(input)).toBeLessThan(bodyBytes);
    expect(decodeCompressed(input.MessageBody ?? '')).toStrictEqual(expectedMessage(record, []));
  });

  it('fails with an OutboxError and sends nothing when the message is too large even compressed', async () => {
    const record = anOutboxRecord({ aggregate: 'Order#1', events: 2, detailBytes: 2_000 });

    await expect(aQuarantine(200).send(record, FAILURE, [])).rejects.toThrow(OutboxError);

    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('fails if SQS rejects the message', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('queue does not exist'));

    await expect(aQuarantine().send(anOutboxRecord(), FAILURE, [])).rejects.toThrow(
      'queue does not exist',
    );
  });
});
