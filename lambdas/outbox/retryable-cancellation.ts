import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeserializeMiddleware, MetadataBearer } from '@smithy/types';

/** Cancellation reasons that mean "try again", not "your request is wrong". */
const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

interface CancellationLike {
  name?: string;
  CancellationReasons?: { Code?: string }[];
  $retryable?: { throttling?: boolean };
}

/**
 * True when a `TransactionCanceledException` was caused only by contention or
 * throttling: no condition failed, so the same transaction may simply be sent again.
 * @internal
 */
export function isTransientCancellation(error: unknown): boolean {
  const e = error as CancellationLike | undefined;
  if (e?.name !== 'TransactionCanceledException') return false;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return (
    codes.some((c) => TRANSIENT_REASONS.has(c)) &&
    codes.every((c) => c === 'None' || TRANSIENT_REASONS.has(c))
  );
}

/**
 * Marks transient transaction cancellations as retryable, so that the client's own retry
 * strategy (attempts, backoff, retry quota) handles them like throttles. The SDK does not
 * retry `TransactionCanceledException` by itself. Retries resend the same input, and so
 * the same auto-generated `ClientRequestToken`: a retry cannot apply a transaction twice.
 * @internal
 */
export const retryableCancellationMiddleware: DeserializeMiddleware<object, MetadataBearer> =
  (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (isTransientCancellation(error)) {
        (error as CancellationLike).$retryable = { throttling: true };
      }
      throw error;
    }
  };

const MIDDLEWARE_NAME = 'dynamoOutboxRetryableCancellation';

/**
 * Installs {@link retryableCancellationMiddleware} on a client, once. The `OutboxWriter`
 * constructor calls it on the client it is given unless `retryTransientCancellations` is
 * false.
 * @internal
 */
export function retryTransientCancellations(client: DynamoDBClient | DynamoDBDocumentClient): void {
  const stack = client.middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(MIDDLEWARE_NAME))) return;
  // High priority puts it outside the (normal-priority) deserializer, so it sees the
  // error the deserializer throws, and still inside the retry middleware (finalizeRequest
  // step), which reads the `$retryable` trait. At normal priority it would sit inside the
  // deserializer and only ever see raw HTTP responses.
  stack.add(retryableCancellationMiddleware as never, {
    step: 'deserialize',
    priority: 'high',
    name: MIDDLEWARE_NAME,
  });
}
