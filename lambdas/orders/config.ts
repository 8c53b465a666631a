import { parseEnvironment } from '../outbox/environment.js';
import {
  toWriterOptions,
  type WriterEnvironmentOptions,
  writerEnvShape,
} from '../outbox/writer-environment.js';
import * as z from '../outbox/zod.js';

/** Settings of the Orders Lambdas, from the environment. */
export interface OrdersConfig {
  readonly ordersTableName: string;
  /** The outbox writer's deployment settings, as `TransactionalOutbox` passes them. */
  readonly writer: WriterEnvironmentOptions;
}

/** The Orders variables and the outbox writer's, validated together: one error names all. */
export const ordersEnvSchema = z.object({
  ORDERS_TABLE_NAME: z.string().check(z.minLength(1, 'must not be empty')),
  ...writerEnvShape,
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
  const parsed = parseEnvironment(ordersEnvSchema, env);
  if (!parsed.ok) {
    throw new OrdersConfigError(`invalid environment: ${parsed.problems.join('; ')}`);
  }
  return {
    ordersTableName: parsed.value.ORDERS_TABLE_NAME,
    writer: toWriterOptions(parsed.value),
  };
}
