import type { z } from 'zod';

/**
 * An AWS API operation as the local emulators implement it, independent of the wire
 * protocol: the protocol module parses the body, runs the operation and encodes its output
 * or its {@link AwsServiceError}. A second protocol (another bus's) reuses these pieces.
 */

/** An error answer of an emulated AWS API: its `__type`, message and HTTP status. */
export class AwsServiceError extends Error {
  /** The error's shape name, e.g. `ValidationException` (the wire's `__type`). */
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsServiceError';
    this.type = type;
    this.status = status;
  }
}

/** Faults injected around an operation, as if the service's front end failed. */
export interface RequestFaults {
  /** Waits the injected latency; runs before the body is even parsed. */
  delay(): Promise<void>;
  /** Throws an injected failure instead of running the operation. */
  failRequest(): void;
  /** Throws an injected failure after the operation ran, given its output: its effects stay. */
  loseResponse(output: unknown): void;
}

/** One operation: what it does with its parsed input, and the faults around it if any. */
export interface AwsOperation {
  /** The output, or an {@link AwsServiceError} thrown. */
  readonly run: (input: unknown) => unknown;
  readonly faults?: RequestFaults;
}

/** Runs an operation inside its injected faults; the output, or an error thrown. */
export async function runOperation(operation: AwsOperation, input: unknown): Promise<unknown> {
  operation.faults?.failRequest();
  const output = await operation.run(input);
  operation.faults?.loseResponse(output);
  return output;
}

/** The request as `schema` reads it, or the SerializationException AWS answers a mistyped field with. */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const request = schema.safeParse(input);
  if (request.success) return request.data;
  const issue = request.error.issues[0];
  const where = issue === undefined ? '' : issue.path.map(String).join('.');
  throw new AwsServiceError(
    'SerializationException',
    `Cannot deserialize the request${where === '' ? '' : ` at ${where}`}: ${issue?.message ?? 'invalid'}`,
    400,
    { cause: request.error },
  );
}
