import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { EventBusCheck, type EventBusVerdict } from './event-bus-check.js';
import type {
  EntryResult,
  EventPublisher,
  PublishEntry,
  PublishLimits,
  PutOutcome,
} from './event-publisher.js';
import { publishLimits, refusalOf, verdictOf } from './publish-adapter.js';
import { classifyEntryError, classifyRequestError, MISSING_RESULT_CODE } from './publish-errors.js';
import { MAX_PUT_EVENTS_ENTRIES, storedEventSize, toPutEventsEntry } from './put-events-entry.js';

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
    this.limits = publishLimits(MAX_PUT_EVENTS_ENTRIES, options.maxRequestBytes);
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
    return verdictOf(this.busCheck);
  }

  async put(entries: readonly PublishEntry[]): Promise<PutOutcome> {
    const command = new PutEventsCommand({
      Entries: entries.map((entry) => toPutEventsEntry(entry.event, this.eventBusName)),
    });
    try {
      const output = await this.eventBridge.send(command);
      return { answered: true, results: entries.map((_, i) => resultOf(output.Entries?.[i])) };
    } catch (error) {
      return refusalOf(error, classifyRequestError);
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
