import { setTimeout as sleep } from 'node:timers/promises';
import { LocalRuntimeError } from '../errors.js';
import type { BusLog } from './bus-log.js';
import { subscriberArn } from './custom-bus-arn.js';
import type { CustomBusEvent } from './custom-event-bus.js';
import type { RetainedEvent, RetainedEvents } from './retained-events.js';

/** `SystemMetadata."aws:DeliveryType"`: an event read from retention is a `REPLAY`. */
export type DeliveryType = 'LIVE' | 'REPLAY';

/** An event as the subscriber hands it to its target. */
export interface DeliveredEvent extends CustomBusEvent {
  readonly deliveryType: DeliveryType;
}

/** The subscriber's target: resolves when the events are delivered, rejects when not. */
export type SubscriberTarget = (events: readonly DeliveredEvent[]) => Promise<void>;

/** Which limit of the retry policy ended the delivery of a batch. */
export type ExhaustedRetryCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

/**
 * What the on-failure destination receives for a batch that exhausted its retries: a
 * reference per event, never its payload (eb-custom-bus-retry; the record's fields as the
 * AWS-published eventbridgev2 skill shows them, delivery-troubleshooting.md).
 */
export interface DeadLetterRecord {
  readonly version: '1.0';
  readonly busArn: string;
  readonly subscriberArn: string;
  readonly targetArn?: string;
  /** The error's name (AWS's set of codes is open and undocumented for a function target). */
  readonly errorCode: string;
  /** The error's message, truncated at 1024 characters as AWS truncates it. */
  readonly errorMessage: string;
  readonly exhaustedRetryCondition: ExhaustedRetryCondition;
  /** Retries made: attempts − 1. */
  readonly retryAttempts: number;
  readonly failedMessages: readonly {
    readonly eventId: string;
    readonly eventGroupId?: string;
    readonly deduplicationId?: string;
    /** The event's time. */
    readonly timestamp: string;
  }[];
}

/** `RetryPolicy` of a subscriber. */
export interface SubscriberRetryPolicy {
  /** Retries after the first attempt, 0..185. @default 5 */
  readonly maxRetryAttempts?: number;
  /** Age of an event (from its acceptance) past which it is not retried, 60..86,400 s. @default 300 */
  readonly maxEventAgeInSeconds?: number;
}

/** Options of a {@link FifoSubscriber}, named after `AWS::EventsV2::Subscriber`'s properties. */
export interface FifoSubscriberOptions {
  readonly target: SubscriberTarget;
  /** @default 'local-subscriber' */
  readonly name?: string;
  /** Goes into dead-letter records. @default - none */
  readonly targetArn?: string;
  /** AWS documents no default; the less kind one is taken. @default 'LATEST' */
  readonly startingPosition?: 'LATEST' | 'POINT_IN_TIME';
  /** Required with POINT_IN_TIME: from the window's start (HORIZON) or from `startingPoint`. */
  readonly pointInTimeConfiguration?: {
    readonly pointType: 'HORIZON' | 'TIMESTAMP';
    /** Required with TIMESTAMP; at or after the bus's `RetentionWindowStartTime`. */
    readonly startingPoint?: Date;
  };
  /** @default - 5 retries, 300 s */
  readonly retryPolicy?: SubscriberRetryPolicy;
  /**
   * `OnFailureConfiguration`: receives the record of a batch that exhausted its retries.
   * Without one the events are dropped, as AWS drops them. @default - none
   */
  readonly onFailure?: (record: DeadLetterRecord) => void | Promise<void>;
  /** Events of one group per target call, 1..100. @default 1 */
  readonly maxBatchSize?: number;
  /**
   * Wait before retry n (1 = the first retry), in ms; AWS documents no schedule.
   * @default - 1 s doubling, at most 60 s
   */
  readonly retryDelayMs?: (retry: number) => number;
}

/** What a subscriber reads from: the bus, its retained events, and the clock. */
export interface SubscriberSource {
  readonly busArn: string;
  readonly events: RetainedEvents;
  readonly clock: () => Date;
  readonly log: BusLog;
}

const DEFAULT_MAX_RETRY_ATTEMPTS = 5;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 300;
const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** An event waiting in its group's lane. */
interface Pending {
  readonly retained: RetainedEvent;
  readonly deliveryType: DeliveryType;
}

/** The events of one group in publish order, and whether a delivery loop runs for them. */
interface Lane {
  readonly pending: Pending[];
  running: boolean;
}

/**
 * A FIFO subscriber of a local custom bus: each accepted event (never a de-duplicated
 * repeat) goes to the target in publish order within its event group; groups are
 * independent, so "an event that cannot be delivered holds up the later events in its own
 * group while other groups continue" (eb-custom-bus-ordering). A failing call is retried by
 * the retry policy; once exhausted, the batch's record goes to `onFailure` and the group
 * goes on (eb-custom-bus-retry). The starting position replays retained events first.
 */
export class FifoSubscriber {
  readonly arn: string;
  private readonly lanes = new Map<string, Lane>();
  private readonly runs = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly stopListening: () => void;
  private closed = false;

  constructor(
    private readonly options: FifoSubscriberOptions,
    private readonly source: SubscriberSource,
  ) {
    validateOptions(options);
    this.arn = subscriberArn(source.busArn, options.name ?? 'local-subscriber');
    // Replay and listening start in one synchronous step, so no event falls between them.
    for (const retained of this.replay()) this.offer(retained, 'REPLAY');
    this.stopListening = source.events.onAppend((retained) => this.offer(retained, 'LIVE'));
  }

  /** Resolves once every group's lane is empty (delivered or dead-lettered). */
  async whenIdle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs]);
  }

  /**
   * Stops taking events and retrying; waits for target calls in flight. Events not yet
   * delivered stay undelivered.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopListening();
    this.stopping.abort();
    await Promise.allSettled([...this.runs]);
  }

  /** The retained events the starting position selects, oldest first. */
  private replay(): RetainedEvent[] {
    const { startingPosition = 'LATEST', pointInTimeConfiguration: point } = this.options;
    if (startingPosition === 'LATEST' || point === undefined) return [];
    const windowStart = this.source.events.windowStart();
    const from = point.pointType === 'HORIZON' ? windowStart : (point.startingPoint ?? windowStart);
    if (from < windowStart)
      throw new LocalRuntimeError(
        `startingPoint ${from.toISOString()} is before the bus's RetentionWindowStartTime ${windowStart.toISOString()}`,
      );
    return this.source.events.since(from);
  }

  /** Queues an event in its group's lane and starts the lane's delivery loop if idle. */
  private offer(retained: RetainedEvent, deliveryType: DeliveryType): void {
    if (this.closed) return;
    const key = laneKey(retained.event);
    const lane = this.lanes.get(key) ?? { pending: [], running: false };
    this.lanes.set(key, lane);
    lane.pending.push({ retained, deliveryType });
    if (lane.running) return;
    lane.running = true;
    const run = this.drain(key, lane).catch((error: unknown) =>
      this.log(`lane ${key} stopped: ${String(error)}`),
    );
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
  }

  /** Delivers the lane's events a batch at a time, in order, until it is empty or closed. */
  private async drain(key: string, lane: Lane): Promise<void> {
    try {
      while (lane.pending.length > 0 && !this.closed) {
        const batch = lane.pending.slice(0, this.options.maxBatchSize ?? 1);
        if (!(await this.deliver(batch))) return;
        lane.pending.splice(0, batch.length);
      }
    } finally {
      lane.running = false;
      if (lane.pending.length === 0) this.lanes.delete(key);
    }
  }

  /**
   * Calls the target until it succeeds or the retry policy is exhausted (then dead-letters
   * the batch); false when closing cut the retries short (the batch stays pending).
   */
  private async deliver(batch: readonly Pending[]): Promise<boolean> {
    for (let retries = 0; ; retries += 1) {
      try {
        await this.options.target(batch.map(delivered));
        return true;
      } catch (error) {
        const exhausted = this.exhausted(retries, batch);
        if (exhausted !== undefined) {
          await this.deadLetter(batch, error, exhausted, retries);
          return true;
        }
        const delay = (this.options.retryDelayMs ?? defaultRetryDelayMs)(retries + 1);
        this.log(
          `${describe(batch)} failed (${String(error)}); retry ${retries + 1} in ${delay} ms`,
        );
        if (!(await this.pause(delay))) return false;
      }
    }
  }

  /** The limit that ends the retries, if any: attempts first, then age (as AWS evaluates them). */
  private exhausted(
    retries: number,
    batch: readonly Pending[],
  ): ExhaustedRetryCondition | undefined {
    const policy = this.options.retryPolicy;
    if (retries >= (policy?.maxRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS))
      return 'MaximumRetryAttempts';
    const oldest = Math.min(...batch.map((p) => p.retained.ingestedAt));
    const maxAgeMs = (policy?.maxEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    return this.source.clock().getTime() - oldest >= maxAgeMs
      ? 'MaximumEventAgeInSeconds'
      : undefined;
  }

  /** Hands the batch's record to `onFailure`; without one (or if it fails) the events are dropped. */
  private async deadLetter(
    batch: readonly Pending[],
    error: unknown,
    condition: ExhaustedRetryCondition,
    retries: number,
  ): Promise<void> {
    const record = this.deadLetterRecord(batch, error, condition, retries);
    if (this.options.onFailure === undefined) {
      this.log(`${describe(batch)} dropped after ${retries} retries (${condition}); no onFailure`);
      return;
    }
    try {
      await this.options.onFailure(record);
      this.log(`${describe(batch)} dead-lettered after ${retries} retries (${condition})`);
    } catch (failure) {
      this.log(`${describe(batch)} dropped: onFailure failed (${String(failure)})`);
    }
  }

  private deadLetterRecord(
    batch: readonly Pending[],
    error: unknown,
    condition: ExhaustedRetryCondition,
    retries: number,
  ): DeadLetterRecord {
    const { targetArn } = this.options;
    return {
      version: '1.0',
      busArn: this.source.busArn,
      subscriberArn: this.arn,
      ...(targetArn === undefined ? {} : { targetArn }),
      errorCode: error instanceof Error ? error.name : 'Error',
      errorMessage: (error instanceof Error ? error.message : String(error)).slice(
        0,
        MAX_ERROR_MESSAGE_LENGTH,
      ),
      exhaustedRetryCondition: condition,
      retryAttempts: retries,
      failedMessages: batch.map(({ retained: { event, deduplicationId } }) => ({
        eventId: event.id,
        ...(event.eventGroupId === undefined ? {} : { eventGroupId: event.eventGroupId }),
        ...(deduplicationId === undefined ? {} : { deduplicationId }),
        timestamp: event.time,
      })),
    };
  }

  /** Waits `ms`; false when {@link close} cut the wait short. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch {
      return false;
    }
  }

  private log(line: string): void {
    this.source.log(`subscriber ${this.options.name ?? 'local-subscriber'}: ${line}`);
  }
}

/**
 * The lane of an event: its group. An ungrouped event gets a lane of its own, so ungrouped
 * events carry no order at all (FIFO orders within a group only).
 */
function laneKey(event: CustomBusEvent): string {
  return event.eventGroupId === undefined
    ? `#ungrouped#${event.id}`
    : `group:${event.eventGroupId}`;
}

function delivered({ retained, deliveryType }: Pending): DeliveredEvent {
  return { ...retained.event, deliveryType };
}

/** `group g: 2 event(s) from sequence 100…01`. */
function describe(batch: readonly Pending[]): string {
  const first = batch[0]?.retained.event;
  return `group ${first?.eventGroupId ?? '(none)'}: ${batch.length} event(s) from sequence ${first?.sequenceNumber ?? '?'}`;
}

/** 1 s, 2 s, 4 s … at most 60 s. */
function defaultRetryDelayMs(retry: number): number {
  return Math.min(1000 * 2 ** (retry - 1), 60_000);
}

/** Fails early, naming the bad value, on options AWS would refuse too. */
function validateOptions(options: FifoSubscriberOptions): void {
  const inRange = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max))
      throw new LocalRuntimeError(
        `${name} must be a whole number from ${min} to ${max}, got ${value}`,
      );
  };
  inRange('retryPolicy.maxRetryAttempts', options.retryPolicy?.maxRetryAttempts, 0, 185);
  inRange(
    'retryPolicy.maxEventAgeInSeconds',
    options.retryPolicy?.maxEventAgeInSeconds,
    60,
    86_400,
  );
  inRange('maxBatchSize', options.maxBatchSize, 1, 100);
  const point = options.pointInTimeConfiguration;
  if (options.startingPosition === 'POINT_IN_TIME' && point === undefined)
    throw new LocalRuntimeError('POINT_IN_TIME needs pointInTimeConfiguration');
  if (options.startingPosition !== 'POINT_IN_TIME' && point !== undefined)
    throw new LocalRuntimeError('pointInTimeConfiguration applies only to POINT_IN_TIME');
  if (point?.pointType === 'TIMESTAMP' && point.startingPoint === undefined)
    throw new LocalRuntimeError('pointType TIMESTAMP needs startingPoint');
}
