/**
 * A failure the CLI explains in one sentence: bad input, a missing resource, a partial
 * redrive. `bin/dynamo-outbox.ts` prints its message to stderr and exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Where the CLI is talking to, so a connection error can say what it could not reach. */
export interface ErrorContext {
  /** `host:port` → what listens there, e.g. `'127.0.0.1:8000' → 'DynamoDB Local'`. */
  readonly endpoints?: ReadonlyMap<string, string>;
  /** Said after a connection failure, e.g. "is `npm start` running?". */
  readonly connectionHint?: string;
  readonly tableName?: string;
  readonly dlqUrl?: string;
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The first connection error in an error, its cause or its aggregated errors. */
function connectionError(error: unknown, depth = 0): ErrorLike | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const e = error as ErrorLike;
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return e;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = connectionError(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * One clear sentence for an error of the CLI, the SDK or the network.
 *
 * @example
 * explainError(error, { tableName: 'outbox' }); // 'table outbox not found: …'
 */
export function explainError(error: unknown, context: ErrorContext = {}): string {
  if (error instanceof CliError) return error.message;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const connection = connectionError(error);
  if (connection !== undefined) {
    const where =
      typeof connection.address === 'string' && typeof connection.port === 'number'
        ? `${connection.address}:${connection.port}`
        : undefined;
    const what = where === undefined ? undefined : context.endpoints?.get(where);
    const target = what === undefined ? (where ?? 'the endpoint') : `${what} at ${where}`;
    return `cannot reach ${target} (${String(connection.code)})${context.connectionHint ? `; ${context.connectionHint}` : ''}`;
  }
  if (/region is missing/i.test(message))
    return 'no AWS region: pass --region, or set AWS_REGION (or a region in your profile)';
  switch (name) {
    case 'CredentialsProviderError':
      return `no AWS credentials: ${message} (the default credential chain: AWS_PROFILE, environment, SSO, instance role; or use --local)`;
    case 'ResourceNotFoundException':
      return context.tableName === undefined
        ? `not found: ${message}`
        : `table ${context.tableName} not found (or one of its indexes): ${message}`;
    case 'QueueDoesNotExist':
    case 'AWS.SimpleQueueService.NonExistentQueue':
      return `dead-letter queue ${context.dlqUrl ?? ''} not found: ${message}`;
    case 'AccessDeniedException':
    case 'AccessDenied':
    case 'UnauthorizedOperation':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return `access denied (${name}): ${message}`;
    default:
      return name === 'Error' ? message : `${name}: ${message}`;
  }
}
