import { describe, expect, it } from 'vitest';
import {
  customPutEventsRequestSchema,
  validPutEvents,
  wireRequest,
} from '../../../../local/bus/custom-bus-requests.js';
import { aCustomEntry, ORDERS_BUS_ARN } from '../../../helpers/custom-bus.js';
import { aRecordingLog, awsErrorThrownBy } from '../../../helpers/local-bus.js';
import { FIXED_NOW } from '../../../helpers/outbox-fixtures.js';

describe('wireRequest', () => {
  it.each([
    [
      'a Time sent as an ISO string',
      { Entries: [{ Time: '2026-01-01T00:00:00Z' }] },
      'Entries.0.Time',
    ],
    [
      'a Time sent as plain epoch seconds, untagged',
      { Entries: [{ Time: 1_767_225_600 }] },
      'Entries.0.Time',
    ],
    ['a number where a string belongs', { EventBusArn: 42 }, 'EventBusArn'],
    ['Entries that are no list', { Entries: 'x' }, 'Entries'],
  ])(
    'fails with 500 InternalException for %s, as AWS answers a wire-type problem, and logs the member',
    (_, input, member) => {
      const log = aRecordingLog();

      const error = awsErrorThrownBy(() => wireRequest(customPutEventsRequestSchema, input, log));

      expect(error).toMatchObject({ type: 'InternalException', status: 500 });
      expect(log.lines).toEqual([
        expect.stringMatching(
          new RegExp(`^request member ${member} has the wrong wire type .*: answered 500$`),
        ),
      ]);
    },
  );

  it('tolerates unknown members and reads null members as absent', () => {
    const request = wireRequest(
      customPutEventsRequestSchema,
      {
        EventBusArn: ORDERS_BUS_ARN,
        Entries: [{ ...aCustomEntry('o-1', 1), Resources: null, Extra: 1 }],
        Unknown: 'x',
      },
      () => undefined,
    );

    const valid = validPutEvents(request, 1024 * 1024);

    expect(valid.entries).toEqual([
      {
        source: 'com.example.orders',
        detailType: 'OrderCreated',
        detail: { aggregateType: 'Order', aggregateId: 'o-1', sequence: 1 },
        resources: [],
        time: new Date(FIXED_NOW.getTime() + 1000),
        eventGroupId: 'Order#o-1',
        deduplicationId: 'o-1-1',
      },
    ]);
  });

  it('takes fractional epoch seconds of a tag-1 Time to the millisecond', () => {
    const valid = validPutEvents(
      {
        EventBusArn: ORDERS_BUS_ARN,
        Entries: [aCustomEntry('o-1', 1, { Time: { tag: 1, value: 1_767_323_045.678 } })],
      },
      1024 * 1024,
    );

    expect(valid.entries[0]?.time).toEqual(new Date('2026-01-02T03:04:05.678Z'));
  });
});
