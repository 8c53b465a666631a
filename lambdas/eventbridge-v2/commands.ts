/**
 * The two operations the client implements, with the official client's names and wire member
 * names (PascalCase), so swapping in `@aws-sdk/client-eventbridgev2` changes imports only.
 */
import type { MetadataBearer } from '@smithy/types';
import type { Shape } from './cbor-wire.js';
import { EventBridgeV2ClientError } from './errors.js';

/** FIFO metadata of an entry. */
export interface PutEventsSystemMetadata {
  /** The ordering group (1–128 chars). */
  EventGroupId?: string | undefined;
  /** The deduplication token (1–128 chars). */
  DeduplicationId?: string | undefined;
}

/** One event of a PutEvents request. */
export interface PutEventsRequestEntry {
  Source: string | undefined;
  DetailType: string | undefined;
  /** The payload, a JSON string. */
  Detail?: string | undefined;
  Resources?: string[] | undefined;
  /** Sent as CBOR tag 1 (epoch seconds); the service's receive time when omitted. */
  Time?: Date | undefined;
  SystemMetadata?: PutEventsSystemMetadata | undefined;
}

/** Input of PutEvents: 1 to 100 entries for the bus with this ARN. */
export interface PutEventsCommandInput {
  EventBusArn: string | undefined;
  Entries: PutEventsRequestEntry[] | undefined;
  DeduplicationConfiguration?: { DeduplicationType: 'CONTENT_BASED' | undefined } | undefined;
}

/** The outcome of one entry, at the entry's index. */
export interface PutEventsResultEntry {
  EventId?: string | undefined;
  SequenceNumber?: string | undefined;
  SuccessCode?: 'PUBLISHED' | 'DEDUPLICATED' | undefined;
  ErrorCode?: string | undefined;
  ErrorMessage?: string | undefined;
}

/** Output of PutEvents. */
export interface PutEventsCommandOutput extends MetadataBearer {
  FailedEntryCount?: number | undefined;
  Entries?: PutEventsResultEntry[] | undefined;
}

/** Input of DescribeEventBus. */
export interface DescribeEventBusCommandInput {
  EventBusArn: string | undefined;
}

/** Lifecycle state of a bus. */
export type BusState =
  | 'CREATING'
  | 'CREATE_FAILED'
  | 'UPDATING'
  | 'UPDATE_FAILED'
  | 'DELETING'
  | 'ACTIVE'
  | 'DELETE_FAILED';

/** Output of DescribeEventBus. */
export interface DescribeEventBusCommandOutput extends MetadataBearer {
  EventBusArn?: string | undefined;
  Name?: string | undefined;
  Description?: string | undefined;
  EncryptionConfiguration?: { KmsKeyIdentifier?: string | undefined } | undefined;
  StorageConfiguration?:
    | { RetentionPeriodInDays?: number | undefined; RetentionWindowStartTime?: Date | undefined }
    | undefined;
  CreationTime?: Date | undefined;
  LastModifiedTime?: Date | undefined;
  State?: BusState | undefined;
  StateReason?: string | undefined;
}

/** Publishes events to an enhanced custom bus (`client.send(new PutEventsCommand(input))`). */
export class PutEventsCommand {
  readonly operation = 'PutEvents';
  constructor(readonly input: PutEventsCommandInput) {}
}

/** Reads a bus's configuration and state (`client.send(new DescribeEventBusCommand(input))`). */
export class DescribeEventBusCommand {
  readonly operation = 'DescribeEventBus';
  constructor(readonly input: DescribeEventBusCommandInput) {}
}

/** A command the client can send. */
export type EventBridgeV2Command = PutEventsCommand | DescribeEventBusCommand;

/** The members each operation's output keeps. */
export const OUTPUT_SHAPES: Readonly<Record<EventBridgeV2Command['operation'], Shape>> = {
  PutEvents: {
    FailedEntryCount: true,
    Entries: [
      {
        EventId: true,
        SequenceNumber: true,
        SuccessCode: true,
        ErrorCode: true,
        ErrorMessage: true,
      },
    ],
  },
  DescribeEventBus: {
    EventBusArn: true,
    Name: true,
    Description: true,
    EncryptionConfiguration: { KmsKeyIdentifier: true },
    StorageConfiguration: { RetentionPeriodInDays: true, RetentionWindowStartTime: true },
    CreationTime: true,
    LastModifiedTime: true,
    State: true,
    StateReason: true,
  },
};

/** PutEvents takes 1 to 100 entries (the API's limit); checked before any request. */
export const MAX_ENTRIES_PER_CALL = 100;

/** Throws an {@link EventBridgeV2ClientError} naming the bad value when the input breaks a limit. */
export function assertValidInput(command: EventBridgeV2Command): void {
  if (command.operation !== 'PutEvents') return;
  const count = command.input.Entries?.length ?? 0;
  if (count < 1 || count > MAX_ENTRIES_PER_CALL) {
    throw new EventBridgeV2ClientError(
      `PutEvents takes 1 to ${MAX_ENTRIES_PER_CALL} entries, got ${count}`,
    );
  }
}
