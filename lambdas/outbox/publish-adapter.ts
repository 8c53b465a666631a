/**
 * What every bus adapter of the publishing port does the same way: its limits, validated
 * early; its existence check, optional; and how a call the client threw for becomes a
 * refusal, classified by the adapter's own rules.
 */
import { OutboxError } from './errors.js';
import type { EventBusVerdict } from './event-bus-check.js';
import type { PublishLimits, PutOutcome } from './event-publisher.js';
import type { PublishFailureKind } from './publish-errors.js';
import { DEFAULT_MAX_REQUEST_BYTES } from './put-events-entry.js';

const EXISTS: EventBusVerdict = { kind: 'exists' };

/** A bus's limits; `maxRequestBytes` defaults to 1 MB and must be a positive integer. @internal */
export function publishLimits(maxEntriesPerCall: number, maxRequestBytes?: number): PublishLimits {
  const bytes = maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new OutboxError(`maxRequestBytes must be a positive integer, got ${bytes}`);
  }
  return { maxEntriesPerCall, maxRequestBytes: bytes };
}

/** The bus check's verdict, or "exists" when the check is off. @internal */
export function verdictOf(check: { verify(): Promise<EventBusVerdict> } | undefined) {
  return check?.verify() ?? Promise.resolve(EXISTS);
}

/**
 * A call the client threw for (after its own retries), classified as a whole by `classify`,
 * with the HTTP status when there was an answer.
 * @internal
 */
export function refusalOf(
  error: unknown,
  classify: (error: unknown) => PublishFailureKind,
): PutOutcome {
  const thrown = error ?? new Error('PutEvents failed');
  const e = thrown as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const httpStatus = e.$metadata?.httpStatusCode;
  return {
    answered: false,
    kind: classify(thrown),
    failure: { code: e.name ?? 'Error', message: e.message ?? String(thrown) },
    ...(httpStatus === undefined ? {} : { httpStatus }),
  };
}
