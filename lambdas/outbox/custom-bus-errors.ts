/**
 * What to do about a Custom Event Bus (eventbridgev2) failure. The API documents the errors
 * of a whole PutEvents call (API_PutEvents, "Errors") but not the per-entry `ErrorCode`
 * values (a free string): those get the classic bus's treatment where the name says what it
 * is, and a few bounded attempts otherwise. Table and sources: docs/relay.md ("Custom Event Bus").
 */
import {
  classifyRequestError,
  MISSING_RESULT_CODE,
  type PublishFailureKind,
} from './publish-errors.js';

/** Entry codes that name a passing condition (the API's own retryable error names). */
const RETRYABLE_ENTRY_CODES = new Set([
  'ThrottlingException',
  'InternalException',
  'InternalFailure',
  MISSING_RESULT_CODE,
]);

/**
 * Classifies a per-entry `ErrorCode` of the Custom Event Bus: throttles and internal errors
 * are retried; access denials stop the batch (the relay's identity, never the event's fault);
 * invalid input is poison; any other code is `unknown` (a few attempts, then quarantine).
 * @internal
 */
export function classifyCustomBusEntryError(code: string): PublishFailureKind {
  if (RETRYABLE_ENTRY_CODES.has(code)) return 'retryable';
  if (code === 'AccessDeniedException' || code.startsWith('NotAuthorized')) return 'configuration';
  if (code === 'InvalidInputException') return 'poison';
  return 'unknown';
}

/**
 * Classifies an error thrown by a whole PutEvents call to a Custom Event Bus, after the
 * client's own retries: `InternalException` (500) and `ThrottlingException` (429) are
 * retryable; `InvalidStateException` (409: "an event bus that is still being created cannot
 * accept events") is waited out; `InvalidInputException` (400) is the request's data, split
 * and quarantined like a classic `ValidationException`; the rest — `ResourceNotFoundException`
 * (404), `AccessDeniedException` (403, also "when the operation cannot use the AWS KMS key"),
 * 413, network errors — as on the classic bus.
 * @internal
 */
export function classifyCustomBusRequestError(error: unknown): PublishFailureKind {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'InvalidStateException' || name === 'InternalException') return 'retryable';
  if (name === 'InvalidInputException') return 'poison';
  return classifyRequestError(error);
}
