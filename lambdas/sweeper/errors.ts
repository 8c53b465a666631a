/** Base class of the sweeper's errors. @internal */
export class SweeperError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SweeperError';
  }
}

/** The sweeper's environment is missing or wrong: it cannot start. @internal */
export class SweeperConfigError extends SweeperError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SweeperConfigError';
  }
}

/** EventBridge refused the sweeper itself (permissions, missing bus): the run fails. @internal */
export class SweepNotAuthorizedError extends SweeperError {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(
      `EventBridge refused the sweeper (${code}): ${message}; check its permissions and the bus`,
      options,
    );
    this.name = 'SweepNotAuthorizedError';
    this.code = code;
  }
}
