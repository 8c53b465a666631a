import { z } from 'zod';
import { DEFAULT_MAX_REQUEST_BYTES } from '../outbox/index.js';

/** Settings of the Orders Lambdas, from the environment. */
export interface OrdersConfig {
  readonly ordersTableName: string;
  readonly outboxTableName: string;
  readonly maxEventBytes: number;
}

const envSchema = z.object({
  ORDERS_TABLE_NAME: z.string().min(1, 'must not be empty'),
  OUTBOX_TABLE_NAME: z.string().min(1, 'must not be empty'),
  MAX_EVENT_BYTES: z.coerce
    .number()
    .int('must be an integer')
    .positive('must be positive')
    .default(DEFAULT_MAX_REQUEST_BYTES),
});

/** Invalid configuration of a Lambda: it cannot serve any request. */
export class OrdersConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrdersConfigError';
  }
}

/**
 * Reads and validates the configuration at cold start.
 *
 * @throws OrdersConfigError naming each missing or bad variable
 */
export function loadOrdersConfig(env: NodeJS.ProcessEnv): OrdersConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.')}: ${i.code === 'invalid_type' ? 'is required' : i.message}`,
    );
    throw new OrdersConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  return {
    ordersTableName: parsed.data.ORDERS_TABLE_NAME,
    outboxTableName: parsed.data.OUTBOX_TABLE_NAME,
    maxEventBytes: parsed.data.MAX_EVENT_BYTES,
  };
}
