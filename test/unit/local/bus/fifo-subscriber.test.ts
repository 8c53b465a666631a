import { describe, expect, it, vi } from 'vitest';
import {
  type DeadLetterRecord,
  type DeliveredEvent,
  FifoSubscriber,
  type FifoSubscriberOptions,
} from '../../../../local/bus/fifo-subscriber.js';
import type { RetainedEvents } from '../../../../local/bus/retained-events.js';
import { LocalRuntimeError } from '../../../../local/errors.js';
import { aRetainedEvent, aRetainedStore, ORDERS_BUS_ARN } from '../../../helpers/custom-bus.js';
import { aRecordingLog, ManualClock } from '../../../helpers/local-bus.js';
import { FIXED_NOW } from '../../../helpers/outbox-fixtures.js';

const SUBSCRIBER_ARN = /^arn:aws:events:us-east-1:000000000000:subscriber\/shipping\/[a-z0-9]{25}$/;

/**
 * A target that records every call by event label, fails an event as many times as
 * `failures` says, and can hold an event's call until the test releases it.
 */
class RecordingTarget {
  readonly calls: string[][] = [];
  readonly delivered: DeliveredEvent[] = [];
  private readonly failures = new Map<string, number>();
  private readonly held = new Map<string, Promise<void>>();

  /** Fails the call holding `label` this many times (Infinity: always). */
  fail(label: string, times: number): this {
    this.failures.set(label, times);
    return this;
  }

  /** Holds the first call holding `label` until the returned function settles it. */
  hold(label: string): (outcome: 'ok' | 'fail') => void {
    let settle: (outcome: 'ok' | 'fail') => void = () => undefined;
    this.held.set(
      label,
      new Promise((resolve, reject) => {
        settle = (outcome) =>
          outcome === 'ok' ? resolve() : reject(new Error(`${label} held and failed`));
      }),
    );
    return (outcome) => settle(outcome);
  }

  readonly target = async (events: readonly DeliveredEvent[]): Promise<void> => {
    const labels = events.map((e) => String(e.detail.label));
    this.calls.push(labels);
    for (const label of labels) {
      const held = this.held.get(label);
      if (held !== undefined) {
        this.held.delete(label);
        await held;
      }
      const failures = this.failures.get(label) ?? 0;
      if (failures > 0) {
        this.failures.set(label, failures - 1);
        throw new Error(`${label} refused`);
      }
    }
    this.delivered.push(...events);
  };

  deliveredLabels(): string[] {
    return this.delivered.map((e) => String(e.detail.label));
  }
}

function aSubscriber(
  events: RetainedEvents,
  target: RecordingTarget,
  options: Partial<FifoSubscriberOptions> = {},
  context: { clock?: ManualClock; log?: (line: string) => void } = {},
): FifoSubscriber {
  return new FifoSubscriber(
    { target: target.target, name: 'shipping', retryDelayMs: () => 0, ...options },
    {
      busArn: ORDERS_BUS_ARN,
      events,
      clock: (context.clock ?? new ManualClock()).read,
      log: context.log ?? (() => undefined),
    },
  );
}

describe('FifoSubscriber delivery', () => {
  it('delivers each event appended after it started, LIVE, in publish order within its group', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget();
    const subscriber = aSubscriber(store, target);

    for (const label of ['a1', 'a2', 'a3']) store.append(aRetainedEvent('A', label));
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1'], ['a2'], ['a3']]);
    expect(target.delivered.map((e) => e.deliveryType)).toEqual(['LIVE', 'LIVE', 'LIVE']);
    expect(subscriber.arn).toMatch(SUBSCRIBER_ARN);
  });

  it('holds a group behind its undelivered event while other groups go on', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget();
    const release = target.hold('a1');
    const subscriber = aSubscriber(store, target);
    store.append(aRetainedEvent('A', 'a1'));
    store.append(aRetainedEvent('A', 'a2'));
    store.append(aRetainedEvent('B', 'b1'));
    store.append(aRetainedEvent('B', 'b2'));

    await vi.waitFor(() => expect(target.deliveredLabels()).toEqual(['b1', 'b2']));
    const callsWhileHeld = target.calls.flat();
    release('fail');
    await subscriber.whenIdle();

    expect(callsWhileHeld).not.toContain('a2');
    expect(target.deliveredLabels()).toEqual(['b1', 'b2', 'a1', 'a2']);
    expect(target.calls.filter((c) => c[0]?.startsWith('a'))).toEqual([['a1'], ['a1'], ['a2']]);
  });

  it('retries a failing event by its retry policy, then delivers it before the later events of its group', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget().fail('a1', 2);
    const delays: number[] = [];
    const subscriber = aSubscriber(store, target, {
      retryDelayMs: (retry) => {
        delays.push(retry);
        return 0;
      },
    });

    store.append(aRetainedEvent('A', 'a1'));
    store.append(aRetainedEvent('A', 'a2'));
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1'], ['a1'], ['a1'], ['a2']]);
    expect(delays).toEqual([1, 2]);
    expect(target.deliveredLabels()).toEqual(['a1', 'a2']);
  });

  it('hands out up to maxBatchSize events of one group per call, never mixing groups', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget();
    const subscriber = aSubscriber(store, target, { maxBatchSize: 2 });
    const release = target.hold('a1');
    for (const label of ['a1', 'a2', 'a3']) store.append(aRetainedEvent('A', label));
    store.append(aRetainedEvent('B', 'b1'));

    release('ok');
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
  });

  it('keeps no order among ungrouped events: a failing one holds no other', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget();
    const release = target.hold('u1');
    const subscriber = aSubscriber(store, target);
    store.append(aRetainedEvent(undefined, 'u1'));
    store.append(aRetainedEvent(undefined, 'u2'));

    await vi.waitFor(() => expect(target.deliveredLabels()).toEqual(['u2']));
    release('ok');
    await subscriber.whenIdle();

    expect(target.deliveredLabels()).toEqual(['u2', 'u1']);
  });
});

describe('FifoSubscriber dead-lettering', () => {
  it('after maxRetryAttempts retries sends a record without payload to onFailure, and the group goes on', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget().fail('a1', Number.POSITIVE_INFINITY);
    const records: DeadLetterRecord[] = [];
    const subscriber = aSubscriber(store, target, {
      retryPolicy: { maxRetryAttempts: 2 },
      targetArn: 'arn:aws:sqs:us-east-1:000000000000:shipping.fifo',
      onFailure: (record) => void records.push(record),
    });
    const a1 = aRetainedEvent('A', 'a1');

    store.append(a1);
    store.append(aRetainedEvent('A', 'a2'));
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1'], ['a1'], ['a1'], ['a2']]);
    expect(records).toEqual([
      {
        version: '1.0',
        busArn: ORDERS_BUS_ARN,
        subscriberArn: subscriber.arn,
        targetArn: 'arn:aws:sqs:us-east-1:000000000000:shipping.fifo',
        errorCode: 'Error',
        errorMessage: 'a1 refused',
        exhaustedRetryCondition: 'MaximumRetryAttempts',
        retryAttempts: 2,
        failedMessages: [
          {
            eventId: a1.event.id,
            eventGroupId: 'A',
            deduplicationId: 'dedup-a1',
            timestamp: a1.event.time,
          },
        ],
      },
    ]);
    expect(target.deliveredLabels()).toEqual(['a2']);
  });

  it('dead-letters once the event is older than maxEventAgeInSeconds, counting from its acceptance', async () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock);
    const records: DeadLetterRecord[] = [];
    const subscriber = aSubscriber(
      store,
      new RecordingTarget(),
      {
        target: async () => {
          clock.advance(30_000);
          throw new Error('target down');
        },
        retryPolicy: { maxEventAgeInSeconds: 60 },
        onFailure: (record) => void records.push(record),
      },
      { clock },
    );

    store.append(aRetainedEvent('A', 'a1', clock.read().getTime()));
    await subscriber.whenIdle();

    expect(records).toEqual([
      expect.objectContaining({
        exhaustedRetryCondition: 'MaximumEventAgeInSeconds',
        retryAttempts: 1,
      }),
    ]);
  });

  it('reports MaximumRetryAttempts when both limits are reached, as AWS evaluates attempts first', async () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock);
    const records: DeadLetterRecord[] = [];
    const target = new RecordingTarget().fail('a1', 1);
    const subscriber = aSubscriber(
      store,
      target,
      {
        retryPolicy: { maxRetryAttempts: 0, maxEventAgeInSeconds: 60 },
        onFailure: (r) => void records.push(r),
      },
      { clock },
    );
    const old = aRetainedEvent('A', 'a1', clock.read().getTime() - 120_000);

    store.append(old);
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1']]);
    expect(records.map((r) => [r.exhaustedRetryCondition, r.retryAttempts])).toEqual([
      ['MaximumRetryAttempts', 0],
    ]);
  });

  it('truncates the error message at 1024 characters and names the error', async () => {
    const store = aRetainedStore();
    const records: DeadLetterRecord[] = [];
    const subscriber = aSubscriber(store, new RecordingTarget(), {
      target: async () => {
        throw new TypeError('x'.repeat(2000));
      },
      retryPolicy: { maxRetryAttempts: 0 },
      onFailure: (record) => void records.push(record),
    });

    store.append(aRetainedEvent('A', 'a1'));
    await subscriber.whenIdle();

    expect(records[0]?.errorCode).toBe('TypeError');
    expect(records[0]?.errorMessage).toHaveLength(1024);
  });

  it('drops the events and logs it when there is no onFailure, or when onFailure fails', async () => {
    const log = aRecordingLog();
    const store = aRetainedStore();
    const target = new RecordingTarget().fail('a1', 1).fail('b1', 1);
    const without = aSubscriber(store, target, { retryPolicy: { maxRetryAttempts: 0 } }, { log });
    store.append(aRetainedEvent('A', 'a1'));
    await without.whenIdle();
    await without.close();
    const failing = aSubscriber(
      store,
      target,
      {
        retryPolicy: { maxRetryAttempts: 0 },
        onFailure: () => {
          throw new Error('queue gone');
        },
      },
      { log },
    );

    store.append(aRetainedEvent('B', 'b1'));
    store.append(aRetainedEvent('B', 'b2'));
    await failing.whenIdle();

    expect(log.lines.filter((line) => line.includes('dropped'))).toEqual([
      expect.stringMatching(
        /^subscriber shipping: group A: 1 event\(s\) .* dropped after 0 retries \(MaximumRetryAttempts\); no onFailure$/,
      ),
      expect.stringMatching(
        /^subscriber shipping: group B: 1 event\(s\) .* dropped: onFailure failed \(Error: queue gone\)$/,
      ),
    ]);
    expect(target.deliveredLabels()).toEqual(['b2']);
  });
});

describe('FifoSubscriber starting position', () => {
  it('starts at LATEST by default: retained events are not delivered', async () => {
    const store = aRetainedStore();
    store.append(aRetainedEvent('A', 'old'));
    const target = new RecordingTarget();

    const subscriber = aSubscriber(store, target);
    store.append(aRetainedEvent('A', 'new'));
    await subscriber.whenIdle();

    expect(target.deliveredLabels()).toEqual(['new']);
  });

  it('replays every retained event from HORIZON, marked REPLAY, before the live ones, in order per group', async () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock);
    store.append(aRetainedEvent('A', 'a1', clock.read().getTime()));
    store.append(aRetainedEvent('B', 'b1', clock.read().getTime()));
    store.append(aRetainedEvent('A', 'a2', clock.read().getTime()));
    const target = new RecordingTarget();

    const subscriber = aSubscriber(
      store,
      target,
      { startingPosition: 'POINT_IN_TIME', pointInTimeConfiguration: { pointType: 'HORIZON' } },
      { clock },
    );
    store.append(aRetainedEvent('A', 'a3', clock.read().getTime()));
    await subscriber.whenIdle();

    const byGroup = (group: string) =>
      target.delivered
        .filter((e) => e.eventGroupId === group)
        .map((e) => [e.detail.label, e.deliveryType]);
    expect(byGroup('A')).toEqual([
      ['a1', 'REPLAY'],
      ['a2', 'REPLAY'],
      ['a3', 'LIVE'],
    ]);
    expect(byGroup('B')).toEqual([['b1', 'REPLAY']]);
  });

  it('does not replay events that left the retention window', async () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock);
    store.append(aRetainedEvent('A', 'expired', clock.read().getTime()));
    clock.advance(12 * 60 * 60 * 1000);
    store.append(aRetainedEvent('A', 'kept', clock.read().getTime()));
    clock.advance(13 * 60 * 60 * 1000);
    const target = new RecordingTarget();

    const subscriber = aSubscriber(
      store,
      target,
      { startingPosition: 'POINT_IN_TIME', pointInTimeConfiguration: { pointType: 'HORIZON' } },
      { clock },
    );
    await subscriber.whenIdle();

    expect(target.deliveredLabels()).toEqual(['kept']);
  });

  it('replays from a TIMESTAMP the events accepted at or after it', async () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock);
    const t0 = clock.read().getTime();
    store.append(aRetainedEvent('A', 'before', t0 + 1000));
    store.append(aRetainedEvent('A', 'at', t0 + 2000));
    store.append(aRetainedEvent('A', 'after', t0 + 3000));
    clock.advance(5000);
    const target = new RecordingTarget();

    const subscriber = aSubscriber(
      store,
      target,
      {
        startingPosition: 'POINT_IN_TIME',
        pointInTimeConfiguration: { pointType: 'TIMESTAMP', startingPoint: new Date(t0 + 2000) },
      },
      { clock },
    );
    await subscriber.whenIdle();

    expect(target.deliveredLabels()).toEqual(['at', 'after']);
  });

  it('fails if the TIMESTAMP is before the retention window starts', () => {
    const store = aRetainedStore();

    expect(() =>
      aSubscriber(store, new RecordingTarget(), {
        startingPosition: 'POINT_IN_TIME',
        pointInTimeConfiguration: {
          pointType: 'TIMESTAMP',
          startingPoint: new Date(FIXED_NOW.getTime() - 1),
        },
      }),
    ).toThrow(
      new LocalRuntimeError(
        `startingPoint ${new Date(FIXED_NOW.getTime() - 1).toISOString()} is before the bus's RetentionWindowStartTime ${FIXED_NOW.toISOString()}`,
      ),
    );
  });
});

describe('FifoSubscriber.close', () => {
  it('stops retrying and taking new events, and leaves the undelivered ones undelivered', async () => {
    const store = aRetainedStore();
    const target = new RecordingTarget().fail('a1', Number.POSITIVE_INFINITY);
    const onFailure = vi.fn();
    const subscriber = aSubscriber(store, target, { retryDelayMs: () => 60_000, onFailure });
    store.append(aRetainedEvent('A', 'a1'));
    await vi.waitFor(() => expect(target.calls).toEqual([['a1']]));

    await subscriber.close();
    store.append(aRetainedEvent('B', 'b1'));
    await subscriber.whenIdle();

    expect(target.calls).toEqual([['a1']]);
    expect(onFailure).not.toHaveBeenCalled();
  });
});

describe('FifoSubscriber options', () => {
  it.each([
    [
      'maxRetryAttempts 186',
      { retryPolicy: { maxRetryAttempts: 186 } },
      'retryPolicy.maxRetryAttempts must be a whole number from 0 to 185, got 186',
    ],
    [
      'maxRetryAttempts -1',
      { retryPolicy: { maxRetryAttempts: -1 } },
      'retryPolicy.maxRetryAttempts must be a whole number from 0 to 185, got -1',
    ],
    [
      'maxEventAgeInSeconds 59',
      { retryPolicy: { maxEventAgeInSeconds: 59 } },
      'retryPolicy.maxEventAgeInSeconds must be a whole number from 60 to 86400, got 59',
    ],
    [
      'maxEventAgeInSeconds 86401',
      { retryPolicy: { maxEventAgeInSeconds: 86_401 } },
      'retryPolicy.maxEventAgeInSeconds must be a whole number from 60 to 86400, got 86401',
    ],
    [
      'maxBatchSize 0',
      { maxBatchSize: 0 },
      'maxBatchSize must be a whole number from 1 to 100, got 0',
    ],
    [
      'maxBatchSize 1.5',
      { maxBatchSize: 1.5 },
      'maxBatchSize must be a whole number from 1 to 100, got 1.5',
    ],
    [
      'POINT_IN_TIME without a configuration',
      { startingPosition: 'POINT_IN_TIME' },
      'POINT_IN_TIME needs pointInTimeConfiguration',
    ],
    [
      'a configuration with LATEST',
      { pointInTimeConfiguration: { pointType: 'HORIZON' } },
      'pointInTimeConfiguration applies only to POINT_IN_TIME',
    ],
    [
      'TIMESTAMP without a startingPoint',
      { startingPosition: 'POINT_IN_TIME', pointInTimeConfiguration: { pointType: 'TIMESTAMP' } },
      'pointType TIMESTAMP needs startingPoint',
    ],
  ] as const)('fails early for %s', (_, options, message) => {
    expect(() =>
      aSubscriber(
        aRetainedStore(),
        new RecordingTarget(),
        options as Partial<FifoSubscriberOptions>,
      ),
    ).toThrow(new LocalRuntimeError(message));
  });
});
