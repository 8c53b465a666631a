import { describe, expect, it } from 'vitest';
import type { LocalEvent } from '../../../../local/bus/event-bus.js';
import { EventJournal } from '../../../../local/bus/event-journal.js';
import { aRetainedEvent } from '../../../helpers/custom-bus.js';
import { aRecordingLog } from '../../../helpers/local-bus.js';

const anEvent = (label: string): LocalEvent => aRetainedEvent('g', label).event;

describe('EventJournal', () => {
  it('lists recorded events in order, and those after a given id', () => {
    const journal = new EventJournal(() => undefined);

    journal.record(anEvent('a'));
    journal.record(anEvent('b'));
    journal.record(anEvent('c'));

    expect(journal.accepted().map((e) => e.id)).toEqual(['event-a', 'event-b', 'event-c']);
    expect(journal.acceptedAfter('event-a')?.map((e) => e.id)).toEqual(['event-b', 'event-c']);
    expect(journal.acceptedAfter('nope')).toBeUndefined();
  });

  it('hands out copies: changing one does not change the journal', () => {
    const journal = new EventJournal(() => undefined);
    journal.record(anEvent('a'));

    journal.accepted().pop();

    expect(journal.accepted()).toHaveLength(1);
  });

  it('tells listeners about each recorded event until they unsubscribe, logging one that throws or rejects', async () => {
    const log = aRecordingLog();
    const journal = new EventJournal(log);
    const seen: string[] = [];
    const unsubscribe = journal.onEvent((e) => void seen.push(e.id));
    journal.onEvent(() => {
      throw new Error('boom');
    });
    journal.onEvent(() => Promise.reject(new Error('later')));

    journal.record(anEvent('a'));
    unsubscribe();
    journal.record(anEvent('b'));
    await Promise.resolve();

    expect(seen).toEqual(['event-a']);
    expect(log.lines).toEqual([
      'listener failed on event event-a: Error: boom',
      'listener failed on event event-b: Error: boom',
      'listener failed on event event-a: Error: later',
      'listener failed on event event-b: Error: later',
    ]);
  });
});
