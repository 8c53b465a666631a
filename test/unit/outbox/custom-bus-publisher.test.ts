import { beforeEach, describe, expect, it } from 'vitest';
import {
  CustomBusPublisher,
  type CustomBusPublisherOptions,
  eventGroupIdOf,
  toCustomBusEntry,
} from '../../../lambdas/outbox/custom-bus-publisher.js';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import type { PublishEntry } from '../../../lambdas/outbox/event-publisher.js';
import { storedEventSize } from '../../../lambdas/outbox/put-events-entry.js';
import { FakeEventBridgeV2 } from '../../helpers/fake-eventbridge-v2.js';
import { aChain } from '../../helpers/outbox-records.js';

let v2 = new FakeEventBridgeV2();
const BUS_ARN =
  'arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghij0123456789klmno';

beforeEach(() => {
  v2 = new FakeEventBridgeV2();
});

function anAdapter(options: Partial<CustomBusPublisherOptions> = {}): CustomBusPublisher {
  return new CustomBusPublisher({
    client: v2.client,
    eventBusArn: BUS_ARN,
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

/** An error as the eventbridgev2 client throws it for a modelled error. */
function serviceError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode },
  });
}

describe('CustomBusPublisher', () => {
  describe('limits', () => {
    it('allows 100 entries per call and 1 MB per request by default', () => {
      expect(anAdapter().limits).toEqual({ maxEntriesPerCall: 100, maxRequestBytes: 1_048_576 });
    });

    it.each([0, -1, 0.5])('fails if maxRequestBytes is %s', (maxRequestBytes) => {
      expect(() => anAdapter({ maxRequestBytes })).toThrow(OutboxError);
    });

    it('sizes an entry by the classic entry-size formula (the custom bus documents none)', () => {
      const [entry] = entries(1);
      if (entry === undefined) throw new Error('no entry');

      expect(anAdapter().sizeOf(entry)).toBe(storedEventSize(entry.event));
    });
  });

  describe('entries', () => {
    it('carries the aggregate key as the event group and the eventId as the deduplication id', () => {
      const [entry] = entries(1);
      if (entry === undefined) throw new Error('no entry');

      expect(toCustomBusEntry(entry)).toEqual({
        Source: entry.event.source,
        DetailType: entry.event.detailType,
        Detail: entry.event.detail,
        Time: new Date(entry.event.time),
        Resources: ['arn:aws:s3:::b'],
        SystemMetadata: { EventGroupId: 'Order#0', DeduplicationId: entry.event.eventId },
      });
    });

    it('keeps a printable ASCII aggregate key of up to 128 characters as its group', () => {
      const key = `Order#${'x'.repeat(122)}`;

      expect(eventGroupIdOf(key)).toBe(key);
    });

    it.each([
      ['longer than 128 characters', `Order#${'x'.repeat(123)}`],
      ['with a space', 'Order#a b'],
      ['with non-ASCII characters', 'Order#ünïcode'],
    ])('maps an aggregate key %s to a stable digest that a FIFO queue accepts', (_, key) => {
      const group = eventGroupIdOf(key);

      expect(group).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(eventGroupIdOf(key)).toBe(group);
      expect(eventGroupIdOf(`${key}!`)).not.toBe(group);
    });
  });

  describe('put', () => {
    it('sends the entries in one PutEvents call addressed to the bus ARN, in order', async () => {
      v2.onPutEvents({
        Entries: [
          { EventId: 'a', SequenceNumber: '1', SuccessCode: 'PUBLISHED' },
          { EventId: 'b', SequenceNumber: '2', SuccessCode: 'PUBLISHED' },
        ],
      });
      const sent = entries(2);

      await anAdapter().put(sent);

      expect(v2.putEventsInputs).toEqual([
        { EventBusArn: BUS_ARN, Entries: sent.map(toCustomBusEntry) },
      ]);
    });

    it('answers PUBLISHED as accepted and DEDUPLICATED as accepted and de-duplicated', async () => {
      v2.onPutEvents({
        FailedEntryCount: 0,
        Entries: [
          { EventId: 'e-1', SequenceNumber: '10', SuccessCode: 'PUBLISHED' },
          { SuccessCode: 'DEDUPLICATED' },
        ],
      });

      const outcome = await anAdapter().put(entries(2));

      expect(outcome).toEqual({
        answered: true,
        results: [
          { accepted: true, busEventId: 'e-1' },
          { accepted: true, deduplicated: true },
        ],
      });
    });

    it('classifies each refused entry, the codes AWS leaves undocumented as unknown', async () => {
      v2.onPutEvents({
        FailedEntryCount: 4,
        Entries: [
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { ErrorCode: 'InvalidInputException', ErrorMessage: 'bad' },
          { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' },
          { ErrorCode: 'SomethingNew', ErrorMessage: 'new' },
        ],
      });

      const outcome = await anAdapter().put(entries(4));

      expect(outcome.answered && outcome.results.map((r) => !r.accepted && r.kind)).toEqual([
        'retryable',
        'poison',
        'configuration',
        'unknown',
      ]);
    });

    it('answers a lost answer, retryable, for an entry the bus returned no result for', async () => {
      v2.onPutEvents({ Entries: [{ EventId: 'e', SuccessCode: 'PUBLISHED' }] });

      const outcome = await anAdapter().put(entries(2));

      expect(outcome.answered && outcome.results[1]).toEqual({
        accepted: false,
        kind: 'retryable',
        failure: {
          code: 'MissingResultEntry',
          message: 'the Custom Event Bus returned no result for this entry',
        },
      });
    });

    it.each([
      ['ThrottlingException', 429, 'retryable'],
      ['InternalException', 500, 'retryable'],
      ['InvalidStateException', 409, 'retryable'],
      ['InvalidInputException', 400, 'poison'],
      ['ResourceNotFoundException', 404, 'configuration'],
      ['AccessDeniedException', 403, 'configuration'],
    ] as const)('answers a %s refusal (HTTP %i) as %s', async (name, status, kind) => {
      v2.onPutEvents(serviceError(name, status, status >= 500 ? 'server' : 'client'));

      const outcome = await anAdapter().put(entries(2));

      expect(outcome).toEqual({
        answered: false,
        kind,
        failure: { code: name, message: `${name} happened` },
        httpStatus: status,
      });
    });
  });

  describe('verifyBus', () => {
    it('publishes once DescribeEventBus reports the bus ACTIVE, and asks only once', async () => {
      v2.onDescribeEventBus({ EventBusArn: BUS_ARN, State: 'ACTIVE' });
      const adapter = anAdapter();

      await expect(adapter.verifyBus()).resolves.toEqual({ kind: 'exists' });
      await expect(adapter.verifyBus()).resolves.toEqual({ kind: 'exists' });

      expect(v2.describeInputs).toEqual([{ EventBusArn: BUS_ARN }]);
    });

    it('waits for a bus still being created, and asks again next time', async () => {
      v2.onDescribeEventBus({ State: 'CREATING' }, { State: 'ACTIVE' });
      const adapter = anAdapter();

      await expect(adapter.verifyBus()).resolves.toMatchObject({ kind: 'transient' });
      await expect(adapter.verifyBus()).resolves.toEqual({ kind: 'exists' });
    });

    it.each([
      ['does not exist', serviceError('ResourceNotFoundException', 404), 'EventBusNotFound'],
      ['may not be described', serviceError('AccessDeniedException', 403), 'EventBusNotVerified'],
    ])('fails loudly if the bus %s', async (_, error, code) => {
      v2.onDescribeEventBus(error);

      const verdict = await anAdapter().verifyBus();

      expect(verdict).toMatchObject({ kind: 'configuration', failure: { code } });
    });

    it('fails loudly if the bus failed to create', async () => {
      v2.onDescribeEventBus({ State: 'CREATE_FAILED', StateReason: 'KMS_ACCESS_DENIED' });

      const verdict = await anAdapter().verifyBus();

      expect(verdict).toMatchObject({
        kind: 'configuration',
        failure: {
          code: 'EventBusNotActive',
          message: expect.stringContaining('KMS_ACCESS_DENIED'),
        },
      });
    });

    it('retries later if the look-up is throttled', async () => {
      v2.onDescribeEventBus(serviceError('ThrottlingException', 429));

      await expect(anAdapter().verifyBus()).resolves.toMatchObject({ kind: 'transient' });
    });

    it('trusts the bus without asking when the check is off', async () => {
      await expect(anAdapter({ verifyEventBus: false }).verifyBus()).resolves.toEqual({
        kind: 'exists',
      });

      expect(v2.describeInputs).toEqual([]);
    });
  });
});
