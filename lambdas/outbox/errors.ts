/**
 * The outbox error hierarchy. Every error the writer raises on purpose is an
 * `OutboxError`; callers map the subclasses to their own responses (HTTP status, retry).
 */

/** Base class of every error raised by the outbox runtime. */
export class OutboxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxError';
  }
}

/** One violated rule of a write request. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `events[0].detailType`. */
  readonly path: string;
  readonly message: string;
}

/** The write request breaks a rule; nothing was written. */
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

/** The writer was configured with a bad value. */
export class OutboxConfigError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxConfigError';
  }
}

/** The entity's version is not the one the update expected (optimistic concurrency). */
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

/** An update targeted an entity that does not exist. */
export class AggregateNotFoundError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} does not exist`, options);
    this.name = 'AggregateNotFoundError';
    this.aggregateKey = aggregateKey;
  }
}

/** A create targeted an entity that already exists. */
export class AggregateAlreadyExistsError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} already exists`, options);
    this.name = 'AggregateAlreadyExistsError';
    this.aggregateKey = aggregateKey;
  }
}

/** The idempotency key was used before for a different request. */
export class IdempotencyKeyReusedError extends OutboxError {
  readonly idempotencyKey: string;

  constructor(idempotencyKey: string, options?: ErrorOptions) {
    super(`idempotency key '${idempotencyKey}' was already used for a different request`, options);
    this.name = 'IdempotencyKeyReusedError';
    this.idempotencyKey = idempotencyKey;
  }
}

/**
 * The write's sequence does not fit the aggregate: the outbox already holds a record at
 * the sequence this write would take (the entity was written without the writer), or the
 * caller's `lastEventSeq` is not the entity's.
 */
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

/** A condition of one of the caller's additional transaction items failed. */
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

/**
 * The transaction kept colliding with other transactions or throttling after the SDK's
 * retries; the write did not happen and may be retried later.
 */
export class WriteContentionError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WriteContentionError';
  }
}
