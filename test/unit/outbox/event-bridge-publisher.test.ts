import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
} from '../../../lambdas/outbox/event-bridge-publisher.js';
import type { PublishEntry } from '../../../lambdas/outbox/event-publisher.js';
import { putEventsEntrySize } from '../../../lambdas/outbox/index.js';
import { toPutEventsEntry } from '../../../lambdas/outbox/put-events-entry.js';
import { awsJsonErrorFor, putEventsErrorFor } from '../../helpers/event-bridge-errors.js';
import { aChain } from '../../helpers/outbox-records.js';

const ebMock = mockClient(EventBridgeClient);
const BUS = 'orders-bus';

beforeEach(() => {
  ebMock.reset();
});

function anAdapter(options: Partial<EventBridgePublisherOptions> = {}): EventBridgePublisher {
  return new EventBridgePublisher({
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: BUS,
    ...options,
  });
}

/** The first event of each of `n` aggregates, as the ordering logic hands them over. */
function entries(n: number): PublishEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const [record] = aChain({ aggregate: `Order#${i}`, resources: ['arn:aws:s3:::b'] });
    const event = record?.events[0];
    if (record === undefined || event === undefined) throw new Error('empty chain');
    return { aggregateKey: record.pk, event };
  });
}

describe('EventBridgePublisher', () => {
  describe('limits', () => {
    it('allows 10 entries per call and 1 MB per request by default', () => {
      expect(anAdapter().limits).toEqual({ maxEntriesPerCall: 10, maxRequestBytes: 1_048_576 });
    });

    it('takes the request limit it is given (256 KB in older accounts)', () => {
      expect(anAdapter({ maxRequestBytes: 262_144 }).limits.maxRequestBytes).toBe(262_144);
    });

    it.each([0, -1, 0.5, Number.NaN])('fails if maxRequestBytes is %s', (maxRequestBytes) => {
      expect(() => anAdapter({ maxRequestBytes })).toThrow(OutboxError);
    });

    it('sizes an entry by the documented PutEvents formula', () => {
      const [entry] = entries(1);
      if (entry === undefined) throw new Error('no entry');

      expect(anAdapter().sizeOf(entry)).toBe(
        putEventsEntrySize(toPutEventsEntry(entry.event, BUS)),
      );
    });
  });

  describe('put', () => {
    it('sends the entries in one PutEvents call on the configured bus, in order', async () => {
      ebMock.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
      const sent = entries(2);

      await anAdapter().put(sent);

      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      expect(ebMock).toHaveReceivedCommandWith(PutEventsCommand, {
        Entries: sent.map((entry) => toPutEventsEntry(entry.event, BUS)),
      });
    });

    it('answers one result per entry, in request order, each classified', async () => {
      ebMock.on(PutEventsCommand).resolves({
        FailedEntryCount: 3,
        Entries: [
          { EventId: 'eb-1' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' },
          { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' },
          { ErrorCode: 'SomethingNew', ErrorMessage: 'new' },
        ],
      });

      const outcome = await anAdapter().put(entries(5));

      expect(outcome).toEqual({
        answered: true,
        results: [
          { accepted: true, busEventId: 'eb-1' },
          {
            accepted: false,
            kind: 'retryable',
            failure: { code: 'ThrottlingException', message: 'slow down' },
          },
          { accepted: false, kind: 'poison', failure: { code: 'MalformedDetail', message: 'bad' } },
          {
            accepted: false,
            kind: 'configuration',
            failure: { code: 'AccessDeniedException', message: 'no' },
          },
          { accepted: false, kind: 'unknown', failure: { code: 'SomethingNew', message: 'new' } },
        ],
      });
    });

    it('answers a lost answer, retryable, for an entry EventBridge returned no result for', async () => {
      ebMock.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'eb-1' }] });

      const outcome = await anAdapter().put(entries(2));

      expect(outcome.answered && outcome.results[1]).toEqual({
        accepted: false,
        kind: 'retryable',
        failure: {
          code: 'MissingResultEntry',
          message: 'EventBridge returned no result for this entry',
        },
      });
    });

    it('answers a refusal as too large, with the HTTP status, for a 413 with an empty body', async () => {
      ebMock.on(PutEventsCommand).rejects(await putEventsErrorFor({ statusCode: 413 }));

      const outcome = await anAdapter().put(entries(2));

      expect(outcome).toEqual({
        answered: false,
        kind: 'tooLarge',
        failure: { code: 'Unknown', message: expect.any(String) },
        httpStatus: 413,
      });
    });

    it('answers a refusal as configuration for a call refused with AccessDeniedException', async () => {
      const error = await awsJsonErrorFor(400, 'AccessDeniedException', 'not allowed');
      ebMock.on(PutEventsCommand).rejects(error);

      const outcome = await anAdapter().put(entries(1));

      expect(outcome).toEqual({
        answered: false,
        kind: 'configuration',
        failure: { code: 'AccessDeniedException', message: 'not allowed' },
        httpStatus: 400,
      });
    });

    it('answers a retryable refusal without HTTP status for a network error', async () => {
      ebMock
        .on(PutEventsCommand)
        .rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

      const outcome = await anAdapter().put(entries(1));

      expect(outcome).toEqual({
        answered: false,
        kind: 'retryable',
        failure: { code: 'Error', message: 'socket hang up' },
      });
    });

    it('answers a refusal, and does not throw, when the client throws synchronously', async () => {
      const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
      eventBridge.send = () => {
        throw new TypeError('not a function');
      };

      const outcome = await anAdapter({ eventBridge }).put(entries(1));

      expect(outcome).toMatchObject({
        answered: false,
        failure: { code: 'TypeError', message: 'not a function' },
      });
    });
  });

  describe('verifyBus', () => {
    it('describes the bus once, then answers from memory', async () => {
      ebMock.on(DescribeEventBusCommand).resolves({ Name: BUS });
      const adapter = anAdapter();

      const verdicts = [await adapter.verifyBus(), await adapter.verifyBus()];

      expect(verdicts).toEqual([{ kind: 'exists' }, { kind: 'exists' }]);
      expect(ebMock).toHaveReceivedCommandTimes(DescribeEventBusCommand, 1);
      expect(ebMock).toHaveReceivedCommandWith(DescribeEventBusCommand, { Name: BUS });
    });

    it('answers a configuration verdict for a bus that does not exist', async () => {
      ebMock
        .on(DescribeEventBusCommand)
        .rejects(await awsJsonErrorFor(400, 'ResourceNotFoundException', 'no such bus'));

      const verdict = await anAdapter().verifyBus();

      expect(verdict).toMatchObject({
        kind: 'configuration',
        failure: { code: 'EventBusNotFound' },
      });
    });

    it('trusts the bus without describing it when verifyEventBus is false', async () => {
      const verdict = await anAdapter({ verifyEventBus: false }).verifyBus();

      expect(verdict).toEqual({ kind: 'exists' });
      expect(ebMock).toHaveReceivedCommandTimes(DescribeEventBusCommand, 0);
    });
  });
});
