import { randomUUID } from 'node:crypto';
import { AwsServiceError } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { customBusArn } from './custom-bus-arn.js';
import {
  type CustomPutEventsRequest,
  type ValidEntry,
  validBusArn,
  validPutEvents,
} from './custom-bus-requests.js';
import { DeduplicationWindow, deduplicationKey } from './deduplication-window.js';
import { eventLine, type LocalEvent } from './event-bus.js';
import type { EventJournal } from './event-journal.js';
import type { EntryProblem } from './put-events-rules.js';
import { RetainedEvents } from './retained-events.js';

/** An event a custom bus accepted, as `GET /events` shows it: today's fields and two more. */
export interface CustomBusEvent extends LocalEvent {
  /** The entry's `SystemMetadata.EventGroupId`; absent for an ungrouped entry. */
  readonly eventGroupId?: string;
  /** The SequenceNumber PutEvents answered with: a decimal string, beyond 2^53. */
  readonly sequenceNumber: string;
}

/** A custom bus local mode creates at start. */
export interface CustomBusDefinition {
  /** The bus name (1..256 of `A-Z a-z 0-9 . - _`, alphanumeric first). */
  readonly name: string;
  /** `StorageConfiguration.RetentionPeriodInDays`, 1..365. @default 1 (AWS's default) */
  readonly retentionDays?: number;
}

/** The result of one PutEvents entry on a custom bus. */
export type CustomEntryResult =
  | { readonly EventId: string; readonly SequenceNumber: string; readonly SuccessCode: 'PUBLISHED' }
  | { readonly SuccessCode: 'DEDUPLICATED' }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** What PutEvents answers when the request as a whole is valid. */
export interface CustomPutEventsOutput {
  readonly FailedEntryCount: number;
  readonly Entries: readonly CustomEntryResult[];
}

/** What DescribeEventBus answers for a known custom bus. */
export interface CustomDescribeEventBusOutput {
  readonly EventBusArn: string;
  readonly Name: string;
  readonly State: 'ACTIVE';
  readonly StorageConfiguration: {
    readonly RetentionPeriodInDays: number;
    readonly RetentionWindowStartTime: Date;
  };
  readonly CreationTime: Date;
  readonly LastModifiedTime: Date;
}

/** Settings of a {@link CustomEventBus}; the server fills in the defaults. */
export interface CustomEventBusOptions {
  readonly buses: readonly CustomBusDefinition[];
  /** Region and account of the bus ARNs; the account is also every publisher's. */
  readonly region: string;
  readonly accountId: string;
  /** Request size limit by the classic entry-size formula (AWS documents none for this bus). */
  readonly maxRequestBytes: number;
  /** The de-duplication window. @default 300,000 (5 minutes) */
  readonly dedupWindowMs?: number;
  /** Where accepted events are recorded for `GET /events`, `accepted()` and `onEvent`. */
  readonly journal: EventJournal;
  readonly log: BusLog;
  readonly clock: () => Date;
  /** Fails an otherwise valid entry on purpose (fault injection); undefined lets it through. */
  readonly injectedFailure?: () => EntryProblem | undefined;
}

/** The de-duplication window AWS documents: 5 minutes. */
export const DEFAULT_DEDUP_WINDOW_MS = 5 * 60 * 1000;
/** RetentionPeriodInDays when a bus is created without one (eb-custom-bus-create). */
export const DEFAULT_RETENTION_DAYS = 1;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Where sequence numbers start: past 2^53, since AWS documents them as strings that "can
 * exceed JavaScript's safe integer range" (Powertools' WITH_METADATA schema); a client
 * that parses them as numbers fails here as it would on AWS.
 */
const FIRST_SEQUENCE_NUMBER = 10n ** 20n;

/** One custom bus: its identity and its own state. */
interface BusState {
  readonly arn: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly retentionDays: number;
  readonly retained: RetainedEvents;
  readonly dedup: DeduplicationWindow;
  /** The next SequenceNumber, bus-wide: increasing within every group, not contiguous. */
  nextSequence: bigint;
}

/**
 * The enhanced Custom Event Bus (eventbridgev2) of local mode: buses created at start and
 * addressed by ARN only; PutEvents validated as the API reference states, a missing bus
 * answered ResourceNotFoundException (modelled for this API, unlike the classic bus); each
 * accepted entry gets an EventId and a SequenceNumber; a repeat of an accepted
 * `(account, group, DeduplicationId)` inside the window answers `DEDUPLICATED` and is not a
 * new event; accepted events are retained for the bus's retention period, for subscribers.
 */
export class CustomEventBus {
  /** By ARN. */
  private readonly buses = new Map<string, BusState>();

  constructor(private readonly options: CustomEventBusOptions) {
    for (const definition of options.buses) this.create(definition);
  }

  /** The ARN of the bus of this name, or undefined when there is none. */
  arnOf(name: string): string | undefined {
    return [...this.buses.values()].find((bus) => bus.name === name)?.arn;
  }

  /** The events the bus of this ARN retains, or undefined when there is no such bus. */
  retainedEvents(arn: string): RetainedEvents | undefined {
    return this.buses.get(arn)?.retained;
  }

  /**
   * Each entry in request order: published, de-duplicated or (injected) failed. The request
   * fails as a whole (InvalidInputException) when any rule is broken, and with
   * ResourceNotFoundException when the bus does not exist.
   */
  putEvents(request: CustomPutEventsRequest): CustomPutEventsOutput {
    const { busArn, entries } = validPutEvents(request, this.options.maxRequestBytes);
    const bus = this.busOf(busArn);
    const results = entries.map((entry) => this.putEntry(bus, entry));
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }

  describeEventBus(request: {
    readonly EventBusArn?: string | null;
  }): CustomDescribeEventBusOutput {
    const bus = this.busOf(validBusArn(request.EventBusArn));
    return {
      EventBusArn: bus.arn,
      Name: bus.name,
      State: 'ACTIVE',
      StorageConfiguration: {
        RetentionPeriodInDays: bus.retentionDays,
        RetentionWindowStartTime: bus.retained.windowStart(),
      },
      CreationTime: bus.createdAt,
      LastModifiedTime: bus.createdAt,
    };
  }

  private create({ name, retentionDays = DEFAULT_RETENTION_DAYS }: CustomBusDefinition): void {
    const { region, accountId, clock, log } = this.options;
    const arn = customBusArn(region, accountId, name);
    const createdAt = clock();
    const retained = new RetainedEvents({
      retentionMs: retentionDays * DAY_MS,
      createdAt,
      clock,
      log,
    });
    const dedup = new DeduplicationWindow(this.options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS);
    this.buses.set(arn, {
      arn,
      name,
      createdAt,
      retentionDays,
      retained,
      dedup,
      nextSequence: FIRST_SEQUENCE_NUMBER,
    });
  }

  private busOf(arn: string): BusState {
    const bus = this.buses.get(arn);
    if (bus !== undefined) return bus;
    this.options.log(`custom bus ${arn}: no such bus here`);
    throw new AwsServiceError('ResourceNotFoundException', `Event bus ${arn} does not exist.`, 404);
  }

  /**
   * One entry's result. An injected failure may strike any valid entry, a repeat included;
   * a failed entry does not stop later entries of its group in the same request (AWS
   * documents nothing either way; this is the reading that breaks a naive client's order).
   */
  private putEntry(bus: BusState, entry: ValidEntry): CustomEntryResult {
    const problem = this.options.injectedFailure?.();
    if (problem !== undefined) {
      this.options.log(
        `rejected ${entry.detailType} ${entry.source} on ${bus.name}: ${problem.code} ${problem.message}`,
      );
      return { ErrorCode: problem.code, ErrorMessage: problem.message };
    }
    const now = this.options.clock().getTime();
    const key = this.keyOf(entry);
    if (key !== undefined && bus.dedup.suppresses(key, now)) {
      this.options.log(
        `deduplicated ${entry.detailType} ${entry.source} on ${bus.name}: DeduplicationId ${entry.deduplicationId}`,
      );
      // Whether AWS echoes the original EventId/SequenceNumber is undocumented: none here.
      return { SuccessCode: 'DEDUPLICATED' };
    }
    const event = this.accept(bus, entry, now);
    if (key !== undefined) bus.dedup.seed(key, now);
    return { EventId: event.id, SequenceNumber: event.sequenceNumber, SuccessCode: 'PUBLISHED' };
  }

  /** The entry's de-duplication key; the publishing account is the server's own. */
  private keyOf(entry: ValidEntry): string | undefined {
    return entry.deduplicationId === undefined
      ? undefined
      : deduplicationKey(this.options.accountId, entry.eventGroupId, entry.deduplicationId);
  }

  private accept(bus: BusState, entry: ValidEntry, now: number): CustomBusEvent {
    const sequenceNumber = String(bus.nextSequence);
    bus.nextSequence += 1n;
    const event: CustomBusEvent = {
      id: randomUUID(),
      time: (entry.time ?? new Date(now)).toISOString(),
      source: entry.source,
      detailType: entry.detailType,
      detail: entry.detail,
      eventBusName: bus.name,
      resources: [...entry.resources],
      ...(entry.eventGroupId === undefined ? {} : { eventGroupId: entry.eventGroupId }),
      sequenceNumber,
    };
    this.options.log(
      `${eventLine(event)} group ${entry.eventGroupId ?? '(none)'} sequence ${sequenceNumber}`,
    );
    bus.retained.append({
      event,
      ingestedAt: now,
      ...(entry.deduplicationId === undefined ? {} : { deduplicationId: entry.deduplicationId }),
    });
    this.options.journal.record(event);
    return event;
  }
}
