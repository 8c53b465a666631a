import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { putEventsEntrySize } from './entry-size.js';
import type { StoredEvent } from './outbox-record.js';

/**
 * The PutEvents entry of a stored event: Detail verbatim (the envelope serialized at
 * write time), Time = occurredAt, Resources and TraceHeader when present.
 *
 * @example
 * toPutEventsEntry(record.events[0], 'orders-bus');
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

/** Size of a stored event's entry by the documented PutEvents formula. */
export function storedEventSize(event: StoredEvent): number {
  return putEventsEntrySize({
    Time: new Date(event.time),
    Source: event.source,
    DetailType: event.detailType,
    Detail: event.detail,
    Resources: event.resources,
  });
}
