import { describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import { NO_FAULTS } from '../../../../local/bus/faults.js';
import { seededRandom } from '../../../../local/seeded-random.js';
import { aFaultInjector, aRecordingLog, awsErrorThrownBy } from '../../../helpers/local-bus.js';

describe('FaultInjector', () => {
  it('injects nothing and draws no random number while no fault is in force', async () => {
    const faults = aFaultInjector(); // its random throws if drawn from

    const entry = faults.entryFailure();
    faults.failRequest();
    faults.loseResponse({});
    await faults.delay();

    expect(entry).toBeUndefined();
    expect(faults.current()).toBe(NO_FAULTS);
  });

  it.each([
    ['ThrottlingException', 'Rate exceeded (injected).'],
    ['InternalFailure', 'Internal service error (injected).'],
  ] as const)(
    'fails an entry with %s when failRate is 1 and that code is set',
    (errorCode, message) => {
      const faults = aFaultInjector({ random: () => 0.5 });
      faults.set({ failRate: 1, errorCode });

      expect(faults.entryFailure()).toEqual({ code: errorCode, message });
    },
  );

  it('fails entries with ThrottlingException unless told otherwise', () => {
    const faults = aFaultInjector({ random: () => 0 });
    faults.set({ failRate: 0.5 });

    expect(faults.entryFailure()?.code).toBe('ThrottlingException');
  });

  it('fails an entry when the draw is below failRate, and lets it through otherwise', () => {
    const draws = [0.29, 0.3];
    const faults = aFaultInjector({ random: () => draws.shift() ?? 1 });
    faults.set({ failRate: 0.3 });

    expect([faults.entryFailure()?.code, faults.entryFailure()?.code]).toEqual([
      'ThrottlingException',
      undefined,
    ]);
  });

  it('replays the same failures from the same seed', () => {
    const run = () => {
      const faults = aFaultInjector({ random: seededRandom(42) });
      faults.set({ failRate: 0.3 });
      return Array.from({ length: 50 }, () => faults.entryFailure() !== undefined);
    };

    expect(run()).toEqual(run());
    expect(run().filter(Boolean).length).toBeGreaterThan(0);
  });

  it('fails a whole request with an injected HTTP 500 InternalException when requestFailRate is 1', () => {
    const log = aRecordingLog();
    const faults = aFaultInjector({ random: () => 0.5, log });
    faults.set({ requestFailRate: 1 });

    const error = awsErrorThrownBy(() => faults.failRequest());

    expect(error).toMatchObject({ type: 'InternalException', status: 500, message: 'injected' });
    expect(log.lines).toEqual(['PutEvents answered with an injected HTTP 500']);
  });

  it('loses the response with an injected HTTP 500 when lostResponseRate is 1', () => {
    const log = aRecordingLog();
    const faults = aFaultInjector({ random: () => 0.5, log });
    faults.set({ lostResponseRate: 1 });

    const error = awsErrorThrownBy(() => faults.loseResponse({}));

    expect(error).toMatchObject({ status: 500, message: 'injected after acceptance' });
    expect(log.lines).toEqual([
      'PutEvents accepted, then answered with an injected HTTP 500 (lost response)',
    ]);
  });

  it('remembers the ids of the events whose answer it lost, and only those', () => {
    const faults = aFaultInjector({ random: () => 0.5 });
    faults.loseResponse({ Entries: [{ EventId: 'kept' }] });
    faults.set({ lostResponseRate: 1 });

    awsErrorThrownBy(() =>
      faults.loseResponse({ Entries: [{ EventId: 'a' }, { ErrorCode: 'X' }, { EventId: 'b' }] }),
    );

    expect(faults.lostResponseEventIds()).toEqual(['a', 'b']);
  });

  it('cuts a pending delay short on close', async () => {
    const faults = aFaultInjector();
    faults.set({ latencyMs: 60_000 });

    const delayed = faults.delay();
    faults.close();

    await expect(delayed).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fills the absent fields with no fault, and clears them all', () => {
    const faults = aFaultInjector();

    const set = faults.set({ latencyMs: 5 });
    faults.clear();

    expect(set).toEqual({ ...NO_FAULTS, latencyMs: 5 });
    expect(faults.current()).toBe(NO_FAULTS);
  });

  it.each([
    ['a rate above 1', { failRate: 1.5 }],
    ['an unknown error code', { errorCode: 'AccessDenied' }],
    ['a latency over 60 s', { latencyMs: 60_001 }],
    ['an unknown field', { failrate: 1 }],
  ])('fails if set gets %s, and keeps the faults in force', (_, input) => {
    const faults = aFaultInjector();
    faults.set({ latencyMs: 5 });

    expect(() => faults.set(input)).toThrow(ZodError);
    expect(faults.current().latencyMs).toBe(5);
  });

  it('draws for a fault only while its rate is above 0', () => {
    const random = vi.fn(() => 0.99);
    const faults = aFaultInjector({ random });
    faults.set({ requestFailRate: 0.5 });

    faults.entryFailure();
    faults.failRequest();
    faults.loseResponse({});

    expect(random).toHaveBeenCalledTimes(1);
  });
});
