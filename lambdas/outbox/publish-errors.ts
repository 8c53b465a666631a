/**
 * What to do about a PutEvents failure, for one entry or a whole request. The table, with
 * the AWS documents behind each row, is in docs/relay.md ("Failure classes").
 * @internal
 */
export type PublishFailureKind =
  /** Transient: retry with backoff while time allows. */
  | 'retryable'
  /**
   * The data can never be accepted: quarantine the record with its payload. For a request
   * of several entries the culprit is unknown: send each entry alone first.
   */
  | 'poison'
  /** The request is too large: send each entry alone; one still too large is quarantined. */
  | 'tooLarge'
  /** The relay is misconfigured (permissions, account, bus): fail the batch, quarantine nothing. */
  | 'configuration'
  /** An entry code AWS does not document: retried a few times, then quarantined. */
  | 'unknown';

/**
 * How many times an entry answered with an undocumented error code is sent before its
 * record is quarantined: the SDK's standard retry mode also makes 3 attempts.
 * @internal
 */
export const UNKNOWN_CODE_ATTEMPTS = 3;

/**
 * The relay's code for an entry EventBridge returned no result for (no answer at all).
 * @internal
 */
export const MISSING_RESULT_CODE = 'MissingResultEntry';

/** PutEventsResultEntry: "Retryable errors include InternalFailure, ThrottlingException". */
const RETRYABLE_ENTRY_CODES = new Set(['InternalFailure', 'ThrottlingException']);

/** Documented non-retryable codes that are about the event itself. */
const POISON_CODES = new Set([
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'ValidationException',
]);

/** Documented non-retryable codes that are about the relay's identity, account or bus. */
const CONFIGURATION_CODES = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

/** Throttling and timeout names the SDK itself treats as transient. */
const TRANSIENT_REQUEST_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** awslabs/aws-service-catalog-puppet#563: the request-level size error's message. */
const REQUEST_TOO_LARGE_MESSAGE = /total size of the entries in the request is over the limit/i;

/**
 * Classifies a PutEvents per-entry `ErrorCode`, as the PutEventsResultEntry reference
 * documents it: `ThrottlingException` and `InternalFailure` are retryable; the
 * non-retryable codes are poison (the event) or configuration (the relay). A code AWS
 * does not document is `unknown`: retried {@link UNKNOWN_CODE_ATTEMPTS} times at most.
 * No result at all for an entry is a lost answer, retried like a lost response.
 * @internal
 */
export function classifyEntryError(code: string): PublishFailureKind {
  if (RETRYABLE_ENTRY_CODES.has(code) || code === MISSING_RESULT_CODE) return 'retryable';
  if (POISON_CODES.has(code)) return 'poison';
  if (CONFIGURATION_CODES.has(code) || code.startsWith('NotAuthorized')) return 'configuration';
  return 'unknown';
}

/** The fields of an SDK v3 service exception this module reads. */
interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * Classifies an error thrown by a whole PutEvents request (after the SDK's own retries).
 * An HTTP 413 of any shape (SDK v3 reports an empty body as `name: 'Unknown'`) and the
 * request-level size `ValidationException` are `tooLarge`; other request validation
 * errors are `poison`; throttles, 5xx and errors without an HTTP answer are retryable;
 * every other client fault is `configuration`: the request as a whole was refused, so
 * retrying cannot help and quarantining the data would be wrong.
 * @internal
 */
export function classifyRequestError(error: unknown): PublishFailureKind {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = e.$metadata?.httpStatusCode;
  if (status === 413) return 'tooLarge';
  if (TRANSIENT_REQUEST_ERRORS.has(name) || status === 429 || e.$retryable) return 'retryable';
  if ((typeof status === 'number' && status >= 500) || e.$fault === 'server') return 'retryable';
  if (name === 'ValidationException' && isRequestTooLargeMessage(e.message)) return 'tooLarge';
  if (POISON_CODES.has(name)) return 'poison';
  if (CONFIGURATION_CODES.has(name) || name.startsWith('NotAuthorized')) return 'configuration';
  // No HTTP answer (network, timeout): the SDK retried it already; the next try may succeed.
  if (typeof status !== 'number') return 'retryable';
  // UnrecognizedClient, a missing bus, an empty-bodied 400 or 403 (`Unknown`): the caller,
  // its credentials or its target.
  return 'configuration';
}

/** Whether a request-level error message is the documented "request too large" one. */
function isRequestTooLargeMessage(message: unknown): boolean {
  return typeof message === 'string' && REQUEST_TOO_LARGE_MESSAGE.test(message);
}
