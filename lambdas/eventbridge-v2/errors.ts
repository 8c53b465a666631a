/**
 * The client's error hierarchy, shaped like the official `@aws-sdk/client-eventbridgev2`
 * errors (`name`, `message`, `$fault`, `$metadata`, `$retryable`) so callers and the SDK's
 * retry classification read them the same way.
 */
import { ServiceException } from '@smithy/core/client';
import type { HttpResponse, ResponseMetadata, RetryableTrait } from '@smithy/types';

/** What every error of the client carries. */
export interface EventBridgeV2ErrorOptions {
  /** The error shape's name (`ThrottlingException`), or the subclass's. */
  readonly name: string;
  readonly message: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;
  readonly $retryable?: RetryableTrait;
  readonly $response?: HttpResponse;
  readonly cause?: unknown;
}

/**
 * Base of every error the client raises. A service error is an instance named after the
 * shape in the response's `__type` (`ThrottlingException`, `ResourceNotFoundException`, …).
 */
export class EventBridgeV2ServiceException extends ServiceException {
  constructor(options: EventBridgeV2ErrorOptions) {
    super(options);
    this.$retryable = options.$retryable;
    this.$response = options.$response;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A response that does not follow the protocol (no `smithy-protocol: rpc-v2-cbor` header, a
 * body that is not CBOR, an error without `__type`): judged by its HTTP status alone, as the
 * spec requires; any 5xx is retryable.
 */
export class MalformedResponseError extends EventBridgeV2ServiceException {
  constructor(
    reason: string,
    $metadata: ResponseMetadata,
    $response?: HttpResponse,
    cause?: unknown,
  ) {
    const status = $metadata.httpStatusCode ?? 0;
    super({
      name: 'MalformedResponseError',
      message: `malformed RPC v2 CBOR response (HTTP ${status}): ${reason}`,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata,
      // 500/502/503/504 are transient for the SDK already; the trait extends that to any 5xx.
      $retryable: status >= 500 ? {} : undefined,
      $response,
      cause,
    });
  }
}

/** Raised before any request: the input or the configuration is invalid (names the bad value). */
export class EventBridgeV2ClientError extends EventBridgeV2ServiceException {
  constructor(message: string, cause?: unknown) {
    super({ name: 'EventBridgeV2ClientError', message, $fault: 'client', $metadata: {}, cause });
  }
}
