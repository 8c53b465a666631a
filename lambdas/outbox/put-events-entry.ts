/**
 * The PutEvents entry of an outbox event: its shape, its size by the formula EventBridge
 * documents, and the limits that size and shape are checked against (at write time by the
 * writer, at publish time by the relay).
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { StoredEvent } from './outbox-record.js';

/** PutEvents accepts at most this many entries per request. @internal */
export const MAX_PUT_EVENTS_ENTRIES = 10;
/** Request (and so entry) size limit of PutEvents since January 2026: 1 MB. @internal */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** The limit that older accounts and regions still apply: 256 KB. @internal */
export const LEGACY_MAX_REQUEST_BYTES = 256 * 1024;
/** EventBridge DetailType length limit. @internal */
export const MAX_DETAIL_TYPE_LENGTH = 128;
/**
 * EventBridge processes Detail JSON only up to this nesting depth; keep a margin below.
 * @internal
 */
export const MAX_DETAIL_DEPTH = 1000;

/**
 * The fields of a PutEvents request entry that count towards its size.
 * @internal
 */
export interface SizedEntry {
  readonly Time?: Date | undefined;
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}

const utf8 = (s: string | undefined): number =>
  s === undefined ? 0 : Buffer.byteLength(s, 'utf8');

/**
 * Size of a PutEvents entry by the formula EventBridge documents ("Calculating PutEvents
 * event entry size"): 14 bytes for Time when present, plus the UTF-8 bytes of Source,
 * DetailType, Detail and each Resource. EventBusName and TraceHeader do not count.
 * @internal
 */
export function putEventsEntrySize(entry: SizedEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  return size;
}

/**
 * The PutEvents entry of a stored event: Detail verbatim (the envelope serialized at
 * write time), Time = occurredAt, Resources and TraceHeader when present.
 * @internal
 */
export function toPutEventsEntry(event: StoredEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    Source: event.source,
    DetailType: event.detailType,
    Detail: event.detail,
    EventBusName: eventBusName,
    Time: new Date(event.time),
    ...(event.resources === undefined ? {} : { Resources: [...event.resources] }),
    ...(event.traceHeader === undefined ? {} : { TraceHeader: event.traceHeader }),
  };
}

/** Size of a stored event's entry by the documented PutEvents formula. @internal */
export function storedEventSize(event: StoredEvent): number {
  return putEventsEntrySize({
    Time: new Date(event.time),
    Source: event.source,
    DetailType: event.detailType,
    Detail: event.detail,
    Resources: event.resources,
  });
}
