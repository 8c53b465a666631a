import {
  IdempotencyKeyReusedError,
  OutboxValidationError,
  WriteContentionError,
} from '../../outbox/errors.js';
import {
  ConcurrentModificationError,
  InvalidTransitionError,
  OrderNotFoundError,
  PreconditionFailedError,
} from '../errors.js';
import { HttpError } from './problem.js';

/**
 * Translates the errors the core raises on purpose into HTTP answers. Returns undefined
 * for anything else: an unexpected error, which the caller answers with a bare 500.
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof OrderNotFoundError) {
    return new HttpError(404, 'not-found', 'Not Found', error.message, { cause: error });
  }
  if (error instanceof InvalidTransitionError) {
    return new HttpError(409, 'invalid-transition', 'Invalid Transition', error.message, {
      extensions: { currentStatus: error.currentStatus },
      cause: error,
    });
  }
  if (error instanceof PreconditionFailedError) {
    return new HttpError(412, 'precondition-failed', 'Precondition Failed', error.message, {
      extensions: { currentVersion: error.currentVersion },
      headers: { ETag: `"${error.currentVersion}"` },
      cause: error,
    });
  }
  if (error instanceof ConcurrentModificationError) {
    return new HttpError(409, 'concurrent-modification', 'Conflict', error.message, {
      cause: error,
    });
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return new HttpError(
      422,
      'idempotency-key-reused',
      'Idempotency Key Reused',
      `${error.message}; send a new key for a new request`,
      { cause: error },
    );
  }
  if (error instanceof WriteContentionError) {
    return new HttpError(
      503,
      'contention',
      'Service Unavailable',
      'the order is busy; retry shortly',
      {
        headers: { 'Retry-After': '1' },
        cause: error,
      },
    );
  }
  if (error instanceof OutboxValidationError) {
    // The API validates its input first; an event the writer rejects is built from it,
    // e.g. an order too large for one event.
    return new HttpError(400, 'validation-error', 'Bad Request', error.message, { cause: error });
  }
  return undefined;
}
