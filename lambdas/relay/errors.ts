/** Base class of the relay's errors. @internal */
export class RelayError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RelayError';
  }
}

/** The relay's environment is missing or wrong: it cannot start. @internal */
export class RelayConfigError extends RelayError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RelayConfigError';
  }
}

/**
 * EventBridge refused the relay itself (permissions, missing bus). The batch fails so
 * Lambda retries it and the Errors alarm fires; no record is quarantined for it.
 * @internal
 */
export class PublishNotAuthorizedError extends RelayError {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(
      `EventBridge refused the relay (${code}): ${message}; check the relay's permissions and the bus`,
      options,
    );
    this.name = 'PublishNotAuthorizedError';
    this.code = code;
  }
}
