import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsServiceError } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { busName, busNameProblem, parseBusName } from './event-bus-names.js';
import { EventJournal } from './event-journal.js';
import {
  type EntryProblem,
  entriesOf,
  entriesSize,
  entryProblem,
  type PutEventsEntry,
  type PutEventsRequest,
} from './put-events-rules.js';

/** An event the local bus accepted, as `GET /events` shows it. */
export interface LocalEvent {
  /** The EventId PutEvents answered with (a UUID). */
  readonly id: string;
  /** ISO-8601: the entry's `Time` when given, else the time it was accepted. */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  /** The entry's `Detail`, parsed. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** The bus name (an event-bus ARN is reduced to its name); `default` when not given. */
  readonly eventBusName: string;
  readonly resources: readonly string[];
}

/** Called for every accepted event, in acceptance order. */
export type EventListener = (event: LocalEvent) => void | Promise<void>;

/** The events a bus accepted, as `GET /events` reads them (any kind of bus). */
export interface AcceptedEvents {
  /** Accepted events, in acceptance order (a copy). */
  accepted(): LocalEvent[];
  /** The events accepted after the one with this id; undefined when no event has it. */
  acceptedAfter(id: string): LocalEvent[] | undefined;
}

/** The result of one PutEvents entry. */
export type EntryResult =
  | { readonly EventId: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** What PutEvents answers when the request as a whole is valid. */
export interface PutEventsOutput {
  readonly FailedEntryCount: number;
  readonly Entries: readonly EntryResult[];
}

export const describeEventBusRequestSchema = z.looseObject({ Name: z.string().nullish() });
export type DescribeEventBusRequest = z.infer<typeof describeEventBusRequestSchema>;

/** What DescribeEventBus answers for a known bus. */
export interface DescribeEventBusOutput {
  readonly Name: string;
  readonly Arn: string;
  /** Epoch seconds, as AWS JSON carries timestamps. */
  readonly CreationTime: number;
  readonly LastModifiedTime: number;
}

/** Settings of an {@link EventBus}; the server fills in the defaults. */
export interface EventBusOptions {
  /** PutEvents request size limit by the documented entry-size formula. */
  readonly maxRequestBytes: number;
  /** The buses DescribeEventBus knows besides `default`. */
  readonly knownBuses: readonly string[];
  /** Region and account of the event-bus ARNs DescribeEventBus answers and accepts. */
  readonly region: string;
  readonly accountId: string;
  readonly log: BusLog;
  readonly clock: () => Date;
  /** Fails an otherwise valid entry on purpose (fault injection); undefined lets it through. */
  readonly injectedFailure?: () => EntryProblem | undefined;
  /**
   * Where accepted events are recorded, shared with the other buses of the server.
   * @default - a journal of this bus alone
   */
  readonly journal?: EventJournal;
}

/**
 * The classic EventBridge bus of local mode: PutEvents validated like EventBridge, the
 * accepted events kept in order and handed to listeners, DescribeEventBus for the known
 * buses. Like EventBridge it is unkind: PutEvents accepts entries for any bus name, known
 * or not; only DescribeEventBus tells the known buses apart.
 */
export class EventBus implements AcceptedEvents {
  private readonly journal: EventJournal;
  /** Known buses, by name, with the time they came to be. */
  private readonly buses: Map<string, Date>;

  constructor(private readonly options: EventBusOptions) {
    this.journal = options.journal ?? new EventJournal(options.log);
    this.buses = new Map(['default', ...options.knownBuses].map((name) => [name, options.clock()]));
  }

  /** Accepts each valid entry; fails the whole request if it is empty, too long or too large. */
  putEvents(request: PutEventsRequest): PutEventsOutput {
    const entries = entriesOf(request);
    this.checkSize(entries);
    const results = entries.map((entry) => this.putEntry(entry));
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }

  /** The bus when it is known here (by name or ARN), else ResourceNotFoundException. */
  describeEventBus(request: DescribeEventBusRequest): DescribeEventBusOutput {
    const given = request.Name ?? 'default';
    const invalid = busNameProblem(given);
    if (invalid !== undefined)
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value '${given}' at 'name' failed to satisfy constraint: Member must ${invalid}`,
      );
    const { name, arnRegion, arnAccount } = parseBusName(given);
    const { region, accountId } = this.options;
    const created = this.buses.get(name);
    const here = (arnRegion ?? region) === region && (arnAccount ?? accountId) === accountId;
    if (created === undefined || !here) {
      this.options.log(`DescribeEventBus ${given}: no such bus here`);
      // EventBridge's wording, as seen in hashicorp/terraform-provider-aws#31634.
      throw new AwsServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
    const seconds = created.getTime() / 1000;
    return {
      Name: name,
      Arn: `arn:aws:events:${region}:${accountId}:event-bus/${name}`,
      CreationTime: seconds,
      LastModifiedTime: seconds,
    };
  }

  accepted(): LocalEvent[] {
    return this.journal.accepted();
  }

  acceptedAfter(id: string): LocalEvent[] | undefined {
    return this.journal.acceptedAfter(id);
  }

  /** Registers a listener for accepted events; returns a function that removes it. */
  onEvent(listener: EventListener): () => void {
    return this.journal.onEvent(listener);
  }

  private checkSize(entries: readonly PutEventsEntry[]): void {
    const size = entriesSize(entries);
    const limit = this.options.maxRequestBytes;
    if (size <= limit) return;
    this.options.log(
      `PutEvents rejected: the entries are ${size} bytes by the entry-size formula, over ${limit}`,
    );
    // EventBridge's wording (awslabs/aws-service-catalog-puppet#563); sizes go to the log.
    throw new AwsServiceError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }

  /** The entry's EventId once accepted, or its error; the injected failure only hits valid entries. */
  private putEntry(entry: PutEventsEntry): EntryResult {
    const problem = entryProblem(entry) ?? this.options.injectedFailure?.();
    if (problem === undefined) return { EventId: this.accept(entry).id };
    this.options.log(
      `rejected ${entry.DetailType || '?'} ${entry.Source || '?'}: ${problem.code} ${problem.message}`,
    );
    return { ErrorCode: problem.code, ErrorMessage: problem.message };
  }

  private accept(entry: PutEventsEntry): LocalEvent {
    const event: LocalEvent = {
      id: randomUUID(),
      time: (entry.Time == null ? this.options.clock() : new Date(entry.Time * 1000)).toISOString(),
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
      eventBusName: busName(entry.EventBusName),
      resources: [...(entry.Resources ?? [])],
    };
    this.options.log(eventLine(event));
    this.journal.record(event);
    return event;
  }
}

/** One readable line per accepted event: `OrderCreated com.example.orders Order#42 seq 1`. */
export function eventLine(event: LocalEvent): string {
  const { aggregateType, aggregateId, sequence } = event.detail;
  const subject =
    typeof aggregateId === 'string' || typeof aggregateId === 'number'
      ? `${typeof aggregateType === 'string' ? aggregateType : '?'}#${aggregateId}${typeof sequence === 'number' ? ` seq ${sequence}` : ''}`
      : event.id;
  const bus = event.eventBusName === 'default' ? '' : ` (${event.eventBusName})`;
  return `${event.detailType} ${event.source} ${subject}${bus}`;
}
