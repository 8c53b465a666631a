/** What to do about a PutEvents failure, for one entry or a whole request. */
export type PublishFailureKind =
  /** Transient: retry with backoff while time allows. */
  | 'retryable'
  /** The data can never be accepted: quarantine the record with its payload. */
  | 'poison'
  /** The relay is misconfigured (permissions): fail the batch, never quarantine data. */
  | 'configuration';

const POISON_CODES = new Set(['InvalidArgument', 'MalformedDetail', 'ValidationException']);

/**
 * Classifies a PutEvents per-entry `ErrorCode`. `ThrottlingException` and
 * `InternalFailure` are the documented transient codes; unknown codes are retried too:
 * retrying a record that can never succeed costs time, quarantining one that could
 * costs data.
 *
 * @example
 * classifyEntryError('ThrottlingException'); // 'retryable'
 * classifyEntryError('NotAuthorizedForSourceException'); // 'configuration'
 */
export function classifyEntryError(code: string): PublishFailureKind {
  if (POISON_CODES.has(code)) return 'poison';
  if (code === 'AccessDeniedException' || code.startsWith('NotAuthorized')) return 'configuration';
  return 'retryable';
}

/**
 * Classifies an error thrown by a whole PutEvents request (after the SDK's own retries):
 * throttles, 5xx and network errors are retryable; permission errors are configuration;
 * a request-level validation error is poison (the caller narrows it down to one entry).
 */
export function classifyRequestError(error: unknown): PublishFailureKind {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const name = e?.name ?? '';
  if (
    name === 'AccessDeniedException' ||
    name.startsWith('NotAuthorized') ||
    name === 'UnrecognizedClientException' ||
    name === 'ResourceNotFoundException'
  ) {
    return 'configuration';
  }
  if (POISON_CODES.has(name) && (e.$metadata?.httpStatusCode ?? 400) < 500) return 'poison';
  return 'retryable';
}
