/** Base class of the consumer kit's errors. */
export class ConsumerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerError';
  }
}

/** The message is not an outbox event (no envelope): retrying cannot help. */
export class InvalidOutboxEventError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidOutboxEventError';
  }
}

/**
 * The event arrived before an earlier one of its aggregate and the policy is `fail`:
 * the delivery should be retried later, once the gap is filled.
 */
export class OutOfOrderEventError extends ConsumerError {
  readonly expectedSequence: number;
  readonly sequence: number;

  constructor(
    aggregate: string,
    expectedSequence: number,
    sequence: number,
    options?: ErrorOptions,
  ) {
    super(
      `event ${sequence} of ${aggregate} arrived before ${expectedSequence}; retry later`,
      options,
    );
    this.name = 'OutOfOrderEventError';
    this.expectedSequence = expectedSequence;
    this.sequence = sequence;
  }
}

/** Another delivery of the same aggregate moved its cursor meanwhile: retry the event. */
export class InboxContentionError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InboxContentionError';
  }
}
