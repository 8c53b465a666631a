/**
 * A minimal client for EventBridge's enhanced custom event bus (`eventbridgev2`), until
 * `@aws-sdk/client-eventbridgev2` can be installed. See docs/eventbridge-v2-client.md.
 */
import { Sha256 } from '@smithy/core/checksum';
import {
  loadConfig,
  memoize,
  NODE_REGION_CONFIG_FILE_OPTIONS,
  NODE_REGION_CONFIG_OPTIONS,
} from '@smithy/core/config';
import { HttpRequest } from '@smithy/core/protocols';
import {
  getRetryAfterHint,
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpHandlerOptions,
  HttpResponse,
  Provider,
  RequestHandler,
  RetryErrorType,
  SdkError,
  StandardRetryToken,
} from '@smithy/types';
import { encodeInput, pick } from './cbor-wire.js';
import {
  assertValidInput,
  type DescribeEventBusCommand,
  type DescribeEventBusCommandOutput,
  type EventBridgeV2Command,
  OUTPUT_SHAPES,
  type PutEventsCommand,
  type PutEventsCommandOutput,
} from './commands.js';
import {
  type AccountIdEndpointMode,
  accountIdEndpointModeOf,
  parseEndpoint,
  resolveEndpoint,
} from './endpoint.js';
import { EventBridgeV2ClientError } from './errors.js';
import { buildRequest } from './request.js';
import { type ReadResponse, readResponse } from './response.js';

/** Options of {@link EventBridgeV2Client}, a subset of the official client's. */
export interface EventBridgeV2ClientConfig {
  /** @default `AWS_REGION`, then the shared config file */
  readonly region?: string;
  /** Base URL of every request (local mode). @default `AWS_ENDPOINT_URL_EVENTBRIDGEV2`, `AWS_ENDPOINT_URL`, then AWS's host */
  readonly endpoint?: string;
  /** @default the default credential chain (`defaultProvider()`) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per command, retries included. @default 3 */
  readonly maxAttempts?: number;
  /** @default a `NodeHttpHandler` */
  readonly requestHandler?: EventBridgeV2RequestHandler;
  /** @default `AWS_ACCOUNT_ID_ENDPOINT_MODE`, else `'preferred'` */
  readonly accountIdEndpointMode?: AccountIdEndpointMode;
}

/** The output of any command. */
export type EventBridgeV2Output = PutEventsCommandOutput | DescribeEventBusCommandOutput;

/** What sends a signed request: `NodeHttpHandler` or a test's fake. */
export type EventBridgeV2RequestHandler = RequestHandler<
  HttpRequest,
  HttpResponse,
  HttpHandlerOptions
>;

/**
 * Sends {@link PutEventsCommand} and {@link DescribeEventBusCommand} over Smithy RPC v2 CBOR,
 * signed with SigV4 (service `events`), retried by the SDK's standard retry strategy.
 *
 * @example
 * ```ts
 * // Written against the official package's name, the one thing a swap changes; in this
 * // repository the same names come from `lambdas/eventbridge-v2/index.js`.
 * import { EventBridgeV2Client, PutEventsCommand } from '@aws-sdk/client-eventbridgev2';
 *
 * const client = new EventBridgeV2Client({ region: 'eu-west-1' });
 * const { FailedEntryCount, Entries } = await client.send(
 *   new PutEventsCommand({
 *     EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-busv2/orders/a1b2c3d4e5f6g7h8i9j0k1l2m',
 *     Entries: [
 *       {
 *         Source: 'orders',
 *         DetailType: 'OrderPlaced',
 *         Detail: JSON.stringify({ orderId: 'o-1' }),
 *         SystemMetadata: { EventGroupId: 'Order#o-1', DeduplicationId: 'evt-1' },
 *       },
 *     ],
 *   }),
 * );
 * console.log(FailedEntryCount, Entries?.[0]?.SuccessCode, Entries?.[0]?.SequenceNumber);
 * ```
 */
export class EventBridgeV2Client {
  private readonly region: Provider<string>;
  private readonly credentials: Provider<AwsCredentialIdentity>;
  private readonly signer: SignatureV4;
  private readonly handler: EventBridgeV2RequestHandler;
  private readonly retryStrategy: StandardRetryStrategy;
  private readonly endpoint: string | undefined;
  private readonly accountIdEndpointMode: AccountIdEndpointMode;

  constructor(config: EventBridgeV2ClientConfig = {}) {
    const maxAttempts = config.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new EventBridgeV2ClientError(
        `maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`,
      );
    }
    if (config.endpoint !== undefined) parseEndpoint(config.endpoint);
    const { region, credentials } = config;
    this.region = memoize(
      region === undefined
        ? loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)
        : async () => region,
    );
    this.credentials = memoizeCredentials(
      typeof credentials === 'function'
        ? credentials
        : credentials
          ? async () => credentials
          : defaultCredentials(),
    );
    this.signer = new SignatureV4({
      service: 'events',
      region: this.region,
      credentials: this.credentials,
      sha256: Sha256,
    });
    this.handler = config.requestHandler ?? new NodeHttpHandler();
    this.retryStrategy = new StandardRetryStrategy(maxAttempts);
    this.endpoint = config.endpoint;
    this.accountIdEndpointMode = accountIdEndpointModeOf(config.accountIdEndpointMode);
  }

  /** Sends a command; resolves with its output or rejects with an `EventBridgeV2ServiceException`. */
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
  send(command: DescribeEventBusCommand): Promise<DescribeEventBusCommandOutput>;
  send(command: EventBridgeV2Command): Promise<EventBridgeV2Output>;
  async send(command: EventBridgeV2Command): Promise<EventBridgeV2Output> {
    assertValidInput(command);
    const body = encodeInput(command.input);
    let token = await this.retryStrategy.acquireInitialRetryToken('');
    for (let attempts = 1; ; attempts++) {
      try {
        const { body: output, $metadata } = await this.attempt(command, body);
        this.retryStrategy.recordSuccess(token);
        const kept = pick(output, OUTPUT_SHAPES[command.operation]) as object;
        return {
          ...kept,
          $metadata: { ...$metadata, attempts },
        };
      } catch (error) {
        token = await this.nextToken(token, asSdkError(error), attempts);
      }
    }
  }

  /** Stops the default handler's sockets (a handler passed in is the caller's to close). */
  destroy(): void {
    this.handler.destroy?.();
  }

  /** One signed request and its response; a fresh signature (and date) every attempt. */
  private async attempt(command: EventBridgeV2Command, body: Uint8Array): Promise<ReadResponse> {
    const [region, identity] = await Promise.all([this.region(), this.credentials()]);
    const base = resolveEndpoint({
      region,
      endpoint: this.endpoint,
      eventBusArn: command.input.EventBusArn,
      accountId: identity.accountId,
      accountIdEndpointMode: this.accountIdEndpointMode,
    });
    const signed = await this.signer.sign(buildRequest(base, command.operation, body));
    const { response } = await this.handler.handle(HttpRequest.clone(signed));
    return readResponse(response);
  }

  /** The token of the next attempt (after the strategy's backoff), or the error when none is left. */
  private async nextToken(
    token: StandardRetryToken,
    error: SdkError,
    attempts: number,
  ): Promise<StandardRetryToken> {
    try {
      return await this.retryStrategy.refreshRetryTokenForRetry(token, {
        error,
        errorType: retryErrorType(error),
        retryAfterHint: getRetryAfterHint(error.$response),
      });
    } catch {
      error.$metadata = { ...error.$metadata, attempts };
      throw error;
    }
  }
}

/** The SDK retry middleware's classification, from the SDK's own helpers. */
function retryErrorType(error: SdkError): RetryErrorType {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

function asSdkError(error: unknown): SdkError {
  return (error instanceof Error ? error : new Error(String(error))) as SdkError;
}

/** Caches credentials until 5 minutes before they expire. */
function memoizeCredentials(
  provider: Provider<AwsCredentialIdentity>,
): Provider<AwsCredentialIdentity> {
  return memoize(
    provider,
    (identity) =>
      identity.expiration !== undefined && identity.expiration.getTime() - Date.now() < 300_000,
    (identity) => identity.expiration !== undefined,
  );
}

/**
 * The default credential chain, loaded on the first request: a relay on a classic bus bundles
 * this client but never creates it, and should not load the chain at cold start for it.
 */
function defaultCredentials(): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    chain ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return (await chain)(options);
  };
}
