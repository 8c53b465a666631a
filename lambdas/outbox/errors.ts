/**
 * The outbox error hierarchy. Every error the writer raises on purpose is an
 * `OutboxError`; callers map the subclasses to their own responses (HTTP status, retry).
 */

/**
 * Base of the errors the writer raises on purpose; the SDK's own errors pass through
 * unchanged. When each is thrown: [the writer's outcomes](../../docs/writer.md#outcomes-of-a-cancelled-transaction).
 */
export class OutboxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxError';
  }
}

/** One broken rule of a write request, located in the `OutboxWriteInput`. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `events[0].detailType`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown before any call when the write request breaks a rule; nothing was written. */
export class OutboxValidationError extends OutboxError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(
      `invalid outbox write: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      options,
    );
    this.name = 'OutboxValidationError';
    this.issues = issues;
  }
}

/** Thrown by the `OutboxWriter` constructor (at cold start) for a bad option or variable. */
export class OutboxConfigError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxConfigError';
  }
}

/** The entity's version moved on since it was read (answer 412, or re-read and retry). */
export class VersionConflictError extends OutboxError {
  readonly aggregateKey: string;
  readonly expectedVersion: number;
  /** The version found in the table, when the cancellation reported it. */
  readonly actualVersion: number | undefined;

  constructor(
    aggregateKey: string,
    expectedVersion: number,
    actualVersion: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `version conflict on ${aggregateKey}: expected version ${expectedVersion}, found ${actualVersion ?? 'another version'}`,
      options,
    );
    this.name = 'VersionConflictError';
    this.aggregateKey = aggregateKey;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** An update targeted an entity that does not exist (or was deleted since it was read). */
export class AggregateNotFoundError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} does not exist`, options);
    this.name = 'AggregateNotFoundError';
    this.aggregateKey = aggregateKey;
  }
}

/** A create targeted an entity that already exists; nothing was written. */
export class AggregateAlreadyExistsError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} already exists`, options);
    this.name = 'AggregateAlreadyExistsError';
    this.aggregateKey = aggregateKey;
  }
}

/** The idempotency key is live for a different request (another hash, same scope). */
export class IdempotencyKeyReusedError extends OutboxError {
  readonly idempotencyKey: string;

  constructor(idempotencyKey: string, options?: ErrorOptions) {
    super(`idempotency key '${idempotencyKey}' was already used for a different request`, options);
    this.name = 'IdempotencyKeyReusedError';
    this.idempotencyKey = idempotencyKey;
  }
}

/** The write's sequence does not fit the aggregate: a bug to fix (retrying cannot help). */
export class SequenceConflictError extends OutboxError {
  readonly aggregateKey: string;
  readonly sequence: number;

  constructor(
    aggregateKey: string,
    sequence: number,
    options?: ErrorOptions & { readonly detail?: string },
  ) {
    super(
      options?.detail === undefined
        ? `outbox of ${aggregateKey} already holds a record at sequence ${sequence}; was the entity written without the outbox writer?`
        : `sequence conflict on ${aggregateKey}: ${options.detail}`,
      options,
    );
    this.name = 'SequenceConflictError';
    this.aggregateKey = aggregateKey;
    this.sequence = sequence;
  }
}

/** The condition of one of the caller's `additionalItems` failed; nothing was written. */
export class AdditionalItemConditionError extends OutboxError {
  /** Index of the failed item in `additionalItems`. */
  readonly itemIndex: number;
  /** The item as it was in the table, when the cancellation reported it. */
  readonly existingItem: Record<string, unknown> | undefined;

  constructor(
    itemIndex: number,
    existingItem: Record<string, unknown> | undefined,
    options?: ErrorOptions,
  ) {
    super(`condition of additional transaction item ${itemIndex} failed`, options);
    this.name = 'AdditionalItemConditionError';
    this.itemIndex = itemIndex;
    this.existingItem = existingItem;
  }
}

/** The transaction kept colliding or being throttled after the retries; retry it later. */
export class WriteContentionError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WriteContentionError';
  }
}
