import { describe, expect, it } from 'vitest';
import type { RetainedEvent } from '../../../../local/bus/retained-events.js';
import { aRetainedEvent, aRetainedStore } from '../../../helpers/custom-bus.js';
import { aRecordingLog, ManualClock } from '../../../helpers/local-bus.js';
import { FIXED_NOW } from '../../../helpers/outbox-fixtures.js';

const HOUR = 60 * 60 * 1000;

describe('RetainedEvents', () => {
  it('returns the events accepted at or after a point, oldest first', () => {
    const store = aRetainedStore();
    const at = (hours: number) => FIXED_NOW.getTime() + hours * HOUR;
    store.append(aRetainedEvent('g', 'a', at(0)));
    store.append(aRetainedEvent('g', 'b', at(1)));
    store.append(aRetainedEvent('g', 'c', at(2)));

    const since = store.since(new Date(at(1)));

    expect(since.map((e) => e.event.detail.label)).toEqual(['b', 'c']);
  });

  it('starts its window at the creation time, then at now minus the retention period', () => {
    const clock = new ManualClock();
    const store = aRetainedStore(clock, { retentionDays: 2 });

    const young = store.windowStart();
    clock.advance(50 * HOUR);

    expect(young).toEqual(FIXED_NOW);
    expect(store.windowStart()).toEqual(new Date(FIXED_NOW.getTime() + 2 * HOUR));
  });

  it('drops the events older than the retention period, and logs how many', () => {
    const clock = new ManualClock();
    const log = aRecordingLog();
    const store = aRetainedStore(clock, { log });
    store.append(aRetainedEvent('g', 'old', clock.read().getTime()));
    clock.advance(2 * HOUR);
    store.append(aRetainedEvent('g', 'new', clock.read().getTime()));
    clock.advance(23 * HOUR);

    const kept = store.since(new Date(0));

    expect(kept.map((e) => e.event.detail.label)).toEqual(['new']);
    expect(log.lines).toEqual(['1 event(s) left the retention window and were dropped']);
  });

  it('tells listeners about each appended event until they unsubscribe; a throwing one is logged', () => {
    const log = aRecordingLog();
    const store = aRetainedStore(undefined, { log });
    const seen: RetainedEvent[] = [];
    const unsubscribe = store.onAppend((e) => void seen.push(e));
    store.onAppend(() => {
      throw new Error('boom');
    });

    store.append(aRetainedEvent('g', 'a'));
    unsubscribe();
    store.append(aRetainedEvent('g', 'b'));

    expect(seen.map((e) => e.event.detail.label)).toEqual(['a']);
    expect(log.lines).toEqual([
      'subscriber failed to take event event-a: Error: boom',
      'subscriber failed to take event event-b: Error: boom',
    ]);
    expect(store.since(new Date(0))).toHaveLength(2);
  });
});
