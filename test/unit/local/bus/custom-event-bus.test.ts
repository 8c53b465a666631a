import { describe, expect, it } from 'vitest';
import { customBusArn } from '../../../../local/bus/custom-bus-arn.js';
import type { CustomPutEventsRequest } from '../../../../local/bus/custom-bus-requests.js';
import type { CustomBusEvent } from '../../../../local/bus/custom-event-bus.js';
import {
  ACCOUNT,
  aCustomBus,
  aCustomEntry,
  ORDERS_BUS_ARN,
  REGION,
} from '../../../helpers/custom-bus.js';
import { aRecordingLog, awsErrorThrownBy } from '../../../helpers/local-bus.js';
import { FIXED_NOW } from '../../../helpers/outbox-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MINUTE = 60_000;

const request = (
  entries: CustomPutEventsRequest['Entries'],
  overrides: Partial<CustomPutEventsRequest> = {},
): CustomPutEventsRequest => ({ EventBusArn: ORDERS_BUS_ARN, Entries: entries, ...overrides });

describe('CustomEventBus.putEvents', () => {
  it('publishes each entry in request order with an EventId and an increasing SequenceNumber string past 2^53', () => {
    const { bus } = aCustomBus();

    const output = bus.putEvents(
      request([aCustomEntry('o-1', 1), aCustomEntry('o-2', 1), aCustomEntry('o-1', 2)]),
    );

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toEqual([
      {
        EventId: expect.stringMatching(UUID),
        SequenceNumber: expect.any(String),
        SuccessCode: 'PUBLISHED',
      },
      {
        EventId: expect.stringMatching(UUID),
        SequenceNumber: expect.any(String),
        SuccessCode: 'PUBLISHED',
      },
      {
        EventId: expect.stringMatching(UUID),
        SequenceNumber: expect.any(String),
        SuccessCode: 'PUBLISHED',
      },
    ]);
    const sequences = output.Entries.map((e) =>
      BigInt('SequenceNumber' in e ? e.SequenceNumber : 0),
    );
    expect(sequences[0]).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(sequences).size).toBe(3);
  });

  it('records each published event in the journal with its group and sequence number added', () => {
    const { bus, journal } = aCustomBus();

    const output = bus.putEvents(request([aCustomEntry('o-1', 1, { Resources: ['r'] })]));

    const [result] = output.Entries;
    expect(journal.accepted()).toEqual([
      {
        id: result !== undefined && 'EventId' in result ? result.EventId : 'missing',
        time: new Date(FIXED_NOW.getTime() + 1000).toISOString(),
        source: 'com.example.orders',
        detailType: 'OrderCreated',
        detail: { aggregateType: 'Order', aggregateId: 'o-1', sequence: 1 },
        eventBusName: 'orders',
        resources: ['r'],
        eventGroupId: 'Order#o-1',
        sequenceNumber:
          result !== undefined && 'SequenceNumber' in result ? result.SequenceNumber : '',
      },
    ]);
  });

  it('gives an ungrouped entry a sequence number and no eventGroupId, and stamps a missing Time and Detail', () => {
    const { bus, journal } = aCustomBus();

    bus.putEvents(
      request([
        aCustomEntry('o-1', 1, { SystemMetadata: null, Time: undefined, Detail: undefined }),
      ]),
    );

    const [event] = journal.accepted() as CustomBusEvent[];
    expect(event).not.toHaveProperty('eventGroupId');
    expect(event).toMatchObject({
      time: FIXED_NOW.toISOString(),
      detail: {},
      sequenceNumber: expect.stringMatching(/^\d+$/),
    });
  });

  it('fails with ResourceNotFoundException (404) for a well-formed ARN of a bus that does not exist', () => {
    const { bus, journal } = aCustomBus();
    const other = customBusArn(REGION, ACCOUNT, 'other');

    const error = awsErrorThrownBy(() =>
      bus.putEvents(request([aCustomEntry('o-1', 1)], { EventBusArn: other })),
    );

    expect(error).toMatchObject({ type: 'ResourceNotFoundException', status: 404 });
    expect(journal.accepted()).toEqual([]);
  });

  it.each([
    ['no EventBusArn', request([aCustomEntry('o-1', 1)], { EventBusArn: undefined })],
    ['a bus name instead of an ARN', request([aCustomEntry('o-1', 1)], { EventBusArn: 'orders' })],
    [
      'a classic event-bus ARN',
      request([aCustomEntry('o-1', 1)], {
        EventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`,
      }),
    ],
    ['no entries', request([])],
    ['101 entries', request(Array.from({ length: 101 }, (_, i) => aCustomEntry('o-1', i + 1)))],
    ['an entry without Source', request([aCustomEntry('o-1', 1, { Source: undefined })])],
    ['a Source of 257 characters', request([aCustomEntry('o-1', 1, { Source: 's'.repeat(257) })])],
    ['an aws. Source', request([aCustomEntry('o-1', 1, { Source: 'aws.orders' })])],
    ['an entry without DetailType', request([aCustomEntry('o-1', 1, { DetailType: '' })])],
    [
      'a DetailType of 129 characters',
      request([aCustomEntry('o-1', 1, { DetailType: 'd'.repeat(129) })]),
    ],
    ['a Detail that is not JSON', request([aCustomEntry('o-1', 1, { Detail: '{"a":' })])],
    ['a Detail that is JSON but no object', request([aCustomEntry('o-1', 1, { Detail: '[1]' })])],
    [
      '101 Resources',
      request([aCustomEntry('o-1', 1, { Resources: Array.from({ length: 101 }, () => 'r') })]),
    ],
    [
      'a Resource of 2049 characters',
      request([aCustomEntry('o-1', 1, { Resources: ['r'.repeat(2049)] })]),
    ],
    [
      'an empty EventGroupId',
      request([aCustomEntry('o-1', 1, { SystemMetadata: { EventGroupId: '' } })]),
    ],
    [
      'an EventGroupId of 129 characters',
      request([aCustomEntry('o-1', 1, { SystemMetadata: { EventGroupId: 'g'.repeat(129) } })]),
    ],
    [
      'an empty DeduplicationId',
      request([aCustomEntry('o-1', 1, { SystemMetadata: { DeduplicationId: '' } })]),
    ],
    [
      'a DeduplicationId of 129 characters',
      request([aCustomEntry('o-1', 1, { SystemMetadata: { DeduplicationId: 'd'.repeat(129) } })]),
    ],
    [
      'a DeduplicationId of only whitespace',
      request([aCustomEntry('o-1', 1, { SystemMetadata: { DeduplicationId: ' \t\u3000' } })]),
    ],
    ['a Time out of range', request([aCustomEntry('o-1', 1, { Time: { tag: 1, value: 1e300 } })])],
    [
      'CONTENT_BASED de-duplication (not emulated)',
      request([aCustomEntry('o-1', 1)], {
        DeduplicationConfiguration: { DeduplicationType: 'CONTENT_BASED' },
      }),
    ],
    [
      'an unknown DeduplicationType',
      request([aCustomEntry('o-1', 1)], {
        DeduplicationConfiguration: { DeduplicationType: 'HASH' },
      }),
    ],
  ])(
    'fails the whole request with InvalidInputException for %s, valid entries included',
    (_, invalid) => {
      const { bus, journal } = aCustomBus();
      const withValid: CustomPutEventsRequest = {
        ...invalid,
        Entries:
          invalid.Entries?.length === 1
            ? [aCustomEntry('o-9', 1), ...invalid.Entries]
            : invalid.Entries,
      };

      const error = awsErrorThrownBy(() => bus.putEvents(withValid));

      expect(error).toMatchObject({ type: 'InvalidInputException', status: 400 });
      expect(journal.accepted()).toEqual([]);
    },
  );

  it('names the entry and member that broke a rule', () => {
    const { bus } = aCustomBus();

    const error = awsErrorThrownBy(() =>
      bus.putEvents(
        request([aCustomEntry('o-1', 1), aCustomEntry('o-1', 2, { Source: 'aws.s3' })]),
      ),
    );

    expect(error.message).toBe('Entries[1].Source: the aws. prefix is reserved for AWS services');
  });

  it('fails with InvalidInputException when the entries exceed maxRequestBytes by the entry-size formula', () => {
    const detail = JSON.stringify({ pad: 'x'.repeat(500) });
    const { bus, journal } = aCustomBus({ maxRequestBytes: 1000 });

    const error = awsErrorThrownBy(() =>
      bus.putEvents(
        request([
          aCustomEntry('o-1', 1, { Detail: detail }),
          aCustomEntry('o-1', 2, { Detail: detail }),
        ]),
      ),
    );

    expect(error).toMatchObject({
      type: 'InvalidInputException',
      message: expect.stringContaining('over the limit of 1000'),
    });
    expect(journal.accepted()).toEqual([]);
  });

  it('answers an injected entry failure with ErrorCode and ErrorMessage, counts it, and goes on with later entries of the same group', () => {
    let calls = 0;
    const { bus, journal } = aCustomBus({
      injectedFailure: () =>
        calls++ === 0
          ? { code: 'ThrottlingException', message: 'Rate exceeded (injected).' }
          : undefined,
    });

    const output = bus.putEvents(request([aCustomEntry('o-1', 1), aCustomEntry('o-1', 2)]));

    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries[0]).toEqual({
      ErrorCode: 'ThrottlingException',
      ErrorMessage: 'Rate exceeded (injected).',
    });
    expect(output.Entries[1]).toMatchObject({ SuccessCode: 'PUBLISHED' });
    expect(journal.accepted().map((e) => e.detail.sequence)).toEqual([2]);
  });
});

describe('CustomEventBus de-duplication', () => {
  it('answers a repeat of an accepted (group, DeduplicationId) inside the window DEDUPLICATED, with no EventId or SequenceNumber, and records no new event', () => {
    const { bus, journal, clock } = aCustomBus();
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    clock.advance(5 * MINUTE - 1);

    const output = bus.putEvents(request([aCustomEntry('o-1', 1)]));

    expect(output).toEqual({ FailedEntryCount: 0, Entries: [{ SuccessCode: 'DEDUPLICATED' }] });
    expect(journal.accepted()).toHaveLength(1);
  });

  it('suppresses a repeat in the same request', () => {
    const { bus, journal } = aCustomBus();

    const output = bus.putEvents(request([aCustomEntry('o-1', 1), aCustomEntry('o-1', 1)]));

    expect(output.Entries.map((e) => ('SuccessCode' in e ? e.SuccessCode : e.ErrorCode))).toEqual([
      'PUBLISHED',
      'DEDUPLICATED',
    ]);
    expect(journal.accepted()).toHaveLength(1);
  });

  it('publishes a repeat once the window has passed since the accepted entry, and a repeat does not extend the window', () => {
    const { bus, journal, clock } = aCustomBus();
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    clock.advance(4 * MINUTE);
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    clock.advance(1 * MINUTE);

    const output = bus.putEvents(request([aCustomEntry('o-1', 1)]));

    expect(output.Entries[0]).toMatchObject({ SuccessCode: 'PUBLISHED' });
    expect(journal.accepted()).toHaveLength(2);
  });

  it('takes its window from dedupWindowMs', () => {
    const { bus, clock } = aCustomBus({ dedupWindowMs: 1000 });
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    clock.advance(1000);

    const output = bus.putEvents(request([aCustomEntry('o-1', 1)]));

    expect(output.Entries[0]).toMatchObject({ SuccessCode: 'PUBLISHED' });
  });

  it('scopes the key by event group: the same DeduplicationId in another group is a new event', () => {
    const { bus } = aCustomBus();
    bus.putEvents(
      request([
        aCustomEntry('o-1', 1, { SystemMetadata: { EventGroupId: 'a', DeduplicationId: 'd' } }),
      ]),
    );

    const output = bus.putEvents(
      request([
        aCustomEntry('o-1', 1, { SystemMetadata: { EventGroupId: 'b', DeduplicationId: 'd' } }),
        aCustomEntry('o-1', 1, { SystemMetadata: { DeduplicationId: 'd' } }),
      ]),
    );

    expect(output.Entries.map((e) => ('SuccessCode' in e ? e.SuccessCode : e.ErrorCode))).toEqual([
      'PUBLISHED',
      'PUBLISHED',
    ]);
  });

  it('de-duplicates ungrouped entries across all ungrouped entries of the bus', () => {
    const { bus } = aCustomBus();
    bus.putEvents(request([aCustomEntry('o-1', 1, { SystemMetadata: { DeduplicationId: 'd' } })]));

    const output = bus.putEvents(
      request([aCustomEntry('o-2', 7, { SystemMetadata: { DeduplicationId: 'd' } })]),
    );

    expect(output.Entries[0]).toEqual({ SuccessCode: 'DEDUPLICATED' });
  });

  it('never de-duplicates entries without a DeduplicationId', () => {
    const { bus, journal } = aCustomBus();
    const entry = aCustomEntry('o-1', 1, { SystemMetadata: { EventGroupId: 'Order#o-1' } });

    bus.putEvents(request([entry, entry]));

    expect(journal.accepted()).toHaveLength(2);
  });

  it('does not seed the window with a failed entry: its retry is published', () => {
    let fail = true;
    const { bus, journal } = aCustomBus({
      injectedFailure: () =>
        fail
          ? { code: 'InternalFailure', message: 'Internal service error (injected).' }
          : undefined,
    });
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    fail = false;

    const output = bus.putEvents(request([aCustomEntry('o-1', 1)]));

    expect(output.Entries[0]).toMatchObject({ SuccessCode: 'PUBLISHED' });
    expect(journal.accepted()).toHaveLength(1);
  });

  it('logs each suppressed repeat', () => {
    const log = aRecordingLog();
    const { bus } = aCustomBus({ log });

    bus.putEvents(request([aCustomEntry('o-1', 1), aCustomEntry('o-1', 1)]));

    expect(log.lines).toContain(
      'deduplicated OrderCreated com.example.orders on orders: DeduplicationId o-1-1',
    );
  });
});

describe('CustomEventBus.describeEventBus', () => {
  it('describes a bus by ARN: ACTIVE, its retention and the window start, created when the bus started', () => {
    const { bus } = aCustomBus({ buses: [{ name: 'orders', retentionDays: 7 }] });

    const output = bus.describeEventBus({ EventBusArn: ORDERS_BUS_ARN });

    expect(output).toEqual({
      EventBusArn: ORDERS_BUS_ARN,
      Name: 'orders',
      State: 'ACTIVE',
      StorageConfiguration: { RetentionPeriodInDays: 7, RetentionWindowStartTime: FIXED_NOW },
      CreationTime: FIXED_NOW,
      LastModifiedTime: FIXED_NOW,
    });
  });

  it('retains for 1 day when the bus names no retention, and moves the window start once a day has passed', () => {
    const { bus, clock } = aCustomBus();
    clock.advance(36 * 60 * MINUTE);

    const output = bus.describeEventBus({ EventBusArn: ORDERS_BUS_ARN });

    expect(output.StorageConfiguration).toEqual({
      RetentionPeriodInDays: 1,
      RetentionWindowStartTime: new Date(FIXED_NOW.getTime() + 12 * 60 * MINUTE),
    });
  });

  it('fails with ResourceNotFoundException for an unknown bus and InvalidInputException for a malformed ARN', () => {
    const { bus } = aCustomBus();

    expect(
      awsErrorThrownBy(() =>
        bus.describeEventBus({ EventBusArn: customBusArn(REGION, ACCOUNT, 'gone') }),
      ),
    ).toMatchObject({
      type: 'ResourceNotFoundException',
      status: 404,
    });
    expect(awsErrorThrownBy(() => bus.describeEventBus({ EventBusArn: 'orders' }))).toMatchObject({
      type: 'InvalidInputException',
      status: 400,
    });
  });
});

describe('CustomEventBus retention', () => {
  it('keeps accepted events for subscribers and drops them once the retention period has passed', () => {
    const { bus, clock } = aCustomBus();
    bus.putEvents(request([aCustomEntry('o-1', 1)]));
    clock.advance(12 * 60 * MINUTE);
    bus.putEvents(request([aCustomEntry('o-1', 2)]));
    const store = bus.retainedEvents(ORDERS_BUS_ARN);
    clock.advance(13 * 60 * MINUTE);

    const retained = store?.since(new Date(0)) ?? [];

    expect(retained.map((e) => e.event.detail.sequence)).toEqual([2]);
  });

  it('keeps the de-duplicated repeat out of the retained events', () => {
    const { bus } = aCustomBus();

    bus.putEvents(request([aCustomEntry('o-1', 1), aCustomEntry('o-1', 1)]));

    expect(bus.retainedEvents(ORDERS_BUS_ARN)?.since(new Date(0))).toHaveLength(1);
  });
});

describe('CustomEventBus.arnOf', () => {
  it('returns the ARN of a bus by name, and undefined for a name it does not have', () => {
    const { bus } = aCustomBus();

    expect(bus.arnOf('orders')).toBe(ORDERS_BUS_ARN);
    expect(bus.arnOf('other')).toBeUndefined();
  });
});
