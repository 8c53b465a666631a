import { createHash } from 'node:crypto';
import type { EventBridgeV2Client } from '../eventbridge-v2/client.js';
import {
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '../eventbridge-v2/commands.js';
import { CustomBusCheck } from './custom-bus-check.js';
import { classifyCustomBusEntryError, classifyCustomBusRequestError } from './custom-bus-errors.js';
import type { EventBusVerdict } from './event-bus-check.js';
import type {
  EntryResult,
  EventPublisher,
  PublishEntry,
  PublishLimits,
  PutOutcome,
} from './event-publisher.js';
import { publishLimits, refusalOf, verdictOf } from './publish-adapter.js';
import { MISSING_RESULT_CODE } from './publish-errors.js';
import { storedEventSize } from './put-events-entry.js';

/** eventbridgev2 PutEvents takes 1 to 100 entries (API_PutEvents, `Entries`). @internal */
export const MAX_CUSTOM_BUS_ENTRIES = 100;

/** `SystemMetadata.EventGroupId` is 1 to 128 characters (API_PutEventsSystemMetadata). */
const MAX_EVENT_GROUP_ID_LENGTH = 128;
/**
 * Group ids kept as they are: printable ASCII, which an SQS FIFO `MessageGroupId` also
 * accepts ("A FIFO target … enforces its own length and character limits on the group
 * identifier", eb-custom-bus-ordering).
 */
const PLAIN_GROUP_ID = /^[\x21-\x7e]{1,128}$/;

/** Configuration of a {@link CustomBusPublisher}. @internal */
export interface CustomBusPublisherOptions {
  readonly client: EventBridgeV2Client;
  /** The bus, by ARN: eventbridgev2 addresses a bus by nothing else. */
  readonly eventBusArn: string;
  /**
   * Request size limit, by the classic entry-size formula: the Custom Event Bus documents
   * neither a request limit nor an entry-size rule, so the classic one is kept.
   * @default - 1 MB (1,048,576 bytes)
   */
  readonly maxRequestBytes?: number;
  /**
   * Describe the bus before the first publish and publish only to an `ACTIVE` one.
   * @default - true
   */
  readonly verifyEventBus?: boolean;
}

/**
 * The enhanced Custom Event Bus behind the publishing port. Each entry carries
 * `EventGroupId` = the aggregate key, so a FIFO subscriber delivers an aggregate's events in
 * publish order, and `DeduplicationId` = the event's `eventId`, so a repeat within five
 * minutes (a lost response, a relay that died before marking) is answered `DEDUPLICATED` and
 * is not a second event (eb-custom-bus-ordering). The ordering logic above still puts at
 * most one entry of a group in a call: AWS does not document what a failed entry does to
 * the later entries of its group in the same request (docs/relay.md).
 * @internal
 */
export class CustomBusPublisher implements EventPublisher {
  readonly limits: PublishLimits;
  private readonly client: EventBridgeV2Client;
  private readonly eventBusArn: string;
  private readonly busCheck: CustomBusCheck | undefined;

  constructor(options: CustomBusPublisherOptions) {
    this.limits = publishLimits(MAX_CUSTOM_BUS_ENTRIES, options.maxRequestBytes);
    this.client = options.client;
    this.eventBusArn = options.eventBusArn;
    this.busCheck =
      options.verifyEventBus === false
        ? undefined
        : new CustomBusCheck(options.client, options.eventBusArn);
  }

  sizeOf(entry: PublishEntry): number {
    return storedEventSize(entry.event);
  }

  verifyBus(): Promise<EventBusVerdict> {
    return verdictOf(this.busCheck);
  }

  async put(entries: readonly PublishEntry[]): Promise<PutOutcome> {
    const command = new PutEventsCommand({
      EventBusArn: this.eventBusArn,
      Entries: entries.map(toCustomBusEntry),
    });
    try {
      const output = await this.client.send(command);
      return { answered: true, results: entries.map((_, i) => resultOf(output.Entries?.[i])) };
    } catch (error) {
      return refusalOf(error, classifyCustomBusRequestError);
    }
  }
}

/**
 * The event group of an aggregate key: the key itself when it is a valid group id for the
 * bus and for an SQS FIFO target, else a digest of it (the same key, the same group, always).
 * @internal
 */
export function eventGroupIdOf(aggregateKey: string): string {
  if (PLAIN_GROUP_ID.test(aggregateKey)) return aggregateKey;
  const digest = `sha256:${createHash('sha256').update(aggregateKey, 'utf8').digest('hex')}`;
  return digest.slice(0, MAX_EVENT_GROUP_ID_LENGTH);
}

/** The PutEvents entry of a stored event on the Custom Event Bus. @internal */
export function toCustomBusEntry({ aggregateKey, event }: PublishEntry): PutEventsRequestEntry {
  return {
    Source: event.source,
    DetailType: event.detailType,
    Detail: event.detail,
    Time: new Date(event.time),
    ...(event.resources === undefined ? {} : { Resources: [...event.resources] }),
    SystemMetadata: { EventGroupId: eventGroupIdOf(aggregateKey), DeduplicationId: event.eventId },
  };
}

/**
 * One entry's answer: `PUBLISHED` and `DEDUPLICATED` are both on the bus (the second is a
 * repeat it suppressed, "a success"); an `ErrorCode` is a refusal; nothing at all is a lost
 * answer.
 */
function resultOf(entry: PutEventsResultEntry | undefined): EntryResult {
  if (entry?.SuccessCode === 'DEDUPLICATED') return { accepted: true, deduplicated: true };
  if (entry?.ErrorCode === undefined && (entry?.SuccessCode !== undefined || entry?.EventId))
    return { accepted: true, ...(entry.EventId ? { busEventId: entry.EventId } : {}) };
  const code = entry?.ErrorCode ?? MISSING_RESULT_CODE;
  return {
    accepted: false,
    kind: classifyCustomBusEntryError(code),
    failure: {
      code,
      message: entry?.ErrorMessage ?? 'the Custom Event Bus returned no result for this entry',
    },
  };
}
