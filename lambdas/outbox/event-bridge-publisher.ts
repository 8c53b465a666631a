import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { OutboxError } from './errors.js';
import { EventBusCheck, type EventBusVerdict } from './event-bus-check.js';
import type {
  EntryResult,
  EventPublisher,
  PublishEntry,
  PublishLimits,
  PutOutcome,
} from './event-publisher.js';
import { classifyEntryError, classifyRequestError, MISSING_RESULT_CODE } from './publish-errors.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  MAX_PUT_EVENTS_ENTRIES,
  storedEventSize,
  toPutEventsEntry,
} from './put-events-entry.js';

/** Configuration of an {@link EventBridgePublisher}. @internal */
export interface EventBridgePublisherOptions {
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /**
   * PutEvents request size limit, by the documented entry-size formula.
   * @default - 1 MB (1,048,576 bytes)
   */
  readonly maxRequestBytes?: number;
  /**
   * Describe the bus before the first publish, and publish nothing if it does not exist:
   * PutEvents accepts events for a bus that does not exist. Turn it off only for a bus in
   * another account, which `DescribeEventBus` cannot see.
   * @default - true
   */
  readonly verifyEventBus?: boolean;
}

const EXISTS: EventBusVerdict = { kind: 'exists' };

/**
 * The classic EventBridge bus behind the publishing port: `PutEvents` with at most 10
 * entries, sized by the documented entry-size formula, each answer classified by
 * `publish-errors.ts` (the table in docs/relay.md, "Failure classes").
 * @internal
 */
export class EventBridgePublisher implements EventPublisher {
  readonly limits: PublishLimits;
  private readonly eventBridge: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly busCheck: EventBusCheck | undefined;

  constructor(options: EventBridgePublisherOptions) {
    const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes < 1) {
      throw new OutboxError(`maxRequestBytes must be a positive integer, got ${maxRequestBytes}`);
    }
    this.limits = { maxEntriesPerCall: MAX_PUT_EVENTS_ENTRIES, maxRequestBytes };
    this.eventBridge = options.eventBridge;
    this.eventBusName = options.eventBusName;
    this.busCheck =
      options.verifyEventBus === false
        ? undefined
        : new EventBusCheck(options.eventBridge, options.eventBusName);
  }

  sizeOf(entry: PublishEntry): number {
    return storedEventSize(entry.event);
  }

  verifyBus(): Promise<EventBusVerdict> {
    return this.busCheck?.verify() ?? Promise.resolve(EXISTS);
  }

  async put(entries: readonly PublishEntry[]): Promise<PutOutcome> {
    const command = new PutEventsCommand({
      Entries: entries.map((entry) => toPutEventsEntry(entry.event, this.eventBusName)),
    });
    try {
      const output = await this.eventBridge.send(command);
      return { answered: true, results: entries.map((_, i) => resultOf(output.Entries?.[i])) };
    } catch (error) {
      return refusalOf(error ?? new Error('PutEvents failed'));
    }
  }
}

/**
 * One entry's answer. AWS documents one result per request entry, in order; an entry
 * without one is a lost answer (retryable), not a refusal.
 */
function resultOf(entry: PutEventsResultEntry | undefined): EntryResult {
  if (entry?.EventId) return { accepted: true, busEventId: entry.EventId };
  const code = entry?.ErrorCode ?? MISSING_RESULT_CODE;
  return {
    accepted: false,
    kind: classifyEntryError(code),
    failure: {
      code,
      message: entry?.ErrorMessage ?? 'EventBridge returned no result for this entry',
    },
  };
}

/** A request the SDK threw for (after its own retries), classified as a whole. */
function refusalOf(error: unknown): PutOutcome {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const httpStatus = e.$metadata?.httpStatusCode;
  return {
    answered: false,
    kind: classifyRequestError(error),
    failure: { code: e.name ?? 'Error', message: e.message ?? String(error) },
    ...(httpStatus === undefined ? {} : { httpStatus }),
  };
}
