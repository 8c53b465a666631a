/** Base of the consumer kit's errors (the kit refused or could not yet record an event). */
export class ConsumerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerError';
  }
}

/** Thrown when the inbox is created (at cold start) with a bad option or variable. */
export class ConsumerConfigError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerConfigError';
  }
}

/** The message is not an outbox event (no envelope): retrying cannot help. */
export class InvalidOutboxEventError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidOutboxEventError';
  }
}

/** The event's source, detail-type or aggregate type is not one the handler `expect`s. */
export class UnexpectedEventError extends ConsumerError {
  /** What did not match: the event's `source`, its `detail-type`, or the envelope's `aggregateType`. */
  readonly field: 'source' | 'detail-type' | 'aggregateType';
  /** The value the event carried (the expected ones are in the message). */
  readonly value: string;

  constructor(
    field: 'source' | 'detail-type' | 'aggregateType',
    value: string,
    expected: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `unexpected ${field} ${JSON.stringify(value)}: this consumer expects ${expected.map((e) => JSON.stringify(e)).join(', ')}`,
      options,
    );
    this.name = 'UnexpectedEventError';
    this.field = field;
    this.value = value;
  }
}

/** The event came before an earlier one of its aggregate and the policy is `fail`. */
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

/** Another delivery of the aggregate moved its cursor meanwhile: retry the event. */
export class InboxContentionError extends ConsumerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InboxContentionError';
  }
}
