import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../lambdas/outbox/envelope.js';
import { OutboxError } from '../../../lambdas/outbox/errors.js';
import {
  MAX_PUT_EVENTS_ENTRIES,
  OrderedPublisher,
  type OutboxRecord,
  type PublishFailure,
} from '../../../lambdas/outbox/index.js';
import type {
  OrderedPublisherOptions,
  PublishHooks,
  PublishReport,
} from '../../../lambdas/outbox/ordered-publisher.js';
import {
  classifyEntryError,
  UNKNOWN_CODE_ATTEMPTS,
} from '../../../lambdas/outbox/publish-errors.js';
import { toPutEventsEntry } from '../../../lambdas/outbox/put-events-entry.js';
import { awsJsonErrorFor, putEventsErrorFor } from '../../helpers/event-bridge-errors.js';
import { acceptAll, FakeEventPublisher } from '../../helpers/fake-event-publisher.js';
import { aChain, anOutboxRecord, eventIdsOf } from '../../helpers/outbox-records.js';

const ebMock = mockClient(EventBridgeClient);
const BUS = 'orders-bus';

beforeEach(() => {
  ebMock.reset();
});

// ---------------------------------------------------------------------------------------
// A PutEvents fake: scripted outcomes per event and per call, deferred responses, and a
// record of every call (entries decoded back to aggregate and sequence).
// ---------------------------------------------------------------------------------------

/** What EventBridge answers for one entry: accept it, an error code, or no result at all. */
type EntryOutcome = 'accept' | 'missing' | { readonly code: string; readonly message?: string };

/** One entry of a PutEvents call, decoded from its Detail envelope. */
interface SentEntry {
  readonly aggregate: string;
  readonly sequence: number;
  /** The outbox event id (from the envelope), not EventBridge's. */
  readonly eventId: string;
  /** Size by the documented formula, computed here independently of the publisher. */
  readonly size: number;
  readonly entry: PutEventsRequestEntry;
}

const utf8 = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** "Calculating PutEvents event entry size": 14 for Time, plus Source, DetailType, Detail, Resources. */
function documentedEntrySize(entry: PutEventsRequestEntry): number {
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + utf8(r), 0)
  );
}

function decode(entry: PutEventsRequestEntry): SentEntry {
  const envelope = JSON.parse(entry.Detail ?? '{}') as EventEnvelope;
  return {
    aggregate: `${envelope.aggregateType}#${envelope.aggregateId}`,
    sequence: envelope.sequence,
    eventId: envelope.eventId,
    size: documentedEntrySize(entry),
    entry,
  };
}

/** An error as the SDK raises it for a failed request. */
function requestError(name: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(`${name} (simulated)`), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

class PutEventsFake {
  /** Every call, in the order the publisher started them. */
  readonly calls: SentEntry[][] = [];
  /** Every accepted entry, in the order EventBridge accepted them. */
  readonly accepted: SentEntry[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Set when a call started while another call for the same aggregate was in flight. */
  overlap: string | undefined;
  private readonly inFlightAggregates = new Set<string>();
  private readonly outcomes = new Map<string, EntryOutcome[]>();
  private readonly requestRules: ((entries: readonly SentEntry[], call: number) => unknown)[] = [];
  private held: (() => void)[] | undefined;
  private ids = 0;
  /** Called at the start of every call (e.g. to advance a fake clock). */
  onCall: (call: number) => void = () => {};

  constructor(
    /** Wraps the response promise, e.g. in a fast-check scheduler. */
    private readonly wrap: <T>(response: () => Promise<T>) => Promise<T> = (response) => response(),
  ) {
    ebMock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => this.handle(input));
  }

  /** EventBridge answers these outcomes for the event's next attempts (then accepts it). */
  entryFails(eventId: string, ...outcomes: EntryOutcome[]): this {
    this.outcomes.set(eventId, [...(this.outcomes.get(eventId) ?? []), ...outcomes]);
    return this;
  }

  /** A request-level error for calls the rule picks (the rule returns the error, or undefined). */
  requestFails(rule: (entries: readonly SentEntry[], call: number) => unknown): this {
    this.requestRules.push(rule);
    return this;
  }

  /** The next call only (by index) fails as a whole with this error. */
  callFails(call: number, error: unknown): this {
    return this.requestFails((_, n) => (n === call ? error : undefined));
  }

  /** Responses wait until {@link releaseOldest}. */
  hold(): this {
    this.held = [];
    return this;
  }

  releaseOldest(): boolean {
    const release = this.held?.shift();
    release?.();
    return release !== undefined;
  }

  /** Every entry sent, for one aggregate, in call order. */
  sentFor(aggregate: string): number[] {
    return this.calls.flat().flatMap((e) => (e.aggregate === aggregate ? [e.sequence] : []));
  }

  /** Sequences EventBridge accepted for one aggregate, in acceptance order. */
  acceptedFor(aggregate: string): number[] {
    return this.accepted.flatMap((e) => (e.aggregate === aggregate ? [e.sequence] : []));
  }

  private handle(input: PutEventsCommandInput): Promise<Partial<PutEventsCommandOutput>> {
    const entries = (input.Entries ?? []).map(decode);
    const call = this.calls.length;
    this.calls.push(entries);
    this.onCall(call);
    for (const e of entries) {
      if (this.inFlightAggregates.has(e.aggregate)) this.overlap ??= e.aggregate;
      this.inFlightAggregates.add(e.aggregate);
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const finish = () => {
      this.inFlight--;
      for (const e of entries) this.inFlightAggregates.delete(e.aggregate);
    };
    const response = async (): Promise<Partial<PutEventsCommandOutput>> => {
      if (this.held !== undefined) {
        const held = this.held;
        await new Promise<void>((resolve) => held.push(resolve));
      }
      finish();
      for (const rule of this.requestRules) {
        const error = rule(entries, call);
        if (error !== undefined) throw error;
      }
      // Results are positional: a missing result truncates the list, so the entries from
      // there on get no answer (and are neither accepted nor rejected).
      const results: PutEventsResultEntry[] = [];
      for (const e of entries) {
        const outcome = this.outcomes.get(e.eventId)?.shift() ?? 'accept';
        if (outcome === 'missing') break;
        if (outcome === 'accept') {
          this.accepted.push(e);
          this.ids++;
          results.push({ EventId: `eb-${this.ids}` });
        } else {
          results.push({
            ErrorCode: outcome.code,
            ErrorMessage: outcome.message ?? `${outcome.code}!`,
          });
        }
      }
      return {
        FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length,
        Entries: results,
      };
    };
    return this.wrap(response);
  }
}

// ---------------------------------------------------------------------------------------
// A fake clock, the publisher and recording hooks
// ---------------------------------------------------------------------------------------

class FakeClock {
  t = 0;
  readonly sleeps: number[] = [];
  readonly now = (): number => this.t;
  /** Advances the clock at once, yielding to the event loop so that a busy loop still times out. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

function aPublisher(
  clock: FakeClock,
  options: Partial<OrderedPublisherOptions> = {},
): OrderedPublisher {
  return new OrderedPublisher({
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: BUS,
    now: clock.now,
    sleep: clock.sleep,
    backoff: { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 },
    ...options,
  });
}

interface Poisoned {
  readonly record: OutboxRecord;
  readonly failure: PublishFailure;
  readonly acceptedEventIds: readonly string[];
}

interface Recorder {
  readonly hooks: PublishHooks;
  readonly accepted: OutboxRecord[];
  readonly poisoned: Poisoned[];
}

function recordingHooks(remainingMs: () => number = () => Number.POSITIVE_INFINITY): Recorder {
  const accepted: OutboxRecord[] = [];
  const poisoned: Poisoned[] = [];
  return {
    accepted,
    poisoned,
    hooks: {
      remainingMs,
      onAccepted: (record) => accepted.push(record),
      onPoison: (record, failure, acceptedEventIds) =>
        poisoned.push({ record, failure, acceptedEventIds }),
    },
  };
}

/** `n` aggregates `Order#0` … with one single-event record each. */
function singleEventAggregates(n: number, detailBytes?: number): OutboxRecord[][] {
  return Array.from({ length: n }, (_, i) =>
    aChain({ aggregate: `Order#${i}`, ...(detailBytes === undefined ? {} : { detailBytes }) }),
  );
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs a publish whose PutEvents responses are held, releasing them one at a time. */
async function releasingOneByOne(
  fake: PutEventsFake,
  run: Promise<PublishReport>,
): Promise<PublishReport> {
  let settled = false;
  run.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) {
    await flush();
    fake.releaseOldest();
  }
  return run;
}

const callSizes = (fake: PutEventsFake) => fake.calls.map((c) => c.length);

// ---------------------------------------------------------------------------------------

describe('OrderedPublisher', () => {
  describe('constructor', () => {
    it.each([0, -1, 1.5, Number.NaN])('fails if concurrency is %s', (concurrency) => {
      expect(() => aPublisher(new FakeClock(), { concurrency })).toThrow(OutboxError);
    });

    it.each([0, -1, 0.5])('fails if maxRequestBytes is %s', (maxRequestBytes) => {
      expect(() => aPublisher(new FakeClock(), { maxRequestBytes })).toThrow(OutboxError);
    });
  });

  describe('building calls', () => {
    it('sends each stored event as its PutEvents entry on the configured bus', async () => {
      const fake = new PutEventsFake();
      const record = anOutboxRecord({
        aggregate: 'Order#1',
        resources: ['arn:aws:dynamodb:us-east-1:1:table/orders'],
        traceHeader: 'Root=1-abc',
      });

      await aPublisher(new FakeClock()).publish([[record]], recordingHooks().hooks);

      const event = record.events[0];
      if (event === undefined) throw new Error('the record has no event');
      expect(ebMock).toHaveReceivedCommandWith(PutEventsCommand, {
        Entries: [toPutEventsEntry(event, BUS)],
      });
      expect(fake.calls[0]?.[0]?.entry.EventBusName).toBe(BUS);
    });

    it('puts at most 10 entries in a call: 25 single-event aggregates go out as 10, 10 and 5', async () => {
      const fake = new PutEventsFake();

      const report = await aPublisher(new FakeClock()).publish(
        singleEventAggregates(25),
        recordingHooks().hooks,
      );

      expect(callSizes(fake)).toEqual([10, 10, 5]);
      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 3);
      expect(report.calls).toBe(3);
      expect(report.eventsPublished).toBe(25);
      expect(MAX_PUT_EVENTS_ENTRIES).toBe(10);
    });

    it('fills calls longest chain first: a 10-event chain listed after 90 single events still takes 10 calls, not 19', async () => {
      const fake = new PutEventsFake();
      const long = aChain({ aggregate: 'Order#long', records: 10 });

      const report = await aPublisher(new FakeClock(), { concurrency: 1 }).publish(
        [...singleEventAggregates(90), long],
        recordingHooks().hooks,
      );

      // max(⌈100 / 10⌉, 10): every call carries one event of the long chain.
      expect(report.calls).toBe(10);
      expect(fake.calls.every((call) => call.some((e) => e.aggregate === 'Order#long'))).toBe(true);
    });

    it('fills a call largest entry first among equal chains, so big entries share calls with small ones', async () => {
      const fake = new PutEventsFake();
      // A large and a medium entry fit a request; two large, or two medium and a large, do not.
      const large = (i: number) => aChain({ aggregate: `Order#L${i}`, detailBytes: 60_000 });
      const medium = (i: number) => aChain({ aggregate: `Order#M${i}`, detailBytes: 40_000 });
      const chains = [medium(0), medium(1), large(0), large(1)];

      const report = await aPublisher(new FakeClock(), {
        concurrency: 1,
        maxRequestBytes: 101_000,
      }).publish(chains, recordingHooks().hooks);

      // First fit in list order: [M, M], [L], [L]. Largest first: [L, M], [L, M].
      expect(report.calls).toBe(2);
      expect(fake.calls.map((call) => call.map((e) => e.aggregate))).toEqual([
        ['Order#L0', 'Order#M0'],
        ['Order#L1', 'Order#M1'],
      ]);
    });

    it('keeps every call within maxRequestBytes by the documented formula: 3 entries fit exactly, the 4th goes to the next call', async () => {
      const fake = new PutEventsFake();
      const chains = singleEventAggregates(4, 1_000);
      const entrySize = 14 + utf8('com.example.orders') + utf8('OrderChanged') + 1_000;
      const limit = 3 * entrySize;

      await aPublisher(new FakeClock(), { maxRequestBytes: limit }).publish(
        chains,
        recordingHooks().hooks,
      );

      expect(callSizes(fake)).toEqual([3, 1]);
      const bytes = fake.calls.map((call) => call.reduce((sum, e) => sum + e.size, 0));
      expect(bytes).toEqual([limit, entrySize]);
      for (const b of bytes) expect(b).toBeLessThanOrEqual(limit);
    });

    it('fails if one byte less than 3 entries is allowed and it still puts 3 in a call', async () => {
      const fake = new PutEventsFake();
      const chains = singleEventAggregates(4, 1_000);
      const entrySize = 14 + utf8('com.example.orders') + utf8('OrderChanged') + 1_000;

      await aPublisher(new FakeClock(), { maxRequestBytes: 3 * entrySize - 1 }).publish(
        chains,
        recordingHooks().hooks,
      );

      expect(callSizes(fake)).toEqual([2, 2]);
    });

    it('fills a call with a smaller entry that fits when a larger one does not', async () => {
      const fake = new PutEventsFake();
      const big = aChain({ aggregate: 'Order#big1', detailBytes: 600 });
      const big2 = aChain({ aggregate: 'Order#big2', detailBytes: 600 });
      const small = aChain({ aggregate: 'Order#small', detailBytes: 200 });
      const limit = 2 * (14 + 30 + 600) - 100; // one big + one small, not two bigs

      await aPublisher(new FakeClock(), { maxRequestBytes: limit }).publish(
        [big, big2, small],
        recordingHooks().hooks,
      );

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#big1', 'Order#small'],
        ['Order#big2'],
      ]);
    });

    it('counts resources towards the request size', async () => {
      const fake = new PutEventsFake();
      const resources = ['r'.repeat(500)];
      const chains = [
        aChain({ aggregate: 'Order#1', detailBytes: 300, resources }),
        aChain({ aggregate: 'Order#2', detailBytes: 300, resources }),
      ];
      const entrySize = 14 + 30 + 300 + 500;

      await aPublisher(new FakeClock(), { maxRequestBytes: 2 * entrySize - 1 }).publish(
        chains,
        recordingHooks().hooks,
      );

      expect(callSizes(fake)).toEqual([1, 1]);
      expect(fake.calls[0]?.[0]?.size).toBe(entrySize);
    });
  });

  describe('order per aggregate', () => {
    it('never puts two entries of one aggregate in a call: 3 records × 4 events of a hot aggregate take 12 single-entry calls in sequence order', async () => {
      const fake = new PutEventsFake();
      const chain = aChain({ aggregate: 'Order#hot', records: 3, eventsPerRecord: 4 });

      const report = await aPublisher(new FakeClock()).publish([chain], recordingHooks().hooks);

      expect(callSizes(fake)).toEqual(Array.from({ length: 12 }, () => 1));
      expect(fake.sentFor('Order#hot')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(report.eventsPublished).toBe(12);
      expect(report.calls).toBe(12);
    });

    it('takes the next event of every chain into each call, one per aggregate', async () => {
      const fake = new PutEventsFake();
      const a = aChain({ aggregate: 'Order#A', records: 2, eventsPerRecord: [2, 1] });
      const b = aChain({ aggregate: 'Order#B', records: 1, eventsPerRecord: 2 });

      await aPublisher(new FakeClock()).publish([a, b], recordingHooks().hooks);

      expect(fake.calls.map((c) => c.map((e) => `${e.aggregate}:${e.sequence}`))).toEqual([
        ['Order#A:1', 'Order#B:1'],
        ['Order#A:2', 'Order#B:2'],
        ['Order#A:3'],
      ]);
    });

    it('fails if two chains belong to one aggregate', async () => {
      new PutEventsFake();
      const [first, second] = aChain({ aggregate: 'Order#1', records: 2 });
      if (first === undefined || second === undefined) throw new Error('short chain');

      await expect(
        aPublisher(new FakeClock()).publish([[first], [second]], recordingHooks().hooks),
      ).rejects.toThrow(OutboxError);
      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });

    it('ignores empty chains', async () => {
      new PutEventsFake();

      const report = await aPublisher(new FakeClock()).publish(
        [[], aChain({ aggregate: 'Order#1' }), []],
        recordingHooks().hooks,
      );

      expect(report.accepted).toHaveLength(1);
      expect(report.unfinished).toEqual([]);
    });

    it('makes no call for no chains', async () => {
      new PutEventsFake();

      const report = await aPublisher(new FakeClock()).publish([], recordingHooks().hooks);

      expect(report).toEqual({
        accepted: [],
        poisoned: [],
        unfinished: [],
        eventsPublished: 0,
        eventsDeduplicated: 0,
        calls: 0,
        retries: 0,
      });
      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    });
  });

  describe('concurrency', () => {
    it.each([1, 2, 3])(
      'runs calls for different aggregates concurrently, never more than %i in flight',
      async (concurrency) => {
        const fake = new PutEventsFake().hold();
        const publisher = aPublisher(new FakeClock(), { concurrency });

        const report = await releasingOneByOne(
          fake,
          publisher.publish(singleEventAggregates(60), recordingHooks().hooks),
        );

        expect(fake.calls).toHaveLength(6);
        expect(fake.maxInFlight).toBe(concurrency);
        expect(report.eventsPublished).toBe(60);
      },
    );

    it('defaults to 4 calls in flight', async () => {
      const fake = new PutEventsFake().hold();

      await releasingOneByOne(
        fake,
        aPublisher(new FakeClock()).publish(singleEventAggregates(100), recordingHooks().hooks),
      );

      expect(fake.maxInFlight).toBe(4);
    });

    it('starts no call for an aggregate while one of its entries is in flight', async () => {
      const fake = new PutEventsFake().hold();
      const hot = aChain({ aggregate: 'Order#hot', records: 2, eventsPerRecord: 3 });
      const others = singleEventAggregates(30);

      await releasingOneByOne(
        fake,
        aPublisher(new FakeClock(), { concurrency: 4 }).publish(
          [hot, ...others],
          recordingHooks().hooks,
        ),
      );

      expect(fake.overlap).toBeUndefined();
      expect(fake.sentFor('Order#hot')).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  describe('retryable failures', () => {
    it.each(['ThrottlingException', 'InternalFailure'])(
      'retries an entry rejected with %s and publishes it before any later event of its aggregate',
      async (code) => {
        const clock = new FakeClock();
        // Record 1 holds sequences 1 and 2 (ids Order#1/2/0, Order#1/2/1); record 2 holds 3.
        const fake = new PutEventsFake().entryFails('Order#1/2/1', { code }, { code });
        const chain = aChain({ aggregate: 'Order#1', records: 2, eventsPerRecord: [2, 1] });

        const report = await aPublisher(clock).publish([chain], recordingHooks().hooks);

        expect(fake.sentFor('Order#1')).toEqual([1, 2, 2, 2, 3]);
        expect(fake.acceptedFor('Order#1')).toEqual([1, 2, 3]);
        expect(report.retries).toBe(2);
        expect(report.accepted).toEqual(chain);
        expect(clock.sleeps).toEqual([50, 100]);
      },
    );

    it('lets other aggregates go on while one backs off', async () => {
      const clock = new FakeClock();
      const fake = new PutEventsFake().entryFails('Order#A/1/0', { code: 'ThrottlingException' });
      const a = aChain({ aggregate: 'Order#A', records: 2 });
      const b = aChain({ aggregate: 'Order#B', records: 3 });

      await aPublisher(clock).publish([a, b], recordingHooks().hooks);

      // B first in a call: it has more left (longest chain first).
      expect(fake.calls.map((c) => c.map((e) => `${e.aggregate}:${e.sequence}`))).toEqual([
        ['Order#B:1', 'Order#A:1'],
        ['Order#B:2'],
        ['Order#B:3'],
        ['Order#A:1'],
        ['Order#A:2'],
      ]);
    });

    it('backs off with full jitter: retry n waits within [0, min(max, base·2^(n−1))]', async () => {
      const clock = new FakeClock();
      const throttled = Array.from({ length: 6 }, () => ({ code: 'ThrottlingException' }));
      const fake = new PutEventsFake().entryFails('Order#1/1/0', ...throttled);
      const callTimes: number[] = [];
      fake.onCall = () => callTimes.push(clock.t);
      const randoms = [0.999_999, 0, 0.999_999, 0.25, 0.999_999, 0.999_999];
      const random = () => randoms.shift() ?? 0;

      await aPublisher(clock, {
        backoff: { baseDelayMs: 100, maxDelayMs: 1_000, random },
      }).publish([aChain({ aggregate: 'Order#1' })], recordingHooks().hooks);

      const ceilings = [100, 200, 400, 800, 1_000, 1_000];
      const delays = callTimes.slice(1).map((t, i) => t - (callTimes[i] ?? 0));
      expect(delays).toEqual([99, 0, 399, 200, 999, 999]);
      delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceilings[i] ?? 0);
      });
    });

    it('starts the backoff over for the next event once an event was accepted', async () => {
      const clock = new FakeClock();
      new PutEventsFake()
        .entryFails('Order#1/2/0', { code: 'InternalFailure' }, { code: 'InternalFailure' })
        .entryFails('Order#1/2/1', { code: 'InternalFailure' });

      await aPublisher(clock).publish(
        [aChain({ aggregate: 'Order#1', eventsPerRecord: 2 })],
        recordingHooks().hooks,
      );

      expect(clock.sleeps).toEqual([50, 100, 50]);
    });

    it('retries every entry of a call that was throttled as a whole', async () => {
      const fake = new PutEventsFake().callFails(0, requestError('ThrottlingException'));

      const report = await aPublisher(new FakeClock()).publish(
        singleEventAggregates(3),
        recordingHooks().hooks,
      );

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1', 'Order#2'],
        ['Order#0', 'Order#1', 'Order#2'],
      ]);
      expect(report.retries).toBe(3);
      expect(report.accepted).toHaveLength(3);
    });

    it.each([
      ['a 5xx', requestError('InternalException', 500)],
      ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      ['a non-Error rejection', 'boom'],
    ])('retries a call that failed with %s', async (_, error) => {
      const fake = new PutEventsFake().callFails(0, error);

      const report = await aPublisher(new FakeClock()).publish(
        singleEventAggregates(2),
        recordingHooks().hooks,
      );

      expect(callSizes(fake)).toEqual([2, 2]);
      expect(report.accepted).toHaveLength(2);
      expect(report.configurationError).toBeUndefined();
      expect(report.poisoned).toEqual([]);
    });

    it('retries an entry for which PutEvents returned no result', async () => {
      const fake = new PutEventsFake().entryFails('Order#1/1/0', 'missing');

      const report = await aPublisher(new FakeClock()).publish(
        singleEventAggregates(2),
        recordingHooks().hooks,
      );

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1'],
        ['Order#1'],
      ]);
      expect(report.retries).toBe(1);
      expect(report.accepted).toHaveLength(2);
    });

    it('retries an entry with an unknown error code', async () => {
      const fake = new PutEventsFake().entryFails('Order#1/1/0', { code: 'SomethingNew' });

      const report = await aPublisher(new FakeClock()).publish(
        [aChain({ aggregate: 'Order#1' })],
        recordingHooks().hooks,
      );

      expect(fake.calls).toHaveLength(2);
      expect(report.poisoned).toEqual([]);
      expect(report.accepted).toHaveLength(1);
    });
  });

  describe('poison records', () => {
    it.each(['InvalidArgument', 'MalformedDetail', 'RedactionFailure'])(
      'hands a record rejected with %s to onPoison with the failure and the event ids accepted before it, and goes on with the next record',
      async (code) => {
        // Records: seq 1 (sequence 1), seq 4 (sequences 2, 3, 4), seq 5 (sequence 5).
        const fake = new PutEventsFake().entryFails('Order#1/4/1', {
          code,
          message: 'bad detail',
        });
        const chain = aChain({ aggregate: 'Order#1', records: 3, eventsPerRecord: [1, 3, 1] });
        const [first, poison, last] = chain;
        const recorder = recordingHooks();

        const report = await aPublisher(new FakeClock()).publish([chain], recorder.hooks);

        expect(recorder.poisoned).toEqual([
          {
            record: poison,
            failure: { code, message: 'bad detail' },
            acceptedEventIds: ['Order#1/4/0'],
          },
        ]);
        expect(fake.sentFor('Order#1')).toEqual([1, 2, 3, 5]);
        expect(recorder.accepted).toEqual([first, last]);
        expect(report.poisoned).toEqual([poison]);
        expect(report.accepted).toEqual([first, last]);
        expect(report.unfinished).toEqual([]);
        expect(report.retries).toBe(0);
      },
    );

    it('reports no accepted event ids when the first event of a record is poison', async () => {
      new PutEventsFake().entryFails('Order#1/2/0', { code: 'InvalidArgument' });
      const recorder = recordingHooks();

      await aPublisher(new FakeClock()).publish(
        [aChain({ aggregate: 'Order#1', eventsPerRecord: 2 })],
        recorder.hooks,
      );

      expect(recorder.poisoned.map((p) => p.acceptedEventIds)).toEqual([[]]);
    });

    it('retries the entries of a multi-entry call rejected with ValidationException each alone, and poisons the one that fails alone', async () => {
      const validation = requestError('ValidationException');
      const fake = new PutEventsFake().requestFails((entries) =>
        entries.some((e) => e.aggregate === 'Order#1') ? validation : undefined,
      );
      const chains = singleEventAggregates(3);
      const recorder = recordingHooks();

      const report = await aPublisher(new FakeClock()).publish(chains, recorder.hooks);

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1', 'Order#2'],
        ['Order#0'],
        ['Order#1'],
        ['Order#2'],
      ]);
      expect(recorder.poisoned).toEqual([
        {
          record: chains[1]?.[0],
          failure: { code: 'ValidationException', message: validation.message },
          acceptedEventIds: [],
        },
      ]);
      expect(report.accepted).toEqual([chains[0]?.[0], chains[2]?.[0]]);
    });

    it('lets an aggregate share calls again once its entry went through alone', async () => {
      let failedOnce = false;
      const fake = new PutEventsFake().requestFails((entries) => {
        if (failedOnce || entries.length < 2) return undefined;
        failedOnce = true;
        return requestError('ValidationException');
      });
      const chains = [
        aChain({ aggregate: 'Order#0', records: 2 }),
        aChain({ aggregate: 'Order#1', records: 2 }),
      ];

      await aPublisher(new FakeClock(), { concurrency: 1 }).publish(chains, recordingHooks().hooks);

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1'],
        ['Order#0'],
        ['Order#1'],
        ['Order#0', 'Order#1'],
      ]);
    });

    it('poisons the record of a single-entry call rejected with ValidationException', async () => {
      const fake = new PutEventsFake().callFails(0, requestError('ValidationException'));
      const chain = aChain({ aggregate: 'Order#1', records: 2 });
      const recorder = recordingHooks();

      const report = await aPublisher(new FakeClock()).publish([chain], recorder.hooks);

      expect(recorder.poisoned.map((p) => p.record)).toEqual([chain[0]]);
      expect(recorder.poisoned[0]?.failure.code).toBe('ValidationException');
      expect(fake.sentFor('Order#1')).toEqual([1, 2]);
      expect(report.accepted).toEqual([chain[1]]);
    });

    it('poisons an entry larger than maxRequestBytes as EntryTooLarge without any call, and goes on', async () => {
      new PutEventsFake();
      const tooBig = anOutboxRecord({ aggregate: 'Order#1', seq: 1, detailBytes: 2_000 });
      const next = anOutboxRecord({ aggregate: 'Order#1', seq: 2, prevSeq: 1, detailBytes: 500 });
      const recorder = recordingHooks();

      const report = await aPublisher(new FakeClock(), { maxRequestBytes: 1_000 }).publish(
        [[tooBig, next]],
        recorder.hooks,
      );

      expect(recorder.poisoned).toHaveLength(1);
      expect(recorder.poisoned[0]?.record).toBe(tooBig);
      expect(recorder.poisoned[0]?.failure.code).toBe('EntryTooLarge');
      expect(recorder.poisoned[0]?.acceptedEventIds).toEqual([]);
      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      expect(report.accepted).toEqual([next]);
    });

    it('makes no call at all when the only entry is too large', async () => {
      new PutEventsFake();
      const recorder = recordingHooks();

      const report = await aPublisher(new FakeClock(), { maxRequestBytes: 1_000 }).publish(
        [[anOutboxRecord({ detailBytes: 2_000 })]],
        recorder.hooks,
      );

      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 0);
      expect(report.poisoned).toHaveLength(1);
      expect(report.calls).toBe(0);
    });
  });

  describe('failures that are never retried forever', () => {
    /** A time budget that runs out, so that code retrying forever still returns. */
    const tenSeconds = (clock: FakeClock) => recordingHooks(() => 10_000 - clock.t);

    it('splits a call answered 413 with an empty body, then quarantines the entry that alone is too large', async () => {
      const clock = new FakeClock();
      const tooLarge = await putEventsErrorFor({ statusCode: 413 });
      const fake = new PutEventsFake().requestFails((entries) =>
        entries.some((e) => e.aggregate === 'Order#1') ? tooLarge : undefined,
      );
      const chains = singleEventAggregates(3);
      const recorder = tenSeconds(clock);

      const report = await aPublisher(clock).publish(chains, recorder.hooks);

      expect(tooLarge).toMatchObject({
        name: 'Unknown',
        $fault: 'client',
        $metadata: { httpStatusCode: 413 },
      });
      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1', 'Order#2'],
        ['Order#0'],
        ['Order#1'],
        ['Order#2'],
      ]);
      expect(recorder.poisoned).toEqual([
        {
          record: chains[1]?.[0],
          failure: { code: 'EntryTooLarge', message: expect.stringContaining('HTTP 413') },
          acceptedEventIds: [],
        },
      ]);
      expect(report.accepted).toEqual([chains[0]?.[0], chains[2]?.[0]]);
      expect(report.unfinished).toEqual([]);
    });

    it('quarantines an entry answered 413 alone and goes on with the next record of its aggregate', async () => {
      const clock = new FakeClock();
      const tooLarge = await putEventsErrorFor({ statusCode: 413 });
      const chain = aChain({ aggregate: 'Order#1', records: 2 });
      const fake = new PutEventsFake().requestFails((entries) =>
        entries.some((e) => e.eventId === chain[0]?.events[0]?.eventId) ? tooLarge : undefined,
      );
      const recorder = tenSeconds(clock);

      const report = await aPublisher(clock).publish([chain], recorder.hooks);

      expect(fake.sentFor('Order#1')).toEqual([1, 2]);
      expect(recorder.poisoned.map((p) => [p.record, p.failure.code])).toEqual([
        [chain[0], 'EntryTooLarge'],
      ]);
      expect(report.accepted).toEqual([chain[1]]);
    });

    it('splits a call refused with the request-size ValidationException, then quarantines the entry that alone is too large', async () => {
      const clock = new FakeClock();
      const overLimit = await awsJsonErrorFor(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
      const fake = new PutEventsFake().requestFails((entries) =>
        entries.some((e) => e.aggregate === 'Order#0') ? overLimit : undefined,
      );
      const chains = singleEventAggregates(2);
      const recorder = tenSeconds(clock);

      const report = await aPublisher(clock).publish(chains, recorder.hooks);

      expect(fake.calls.map((c) => c.map((e) => e.aggregate))).toEqual([
        ['Order#0', 'Order#1'],
        ['Order#0'],
        ['Order#1'],
      ]);
      expect(recorder.poisoned.map((p) => [p.record, p.failure.code])).toEqual([
        [chains[0]?.[0], 'EntryTooLarge'],
      ]);
      expect(recorder.poisoned[0]?.failure.message).toContain('Total size of the entries');
      expect(report.accepted).toEqual([chains[1]?.[0]]);
    });

    it(`quarantines an entry answered with an undocumented code on attempt ${UNKNOWN_CODE_ATTEMPTS}, and goes on with the next record`, async () => {
      const clock = new FakeClock();
      const chain = aChain({ aggregate: 'Order#1', records: 2 });
      const forever = Array.from({ length: 10 }, () => ({
        code: 'SomethingNew',
        message: 'new to us',
      }));
      const fake = new PutEventsFake().entryFails('Order#1/1/0', ...forever);
      const recorder = tenSeconds(clock);

      const report = await aPublisher(clock).publish([chain], recorder.hooks);

      expect(fake.sentFor('Order#1')).toEqual([1, 1, 1, 2]);
      expect(recorder.poisoned).toEqual([
        {
          record: chain[0],
          failure: {
            code: 'SomethingNew',
            message: expect.stringMatching(/^new to us \(not a documented PutEvents error code/),
          },
          acceptedEventIds: [],
        },
      ]);
      expect(report.accepted).toEqual([chain[1]]);
      expect(report.retries).toBe(UNKNOWN_CODE_ATTEMPTS - 1);
    });

    it('counts undocumented answers per event: the next event of the record starts again', async () => {
      const clock = new FakeClock();
      const unknown = { code: 'SomethingNew' };
      new PutEventsFake()
        .entryFails('Order#1/2/0', unknown, unknown)
        .entryFails('Order#1/2/1', unknown, unknown);
      const chain = aChain({ aggregate: 'Order#1', eventsPerRecord: 2 });
      const recorder = tenSeconds(clock);

      const report = await aPublisher(clock).publish([chain], recorder.hooks);

      expect(recorder.poisoned).toEqual([]);
      expect(report.accepted).toEqual(chain);
    });

    it.each([
      ['a 403 with an empty body', () => putEventsErrorFor({ statusCode: 403 })],
      ['a 400 with an empty body', () => putEventsErrorFor({ statusCode: 400 })],
      [
        'InvalidAccountIdException',
        () => awsJsonErrorFor(400, 'InvalidAccountIdException', 'bad account'),
      ],
    ])(
      'fails loudly on a call refused with %s: configurationError set, nothing retried or poisoned',
      async (_, build) => {
        const clock = new FakeClock();
        const error = await build();
        const fake = new PutEventsFake().callFails(0, error);
        const chains = singleEventAggregates(3);
        const recorder = tenSeconds(clock);

        const report = await aPublisher(clock).publish(chains, recorder.hooks);

        expect(fake.calls).toHaveLength(1);
        expect(report.configurationError).toEqual({ code: error.name, message: error.message });
        expect(recorder.poisoned).toEqual([]);
        expect(report.unfinished).toEqual(chains.flat());
      },
    );

    it('ends with every record accepted, quarantined or stopped by a configuration error, whatever non-transient answer never goes away', async () => {
      const documented = [
        'AccessDeniedException',
        'InvalidAccountIdException',
        'InvalidArgument',
        'MalformedDetail',
        'RedactionFailure',
        'NotAuthorizedForSourceException',
        'NotAuthorizedForDetailTypeException',
      ];
      const codeArb = fc.oneof(
        fc.constantFrom(...documented),
        fc
          .string({ minLength: 1, maxLength: 30 })
          .filter((code) => !['ThrottlingException', 'InternalFailure'].includes(code)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
          fc.array(fc.option(codeArb, { nil: undefined }), { minLength: 15, maxLength: 15 }),
          async (chainLengths, doom) => {
            // Arrange: some events are answered with the same error on every attempt.
            ebMock.reset();
            const clock = new FakeClock();
            const fake = new PutEventsFake();
            const chains = chainLengths.map((records, i) =>
              aChain({ aggregate: `Order#${i}`, records }),
            );
            const doomed = new Map<string, string>();
            eventIdsOf(chains.flat()).forEach((id, i) => {
              const code = doom[i % doom.length];
              if (code === undefined) return;
              doomed.set(id, code);
              fake.entryFails(id, ...Array.from({ length: 20 }, () => ({ code })));
            });
            const recorder = recordingHooks(() => 1_000_000 - clock.t);

            // Act
            const report = await aPublisher(clock).publish(chains, recorder.hooks);

            // Assert: no answer is retried beyond the bound, and nothing is left for later
            // unless a configuration error stopped publishing.
            for (const [id, code] of doomed) {
              const sends = fake.calls.flat().filter((e) => e.eventId === id).length;
              const bound = classifyEntryError(code) === 'unknown' ? UNKNOWN_CODE_ATTEMPTS : 1;
              expect(sends).toBeLessThanOrEqual(bound);
            }
            if (report.configurationError === undefined) {
              expect(report.unfinished).toEqual([]);
              expect(report.accepted.length + report.poisoned.length).toBe(chains.flat().length);
            }
            for (const record of report.poisoned) {
              expect(record.events.some((e) => doomed.has(e.eventId))).toBe(true);
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  describe('configuration errors', () => {
    it.each([
      'AccessDeniedException',
      'InvalidAccountIdException',
      'NotAuthorizedForSourceException',
      'NotAuthorizedForDetailTypeException',
    ])(
      'stops at a %s entry: configurationError set, no further call, nothing poisoned',
      async (code) => {
        const fake = new PutEventsFake().entryFails('Order#1/1/0', {
          code,
          message: 'not allowed',
        });
        const chains = [
          aChain({ aggregate: 'Order#0', records: 2 }),
          aChain({ aggregate: 'Order#1', records: 2 }),
        ];
        const recorder = recordingHooks();

        const report = await aPublisher(new FakeClock()).publish(chains, recorder.hooks);

        expect(fake.calls).toHaveLength(1);
        expect(report.configurationError).toEqual({ code, message: 'not allowed' });
        expect(report.poisoned).toEqual([]);
        expect(recorder.poisoned).toEqual([]);
        expect(report.accepted).toEqual([chains[0]?.[0]]);
        expect(report.unfinished).toEqual([chains[0]?.[1], ...(chains[1] ?? [])]);
      },
    );

    it.each([
      'AccessDeniedException',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
    ])(
      'stops at a call that failed with %s: configurationError set, no further call, nothing poisoned',
      async (name) => {
        const error = requestError(name);
        const fake = new PutEventsFake().callFails(0, error);
        const chains = singleEventAggregates(12);
        const recorder = recordingHooks();

        const report = await aPublisher(new FakeClock(), { concurrency: 1 }).publish(
          chains,
          recorder.hooks,
        );

        expect(fake.calls).toHaveLength(1);
        expect(report.configurationError).toEqual({ code: name, message: error.message });
        expect(recorder.poisoned).toEqual([]);
        expect(report.accepted).toEqual([]);
        expect(report.unfinished).toEqual(chains.flat());
      },
    );

    it('still settles the calls already in flight', async () => {
      const fake = new PutEventsFake().hold().callFails(0, requestError('AccessDeniedException'));
      const chains = singleEventAggregates(20);

      const report = await releasingOneByOne(
        fake,
        aPublisher(new FakeClock(), { concurrency: 2 }).publish(chains, recordingHooks().hooks),
      );

      // The refused first call's records stay unfinished; the second call's were accepted.
      expect(fake.calls).toHaveLength(2);
      const [refused = [], settled = []] = fake.calls;
      const pks = (records: readonly OutboxRecord[]) => records.map((r) => r.pk).sort();
      expect(pks(report.accepted)).toEqual(settled.map((e) => e.aggregate).sort());
      expect(pks(report.unfinished)).toEqual(refused.map((e) => e.aggregate).sort());
      expect(report.accepted).toHaveLength(10);
    });
  });

  describe('time budget', () => {
    it('starts no call when no time remains, and reports every record unfinished', async () => {
      new PutEventsFake();
      const chains = [aChain({ aggregate: 'Order#1', records: 2 })];

      const report = await aPublisher(new FakeClock()).publish(
        chains,
        recordingHooks(() => 0).hooks,
      );

      expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 0);
      expect(report.unfinished).toEqual(chains.flat());
      expect(report.calls).toBe(0);
    });

    it('starts no new call once remainingMs drops to 0', async () => {
      const clock = new FakeClock();
      const fake = new PutEventsFake();
      fake.onCall = () => {
        clock.t += 100;
      };
      const chain = aChain({ aggregate: 'Order#1', records: 5 });

      const report = await aPublisher(clock).publish(
        [chain],
        recordingHooks(() => 300 - clock.t).hooks,
      );

      expect(fake.calls).toHaveLength(3);
      expect(report.accepted).toEqual(chain.slice(0, 3));
      expect(report.unfinished).toEqual(chain.slice(3));
    });

    it('reports a record that was partly published as unfinished', async () => {
      const clock = new FakeClock();
      const fake = new PutEventsFake();
      fake.onCall = () => {
        clock.t += 100;
      };
      const chain = aChain({ aggregate: 'Order#1', eventsPerRecord: 3 });
      const recorder = recordingHooks(() => 150 - clock.t);

      const report = await aPublisher(clock).publish([chain], recorder.hooks);

      expect(fake.calls).toHaveLength(2);
      expect(report.eventsPublished).toBe(2);
      expect(report.unfinished).toEqual(chain);
      expect(recorder.accepted).toEqual([]);
    });

    it('does not wait for a retry whose backoff would exceed the remaining time', async () => {
      const clock = new FakeClock();
      const fake = new PutEventsFake().entryFails('Order#1/1/0', {
        code: 'ThrottlingException',
      });
      const chain = aChain({ aggregate: 'Order#1' });

      const report = await aPublisher(clock, {
        backoff: { baseDelayMs: 1_000, random: () => 0.5 },
      }).publish([chain], recordingHooks(() => 400).hooks);

      expect(clock.sleeps).toEqual([]);
      expect(fake.calls).toHaveLength(1);
      expect(report.unfinished).toEqual(chain);
      // A retry that was never sent is not counted.
      expect(report.retries).toBe(0);
    });

    it('waits for a retry whose backoff fits in the remaining time', async () => {
      const clock = new FakeClock();
      new PutEventsFake().entryFails('Order#1/1/0', { code: 'ThrottlingException' });

      const report = await aPublisher(clock, {
        backoff: { baseDelayMs: 1_000, random: () => 0.5 },
      }).publish([aChain({ aggregate: 'Order#1' })], recordingHooks(() => 501 - clock.t).hooks);

      expect(clock.sleeps).toEqual([500]);
      expect(report.accepted).toHaveLength(1);
    });
  });

  describe('hooks and report', () => {
    it('calls onAccepted once per fully accepted record, in chain order', async () => {
      new PutEventsFake().entryFails('Order#1/3/1', { code: 'InternalFailure' });
      const a = aChain({ aggregate: 'Order#1', records: 3, eventsPerRecord: [1, 2, 2] });
      const b = aChain({ aggregate: 'Order#2', records: 2, eventsPerRecord: 3 });
      const recorder = recordingHooks();

      await aPublisher(new FakeClock()).publish([a, b], recorder.hooks);

      expect(recorder.accepted.filter((r) => r.pk === 'Order#1')).toEqual(a);
      expect(recorder.accepted.filter((r) => r.pk === 'Order#2')).toEqual(b);
      expect(recorder.accepted).toHaveLength(5);
    });

    it('reports what was accepted, eventsPublished, calls and retries', async () => {
      new PutEventsFake()
        .entryFails('Order#1/2/1', { code: 'ThrottlingException' })
        .entryFails('Order#2/1/0', { code: 'InternalFailure' }, { code: 'InternalFailure' });
      const a = aChain({ aggregate: 'Order#1', eventsPerRecord: 2 });
      const b = aChain({ aggregate: 'Order#2' });

      const report = await aPublisher(new FakeClock()).publish([a, b], recordingHooks().hooks);

      // t=0: [#1 seq 1 ✓, #2 seq 1 ✗]; t=0: [#1 seq 2 ✗]; t=50: [#1 seq 2 ✓, #2 seq 1 ✗];
      // t=150: [#2 seq 1 ✓].
      expect(report).toEqual({
        accepted: [...a, ...b],
        poisoned: [],
        unfinished: [],
        eventsPublished: 3,
        eventsDeduplicated: 0,
        calls: 4,
        retries: 3,
      });
    });

    it('reports the outbox event ids as accepted, not the ids EventBridge assigned', async () => {
      new PutEventsFake().entryFails('Order#1/3/2', { code: 'InvalidArgument' });
      const recorder = recordingHooks();
      const record = anOutboxRecord({ aggregate: 'Order#1', events: 3 });

      await aPublisher(new FakeClock()).publish([[record]], recorder.hooks);

      expect(recorder.poisoned[0]?.acceptedEventIds).toEqual(eventIdsOf([record]).slice(0, 2));
    });
  });

  describe('behind the publishing port', () => {
    /** A publisher over a scripted bus behind the port, on a fake clock. */
    const overPort = (bus: FakeEventPublisher, clock = new FakeClock()) =>
      new OrderedPublisher({
        publisher: bus,
        now: clock.now,
        sleep: clock.sleep,
        backoff: { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 },
      });

    it("puts up to the port's entry limit in a call: 150 single-event aggregates on a 100-entry bus go out as 100 and 50", async () => {
      const bus = new FakeEventPublisher();

      const report = await overPort(bus).publish(
        singleEventAggregates(150),
        recordingHooks().hooks,
      );

      // Lanes are weighed in calls' worth of the bus, not of PutEvents: 50 would cap a call at 50.
      expect(bus.calls.map((call) => call.length)).toEqual([100, 50]);
      expect(report.calls).toBe(2);
      expect(report.eventsPublished).toBe(150);
    });

    it('counts a de-duplicated entry as accepted, in eventsDeduplicated and not in eventsPublished', async () => {
      const chain = aChain({ aggregate: 'Order#1', records: 2 });
      const bus = new FakeEventPublisher({
        answer: (entries, call) =>
          call === 0
            ? {
                answered: true,
                results: entries.map(() => ({ accepted: true, deduplicated: true })),
              }
            : undefined,
      });
      const { hooks, accepted } = recordingHooks();

      const report = await overPort(bus).publish([chain], hooks);

      expect(accepted).toEqual(chain);
      expect(report).toMatchObject({ eventsPublished: 1, eventsDeduplicated: 1, calls: 2 });
    });

    it('hands each entry to the port with the key of its aggregate', async () => {
      const bus = new FakeEventPublisher();
      const chains = [
        aChain({ aggregate: 'Order#A', records: 2 }),
        aChain({ aggregate: 'Order#B' }),
      ];

      await overPort(bus).publish(chains, recordingHooks().hooks);

      expect(
        bus.calls.map((call) => call.map((e) => `${e.aggregateKey}:${e.event.sequence}`)),
      ).toEqual([['Order#A:1', 'Order#B:1'], ['Order#A:2']]);
    });

    it("keeps every call within the port's request bytes by the port's own size rule", async () => {
      const bus = new FakeEventPublisher({
        limits: { maxEntriesPerCall: 100, maxRequestBytes: 1_000 },
        sizeOf: () => 400,
      });

      await overPort(bus).publish(singleEventAggregates(5), recordingHooks().hooks);

      expect(bus.calls.map((call) => call.length)).toEqual([2, 2, 1]);
    });

    it('acts on the kind the port gives an entry, whatever its code: a code of another bus is poison when the port says so', async () => {
      const chain = aChain({ aggregate: 'Order#1', records: 2 });
      const bus = new FakeEventPublisher({
        answer: (entries, call) =>
          call === 0
            ? {
                answered: true,
                results: entries.map(() => ({
                  accepted: false,
                  kind: 'poison',
                  failure: { code: 'SomeOtherBusCode', message: 'never' },
                })),
              }
            : undefined,
      });
      const recorder = recordingHooks();

      const report = await overPort(bus).publish([chain], recorder.hooks);

      expect(recorder.poisoned.map((p) => [p.record, p.failure.code])).toEqual([
        [chain[0], 'SomeOtherBusCode'],
      ]);
      expect(report.accepted).toEqual([chain[1]]);
    });

    it('publishes nothing and reports the configuration error when the port finds no bus', async () => {
      const failure = { code: 'EventBusNotFound', message: 'no such bus' };
      const bus = new FakeEventPublisher({ verdict: { kind: 'configuration', failure } });
      const chains = singleEventAggregates(3);

      const report = await overPort(bus).publish(chains, recordingHooks().hooks);

      expect(bus.calls).toEqual([]);
      expect(report).toEqual({
        accepted: [],
        poisoned: [],
        unfinished: chains.flat(),
        configurationError: failure,
        eventsPublished: 0,
        eventsDeduplicated: 0,
        calls: 0,
        retries: 0,
      });
    });

    it('publishes nothing, and reports no configuration error, when the bus look-up fails for a passing reason', async () => {
      const failure = { code: 'ThrottlingException', message: 'slow down' };
      const bus = new FakeEventPublisher({ verdict: { kind: 'transient', failure } });
      const chains = singleEventAggregates(2);

      const report = await overPort(bus).publish(chains, recordingHooks().hooks);

      expect(bus.calls).toEqual([]);
      expect(report.configurationError).toBeUndefined();
      expect(report.unfinished).toEqual(chains.flat());
    });

    it('does not look the bus up for no records', async () => {
      const bus = new FakeEventPublisher();

      await overPort(bus).publish([[], []], recordingHooks().hooks);

      expect(bus.verifications).toBe(0);
    });

    it('retries a call whose port throws despite its contract, and settles its lanes', async () => {
      const bus = new FakeEventPublisher({
        answer: (_, call) => {
          if (call === 0) throw new Error('adapter bug');
          return undefined;
        },
      });

      const report = await overPort(bus).publish(singleEventAggregates(2), recordingHooks().hooks);

      expect(bus.calls.map((call) => call.length)).toEqual([2, 2]);
      expect(report.accepted).toHaveLength(2);
      expect(report.retries).toBe(2);
    });

    it('retries an entry the port answered no result for', async () => {
      const bus = new FakeEventPublisher({
        answer: (entries, call) =>
          call === 0
            ? { answered: true, results: acceptAll(entries.slice(0, 1)).results }
            : undefined,
      });

      const report = await overPort(bus).publish(singleEventAggregates(2), recordingHooks().hooks);

      expect(bus.calls.map((call) => call.map((e) => e.aggregateKey))).toEqual([
        ['Order#0', 'Order#1'],
        ['Order#1'],
      ]);
      expect(report.accepted).toHaveLength(2);
    });

    it.each([
      { maxEntriesPerCall: 0, maxRequestBytes: 1_000 },
      { maxEntriesPerCall: 1.5, maxRequestBytes: 1_000 },
      { maxEntriesPerCall: 10, maxRequestBytes: -1 },
      { maxEntriesPerCall: 10, maxRequestBytes: Number.NaN },
    ])('fails if the port allows %o per call', (limits) => {
      expect(() => overPort(new FakeEventPublisher({ limits }))).toThrow(OutboxError);
    });
  });

  describe('properties', () => {
    const outcomeArb = fc.constantFrom<EntryOutcome>(
      { code: 'ThrottlingException' },
      { code: 'InternalFailure' },
      'missing',
    );
    const chainShapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });

    it('publishes every chain completely, in order per aggregate, within the call limits, whatever fails transiently', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(chainShapeArb, { minLength: 1, maxLength: 8 }),
          fc.array(fc.array(outcomeArb, { maxLength: 3 }), { minLength: 40, maxLength: 40 }),
          fc.uniqueArray(fc.nat({ max: 30 }), { maxLength: 5 }),
          fc.integer({ min: 0, max: 400 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.scheduler(),
          async (shapes, failureLists, throttledCalls, detailBytes, concurrency, spread, s) => {
            // Arrange
            ebMock.reset();
            const chains = shapes.map((eventsPerRecord, i) =>
              aChain({
                aggregate: `Order#${i}`,
                records: eventsPerRecord.length,
                eventsPerRecord,
                detailBytes: 200 + ((detailBytes * (i + 1)) % 400),
              }),
            );
            const maxEntry = 14 + 30 + 600;
            const limit = maxEntry * spread;
            const fake = new PutEventsFake(<T>(response: () => Promise<T>) =>
              s.schedule(Promise.resolve()).then(response),
            );
            let n = 0;
            for (const id of eventIdsOf(chains.flat())) {
              const failures = failureLists[n++ % failureLists.length] ?? [];
              if (failures.length > 0) fake.entryFails(id, ...failures);
            }
            const throttled = new Set(throttledCalls);
            fake.requestFails((_, call) =>
              throttled.has(call) ? requestError('ThrottlingException') : undefined,
            );
            const clock = new FakeClock();
            const recorder = recordingHooks();
            const publisher = aPublisher(clock, {
              concurrency,
              maxRequestBytes: limit,
              backoff: { baseDelayMs: 10, maxDelayMs: 100, random: () => 0.5 },
            });

            // Act
            const report = await s.waitFor(publisher.publish(chains, recorder.hooks));

            // Assert
            for (const chain of chains) {
              const pk = chain[0]?.pk ?? '';
              const expected = chain.flatMap((r) => r.events.map((e) => e.sequence));
              expect(fake.acceptedFor(pk)).toEqual(expected);
              expect(recorder.accepted.filter((r) => r.pk === pk)).toEqual(chain);
            }
            for (const call of fake.calls) {
              expect(call.length).toBeLessThanOrEqual(MAX_PUT_EVENTS_ENTRIES);
              expect(call.reduce((sum, e) => sum + e.size, 0)).toBeLessThanOrEqual(limit);
              expect(new Set(call.map((e) => e.aggregate)).size).toBe(call.length);
            }
            expect(fake.overlap).toBeUndefined();
            expect(fake.maxInFlight).toBeLessThanOrEqual(concurrency);
            expect(report.unfinished).toEqual([]);
            expect(report.poisoned).toEqual([]);
            expect(report.accepted).toHaveLength(chains.flat().length);
            expect(report.eventsPublished).toBe(eventIdsOf(chains.flat()).length);
            expect(report.calls).toBe(fake.calls.length);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
