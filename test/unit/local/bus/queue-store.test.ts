import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QueueStore } from '../../../../local/bus/queue-store.js';
import { sqsMessageAttributesMd5 } from '../../../../local/bus/sqs-md5.js';
import {
  aQueueStore,
  aRecordingLog,
  awsErrorThrownBy,
  ManualClock,
} from '../../../helpers/local-bus.js';
import { FIXED_NOW_ISO } from '../../../helpers/outbox-fixtures.js';

const DLQ = 'http://127.0.0.1:4010/queue/outbox-dlq';
const OTHER = 'http://127.0.0.1:4010/queue/other';
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Sends `bodies` to the queue, in order. */
function sendAll(store: QueueStore, queueUrl: string, ...bodies: string[]): void {
  for (const body of bodies) store.sendMessage({ QueueUrl: queueUrl, MessageBody: body });
}

/** The receipt handle of the single message a receive returns. */
function receiveOne(store: QueueStore, queueUrl = DLQ, visibility?: number): string {
  const [message] =
    store.receiveMessage({ QueueUrl: queueUrl, VisibilityTimeout: visibility }).Messages ?? [];
  if (message === undefined) throw new Error('no message to receive');
  return message.ReceiptHandle;
}

describe('QueueStore.sendMessage', () => {
  it('keeps the message under its queue name with the body parsed, and answers the MD5s', () => {
    const log = aRecordingLog();
    const store = aQueueStore({ log });
    const attributes = { reason: { DataType: 'String', StringValue: 'poison' } };

    const output = store.sendMessage({
      QueueUrl: DLQ,
      MessageBody: '{"a":1}',
      MessageAttributes: attributes,
    });

    expect(output).toEqual({
      MessageId: expect.any(String),
      MD5OfMessageBody: md5('{"a":1}'),
      MD5OfMessageAttributes: sqsMessageAttributesMd5(attributes),
    });
    expect(store.messages()).toEqual([
      {
        id: output.MessageId,
        queue: 'outbox-dlq',
        body: { a: 1 },
        attributes,
        receivedAt: FIXED_NOW_ISO,
      },
    ]);
    expect(log.lines).toEqual([`DLQ outbox-dlq message ${output.MessageId}`]);
  });

  it('keeps a body that is not JSON as text, and answers no attribute MD5 without attributes', () => {
    const store = aQueueStore();

    const output = store.sendMessage({ QueueUrl: DLQ, MessageBody: 'plain text' });

    expect(output).not.toHaveProperty('MD5OfMessageAttributes');
    expect(store.messages()[0]?.body).toBe('plain text');
  });

  it.each([
    ['QueueUrl', { MessageBody: 'x' }],
    ['MessageBody', { QueueUrl: DLQ, MessageBody: '' }],
  ])('fails with MissingParameter if %s is missing', (parameter, request) => {
    const store = aQueueStore();

    const error = awsErrorThrownBy(() => store.sendMessage(request));

    expect(error).toMatchObject({
      type: 'MissingParameter',
      message: `The request must contain the parameter ${parameter}.`,
    });
    expect(store.messages()).toEqual([]);
  });
});

describe('QueueStore.receiveMessage', () => {
  it('returns the visible messages of that queue only, oldest first, at most MaxNumberOfMessages', () => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one', 'two', 'three');
    sendAll(store, OTHER, 'elsewhere');

    const output = store.receiveMessage({ QueueUrl: DLQ, MaxNumberOfMessages: 2 });

    expect(output.Messages?.map((m) => m.Body)).toEqual(['one', 'two']);
    expect(output.Messages?.[0]).toMatchObject({ MD5OfBody: md5('one') });
    expect(output.Messages?.[0]).not.toHaveProperty('MessageAttributes');
  });

  it('hides a received message for its visibility timeout, then shows it again', () => {
    const clock = new ManualClock();
    const store = aQueueStore({ clock: clock.read });
    sendAll(store, DLQ, 'one');
    receiveOne(store, DLQ, 10);

    const hidden = store.receiveMessage({ QueueUrl: DLQ });
    clock.advance(10_000);
    const shown = store.receiveMessage({ QueueUrl: DLQ });

    expect(hidden).toEqual({});
    expect(shown.Messages?.map((m) => m.Body)).toEqual(['one']);
  });

  it('hides a received message for 30 s when no visibility timeout is given', () => {
    const clock = new ManualClock();
    const store = aQueueStore({ clock: clock.read });
    sendAll(store, DLQ, 'one');
    receiveOne(store);

    clock.advance(29_999);
    const stillHidden = store.receiveMessage({ QueueUrl: DLQ });
    clock.advance(1);

    expect(stillHidden).toEqual({});
    expect(store.receiveMessage({ QueueUrl: DLQ }).Messages).toHaveLength(1);
  });

  it.each([
    [['All'], ['a.x', 'b']],
    [['.*'], ['a.x', 'b']],
    [['a.*'], ['a.x']],
    [['b'], ['b']],
    [['c'], []],
  ])(
    'returns the attributes MessageAttributeNames %j asks for, with their MD5',
    (wanted, names) => {
      const store = aQueueStore();
      const attributes = {
        'a.x': { DataType: 'String', StringValue: '1' },
        b: { DataType: 'Binary', BinaryValue: 'AQI=' },
      };
      store.sendMessage({ QueueUrl: DLQ, MessageBody: 'x', MessageAttributes: attributes });

      const [message] =
        store.receiveMessage({ QueueUrl: DLQ, MessageAttributeNames: wanted }).Messages ?? [];

      const returned = Object.fromEntries(
        names.map((n) => [n, attributes[n as keyof typeof attributes]]),
      );
      expect(message?.MessageAttributes ?? {}).toEqual(returned);
      expect(message?.MD5OfMessageAttributes).toBe(
        names.length === 0 ? undefined : sqsMessageAttributesMd5(returned),
      );
    },
  );

  it.each([
    ['MaxNumberOfMessages is above 10', { MaxNumberOfMessages: 11 }],
    ['MaxNumberOfMessages is 0', { MaxNumberOfMessages: 0 }],
    ['VisibilityTimeout is negative', { VisibilityTimeout: -1 }],
    ['VisibilityTimeout is above 12 hours', { VisibilityTimeout: 43_201 }],
  ])('fails with InvalidParameterValue if %s', (_, request) => {
    const store = aQueueStore();

    expect(awsErrorThrownBy(() => store.receiveMessage({ QueueUrl: DLQ, ...request })).type).toBe(
      'InvalidParameterValue',
    );
  });
});

describe('QueueStore.deleteMessage', () => {
  it('deletes the message of a receipt handle, and succeeds again for the same handle', () => {
    const log = aRecordingLog();
    const store = aQueueStore({ log });
    sendAll(store, DLQ, 'one', 'two');
    const handle = receiveOne(store);

    store.deleteMessage({ QueueUrl: DLQ, ReceiptHandle: handle });
    const again = store.deleteMessage({ QueueUrl: DLQ, ReceiptHandle: handle });

    expect(again).toEqual({});
    expect(store.messages().map((m) => m.body)).toEqual(['two']);
    expect(log.lines.filter((l) => l.includes('deleted'))).toHaveLength(1);
  });

  it.each([
    ['it never handed out', () => 'never-handed-out', DLQ],
    ['of another queue', (store: QueueStore) => receiveOne(store), OTHER],
  ])('fails with ReceiptHandleIsInvalid for a handle %s', (_, handleOf, queueUrl) => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one');
    const handle = handleOf(store);

    const error = awsErrorThrownBy(() =>
      store.deleteMessage({ QueueUrl: queueUrl, ReceiptHandle: handle }),
    );

    expect(error.type).toBe('ReceiptHandleIsInvalid');
    expect(store.messages()).toHaveLength(1);
  });

  it('fails with MissingParameter if ReceiptHandle is missing', () => {
    const store = aQueueStore();

    expect(awsErrorThrownBy(() => store.deleteMessage({ QueueUrl: DLQ })).type).toBe(
      'MissingParameter',
    );
  });
});

describe('QueueStore.changeMessageVisibility', () => {
  it('makes a received message visible again with a timeout of 0', () => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one');
    const handle = receiveOne(store);

    store.changeMessageVisibility({ QueueUrl: DLQ, ReceiptHandle: handle, VisibilityTimeout: 0 });

    expect(store.receiveMessage({ QueueUrl: DLQ }).Messages?.map((m) => m.Body)).toEqual(['one']);
  });

  it('fails with MissingParameter if VisibilityTimeout is missing', () => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one');
    const handle = receiveOne(store);

    const error = awsErrorThrownBy(() =>
      store.changeMessageVisibility({ QueueUrl: DLQ, ReceiptHandle: handle }),
    );

    expect(error.type).toBe('MissingParameter');
  });

  it('fails with InvalidParameterValue if the message was deleted since', () => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one');
    const handle = receiveOne(store);
    store.deleteMessage({ QueueUrl: DLQ, ReceiptHandle: handle });

    const error = awsErrorThrownBy(() =>
      store.changeMessageVisibility({ QueueUrl: DLQ, ReceiptHandle: handle, VisibilityTimeout: 0 }),
    );

    expect(error).toMatchObject({
      type: 'InvalidParameterValue',
      message: expect.stringContaining('does not exist'),
    });
  });
});

describe('QueueStore.getQueueAttributes', () => {
  it('counts the visible and the in-flight messages of the queue', () => {
    const store = aQueueStore();
    sendAll(store, DLQ, 'one', 'two', 'three');
    sendAll(store, OTHER, 'elsewhere');
    receiveOne(store);

    const output = store.getQueueAttributes({ QueueUrl: DLQ, AttributeNames: ['All'] });

    expect(output).toEqual({
      Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' },
    });
  });

  it('answers only the attributes asked for, and none when none is asked for', () => {
    const store = aQueueStore();

    expect(
      store.getQueueAttributes({ QueueUrl: DLQ, AttributeNames: ['ApproximateNumberOfMessages'] }),
    ).toEqual({ Attributes: { ApproximateNumberOfMessages: '0' } });
    expect(store.getQueueAttributes({ QueueUrl: DLQ })).toEqual({});
  });
});
