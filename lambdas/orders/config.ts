import { parseEnvironment } from '../outbox/environment.js';
import { OutboxConfigError } from '../outbox/errors.js';
import {
  type WriterEnvironmentOptions,
  writerOptionsFromEnvironment,
} from '../outbox/writer-environment.js';
import * as z from '../outbox/zod.js';

/** Settings of the Orders Lambdas, from the environment. */
export interface OrdersConfig {
  readonly ordersTableName: string;
  /** The outbox writer's deployment settings, as `TransactionalOutbox` passes them. */
  readonly writer: WriterEnvironmentOptions;
}

const envSchema = z.object({
  ORDERS_TABLE_NAME: z.string().check(z.minLength(1, 'must not be empty')),
});

/** Invalid configuration of a Lambda: it cannot serve any request. */
export class OrdersConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrdersConfigError';
  }
}

/**
 * Reads and validates the configuration at cold start.
 *
 * @throws OrdersConfigError naming each missing or bad variable
 */
export function loadOrdersConfig(env: NodeJS.ProcessEnv): OrdersConfig {
  const parsed = parseEnvironment(envSchema, env);
  const problems = parsed.ok ? [] : [...parsed.problems];
  let writer: WriterEnvironmentOptions | undefined;
  try {
    writer = writerOptionsFromEnvironment(env);
  } catch (error) {
    if (!(error instanceof OutboxConfigError)) throw error;
    problems.push(error.message);
  }
  if (!parsed.ok || writer === undefined) {
    throw new OrdersConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  return { ordersTableName: parsed.value.ORDERS_TABLE_NAME, writer };
}
