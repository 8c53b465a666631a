import { describe, expect, it } from 'vitest';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import { PublishLane } from '../../../lambdas/outbox/publish-lane.js';
import { aChain, eventIdsOf } from '../../helpers/outbox-records.js';

/** Backoff whose delay is exactly half its ceiling: 50, 100, 200 … ms with a 100 ms base. */
const HALF_JITTER = { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };

/** A lane over two records of Order#1: sequences 1–2 (ids Order#1/2/0, /2/1) and 3. */
function aLane(): PublishLane {
  return new PublishLane(aChain({ aggregate: 'Order#1', records: 2, eventsPerRecord: [2, 1] }));
}

describe('PublishLane', () => {
  it('starts at the first event of the first record, ready, with every event left', () => {
    const lane = aLane();

    expect(lane.event.sequence).toBe(1);
    expect(lane.record).toBe(lane.records[0]);
    expect(lane.eventsLeft).toBe(3);
    expect(lane.isReady(0)).toBe(true);
    expect(lane.done).toBe(false);
  });

  describe('accepted', () => {
    it('moves to the next event of the record, and returns nothing until the record is complete', () => {
      const lane = aLane();

      const finished = lane.accepted('Order#1/2/0');

      expect(finished).toBeUndefined();
      expect(lane.event.sequence).toBe(2);
      expect(lane.eventsLeft).toBe(2);
    });

    it('returns the record after its last event and moves to the next record', () => {
      const lane = aLane();
      lane.accepted('Order#1/2/0');

      const finished = lane.accepted('Order#1/2/1');

      expect(finished).toBe(lane.records[0]);
      expect(lane.record).toBe(lane.records[1]);
      expect(lane.event.sequence).toBe(3);
    });

    it('is done after the last event of the last record, with nothing unfinished', () => {
      const lane = aLane();

      for (const id of eventIdsOf(lane.records)) lane.accepted(id);

      expect(lane.done).toBe(true);
      expect(lane.eventsLeft).toBe(0);
      expect(lane.unfinishedRecords).toEqual([]);
      expect(lane.isReady(0)).toBe(false);
    });

    it('fails if asked for the next event once done', () => {
      const lane = aLane();
      for (const id of eventIdsOf(lane.records)) lane.accepted(id);

      expect(() => lane.event).toThrow(OutboxError);
    });

    it('starts the next event without backoff or undocumented answers', () => {
      const lane = aLane();
      lane.retryLater(1_000, HALF_JITTER);
      lane.unknownAnswer();

      lane.accepted('Order#1/2/0');

      expect(lane.retrying).toBe(false);
      expect(lane.readyAt).toBe(0);
      expect(lane.unknownAnswer()).toBe(1);
    });

    it('lets a lane that went alone share calls again', () => {
      const lane = aLane();
      lane.sendAlone();

      lane.accepted('Order#1/2/0');

      expect(lane.sendsAlone).toBe(false);
    });
  });

  describe('poisoned', () => {
    it('gives up the current record with the event ids accepted of it, and moves to the next', () => {
      const lane = aLane();
      lane.accepted('Order#1/2/0');

      const poisoned = lane.poisoned();

      expect(poisoned).toEqual({ record: lane.records[0], acceptedEventIds: ['Order#1/2/0'] });
      expect(lane.event.sequence).toBe(3);
      expect(lane.eventsLeft).toBe(1);
    });

    it('reports no accepted ids when the first event of the record is poison', () => {
      const lane = aLane();

      expect(lane.poisoned().acceptedEventIds).toEqual([]);
    });

    it('starts the next record without backoff', () => {
      const lane = aLane();
      lane.retryLater(1_000, HALF_JITTER);

      lane.poisoned();

      expect(lane.isReady(0)).toBe(true);
      expect(lane.retrying).toBe(false);
    });
  });

  describe('retryLater', () => {
    it('holds the event back by a full-jitter delay that doubles with each retry', () => {
      const lane = aLane();

      lane.retryLater(1_000, HALF_JITTER);
      const first = lane.readyAt;
      lane.retryLater(2_000, HALF_JITTER);

      expect(first).toBe(1_050);
      expect(lane.readyAt).toBe(2_100);
      expect(lane.retrying).toBe(true);
    });

    it('makes the lane ready only once the delay is over', () => {
      const lane = aLane();

      lane.retryLater(1_000, HALF_JITTER);

      expect(lane.isReady(1_049)).toBe(false);
      expect(lane.isReady(1_050)).toBe(true);
    });
  });

  describe('in a call', () => {
    it('is not ready while its event awaits an answer, and ready again once answered', () => {
      const lane = aLane();

      lane.sent();
      const whileSent = lane.isReady(0);
      lane.answered();

      expect(whileSent).toBe(false);
      expect(lane.isReady(0)).toBe(true);
    });
  });

  describe('unknownAnswer', () => {
    it('counts the undocumented answers of the current event', () => {
      const lane = aLane();

      lane.unknownAnswer();

      expect(lane.unknownAnswer()).toBe(2);
    });
  });

  it('reports a record partly accepted as unfinished, with the records after it', () => {
    const lane = aLane();

    lane.accepted('Order#1/2/0');

    expect(lane.unfinishedRecords).toEqual(lane.records);
  });
});
