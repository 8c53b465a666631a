import { describe, expect, it, vi } from 'vitest';
import type { LocalEvent } from '../../../../local/bus/event-bus.js';
import {
  aBusEntry,
  aClassicBus,
  aRecordingLog,
  awsErrorThrownBy,
} from '../../../helpers/local-bus.js';
import { FIXED_NOW, FIXED_NOW_ISO } from '../../../helpers/outbox-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('EventBus.putEvents', () => {
  it('answers each valid entry with an EventId and keeps the events in acceptance order', () => {
    const bus = aClassicBus();

    const output = bus.putEvents({ Entries: [aBusEntry(1), aBusEntry(2)] });

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toEqual([
      { EventId: expect.stringMatching(UUID) },
      { EventId: expect.stringMatching(UUID) },
    ]);
    expect(bus.accepted().map((e) => e.detail.sequence)).toEqual([1, 2]);
    expect(bus.accepted().map((e) => e.id)).toEqual(
      output.Entries.map((e) => ('EventId' in e ? e.EventId : undefined)),
    );
  });

  it('stamps an entry without Time with the clock, and names the default bus when none is given', () => {
    const bus = aClassicBus();

    bus.putEvents({ Entries: [aBusEntry(1, { EventBusName: undefined, Resources: ['r'] })] });

    expect(bus.accepted()).toEqual([
      expect.objectContaining({ time: FIXED_NOW_ISO, eventBusName: 'default', resources: ['r'] }),
    ]);
  });

  it('keeps the entry Time (epoch seconds, fractions too) and reduces a bus ARN to its name', () => {
    const bus = aClassicBus();
    const time = FIXED_NOW.getTime() / 1000 + 0.25;

    bus.putEvents({
      Entries: [
        aBusEntry(1, {
          Time: time,
          EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/other-bus',
        }),
      ],
    });

    expect(bus.accepted()[0]).toMatchObject({
      time: new Date(time * 1000).toISOString(),
      eventBusName: 'other-bus',
    });
  });

  it.each([
    ['null', undefined],
    ['[]', []],
  ])('fails the whole request with ValidationException if Entries is %s', (_, entries) => {
    const bus = aClassicBus();

    const error = awsErrorThrownBy(() => bus.putEvents({ Entries: entries }));

    expect(error).toMatchObject({ type: 'ValidationException', status: 400 });
    expect(bus.accepted()).toEqual([]);
  });

  it('fails the whole request with ValidationException if it holds more than 10 entries', () => {
    const bus = aClassicBus();
    const eleven = Array.from({ length: 11 }, (_, i) => aBusEntry(i + 1));

    const error = awsErrorThrownBy(() => bus.putEvents({ Entries: eleven }));

    expect(error.type).toBe('ValidationException');
    expect(error.message).toContain('less than or equal to 10 (got 11)');
    expect(bus.accepted()).toEqual([]);
  });

  it('fails the whole request if the entries are over maxRequestBytes, with the sizes in the log only', () => {
    const log = aRecordingLog();
    const bus = aClassicBus({ maxRequestBytes: 100, log });

    const error = awsErrorThrownBy(() =>
      bus.putEvents({
        Entries: [aBusEntry(1, { Detail: JSON.stringify({ pad: 'x'.repeat(100) }) })],
      }),
    );

    expect(error).toMatchObject({
      type: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(log.lines).toEqual([
      expect.stringMatching(/^PutEvents rejected: the entries are \d+ bytes .* over 100$/),
    ]);
  });

  it.each([
    ['Source is missing', { Source: undefined }, 'InvalidArgument'],
    ['Source starts with aws.', { Source: 'aws.orders' }, 'NotAuthorizedForSourceException'],
    ['DetailType is empty', { DetailType: '' }, 'InvalidArgument'],
    [
      'DetailType is longer than 128 characters',
      { DetailType: 'x'.repeat(129) },
      'InvalidArgument',
    ],
    ['Detail is missing', { Detail: undefined }, 'InvalidArgument'],
    ['Detail is a JSON array', { Detail: '[1]' }, 'MalformedDetail'],
    ['Detail is not JSON', { Detail: '{' }, 'MalformedDetail'],
  ])('fails an entry if %s, and accepts the others', (_, overrides, code) => {
    const log = aRecordingLog();
    const bus = aClassicBus({ log });

    const output = bus.putEvents({ Entries: [aBusEntry(1, overrides), aBusEntry(2)] });

    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries[0]).toEqual({ ErrorCode: code, ErrorMessage: expect.any(String) });
    expect(bus.accepted().map((e) => e.detail.sequence)).toEqual([2]);
    expect(log.lines[0]).toMatch(new RegExp(`^rejected .*: ${code} `));
  });

  it('asks for an injected failure only for entries that are valid', () => {
    const injectedFailure = vi.fn(() => ({ code: 'ThrottlingException', message: 'injected' }));
    const bus = aClassicBus({ injectedFailure });

    const output = bus.putEvents({ Entries: [aBusEntry(1, { Source: '' }), aBusEntry(2)] });

    expect(injectedFailure).toHaveBeenCalledTimes(1);
    expect(output.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'InvalidArgument',
      'ThrottlingException',
    ]);
    expect(bus.accepted()).toEqual([]);
  });

  it('logs each accepted event on one readable line', () => {
    const log = aRecordingLog();
    const bus = aClassicBus({ log });

    bus.putEvents({ Entries: [aBusEntry(3), aBusEntry(4, { EventBusName: undefined })] });

    expect(log.lines).toEqual([
      'OrderCreated com.example.orders Order#o-1 seq 3 (orders-bus)',
      'OrderCreated com.example.orders Order#o-1 seq 4',
    ]);
  });
});

describe('EventBus.acceptedAfter', () => {
  it('returns the events accepted after the given one', () => {
    const bus = aClassicBus();
    bus.putEvents({ Entries: [aBusEntry(1), aBusEntry(2), aBusEntry(3)] });
    const [first] = bus.accepted();

    const after = bus.acceptedAfter(first?.id ?? '');

    expect(after?.map((e) => e.detail.sequence)).toEqual([2, 3]);
  });

  it('returns undefined for an id no event has', () => {
    const bus = aClassicBus();

    expect(bus.acceptedAfter('not-an-event')).toBeUndefined();
  });
});

describe('EventBus.onEvent', () => {
  it('tells listeners about each accepted event in order, until they unsubscribe', () => {
    const bus = aClassicBus();
    const seen: LocalEvent[] = [];
    const unsubscribe = bus.onEvent((event) => void seen.push(event));

    bus.putEvents({ Entries: [aBusEntry(1), aBusEntry(2)] });
    unsubscribe();
    bus.putEvents({ Entries: [aBusEntry(3)] });

    expect(seen.map((e) => e.detail.sequence)).toEqual([1, 2]);
  });

  it('logs a listener that throws or rejects, and still accepts the event', async () => {
    const log = aRecordingLog();
    const bus = aClassicBus({ log });
    bus.onEvent(() => {
      throw new Error('boom');
    });
    bus.onEvent(() => Promise.reject(new Error('later')));

    const output = bus.putEvents({ Entries: [aBusEntry(1)] });
    await Promise.resolve();

    expect(output.FailedEntryCount).toBe(0);
    expect(log.lines.filter((l) => l.startsWith('listener failed'))).toEqual([
      expect.stringContaining('Error: boom'),
      expect.stringContaining('Error: later'),
    ]);
  });
});

describe('EventBus.describeEventBus', () => {
  it('describes a known bus by name, created when the bus started', () => {
    const bus = aClassicBus({ knownBuses: ['orders-bus'] });

    const output = bus.describeEventBus({ Name: 'orders-bus' });

    expect(output).toEqual({
      Name: 'orders-bus',
      Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/orders-bus',
      CreationTime: FIXED_NOW.getTime() / 1000,
      LastModifiedTime: FIXED_NOW.getTime() / 1000,
    });
  });

  it('describes the default bus when Name is omitted, and a known bus by its ARN', () => {
    const bus = aClassicBus({ knownBuses: ['orders-bus'] });

    expect(bus.describeEventBus({}).Name).toBe('default');
    expect(
      bus.describeEventBus({ Name: 'arn:aws:events:us-east-1:000000000000:event-bus/orders-bus' })
        .Name,
    ).toBe('orders-bus');
  });

  it.each([
    ['a bus it does not know', 'other-bus'],
    ['an ARN of another region', 'arn:aws:events:eu-west-1:000000000000:event-bus/orders-bus'],
    ['an ARN of another account', 'arn:aws:events:us-east-1:123456789012:event-bus/orders-bus'],
  ])('fails with ResourceNotFoundException for %s', (_, name) => {
    const log = aRecordingLog();
    const bus = aClassicBus({ knownBuses: ['orders-bus'], log });

    const error = awsErrorThrownBy(() => bus.describeEventBus({ Name: name }));

    expect(error).toMatchObject({ type: 'ResourceNotFoundException', status: 400 });
    expect(error.message).toMatch(/^Event bus .+ does not exist\.$/);
    expect(log.lines).toEqual([`DescribeEventBus ${name}: no such bus here`]);
  });

  it.each([
    ['empty', ''],
    ['not of the documented pattern', 'orders bus'],
    ['longer than 1600 characters', 'x'.repeat(1601)],
  ])('fails with ValidationException if Name is %s', (_, name) => {
    const bus = aClassicBus();

    expect(awsErrorThrownBy(() => bus.describeEventBus({ Name: name })).type).toBe(
      'ValidationException',
    );
  });
});
