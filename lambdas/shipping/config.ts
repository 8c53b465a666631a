import { ConsumerConfigError } from '../consumer/index.js';
import { parseEnvironment } from '../outbox/environment.js';
import * as z from '../outbox/zod.js';

/** The shipping consumer's own variables (the inbox's come from `OutboxConsumer`). */
export const shippingEnvSchema = z.object({
  SHIPMENTS_TABLE_NAME: z.string().check(z.minLength(1, 'must not be empty')),
});

/** Settings of the shipping consumer Lambda. */
export interface ShippingConfig {
  readonly shipmentsTableName: string;
}

/**
 * Reads and validates the shipping consumer's environment at cold start.
 *
 * @throws ConsumerConfigError naming each missing or bad variable
 */
export function loadShippingConfig(env: NodeJS.ProcessEnv): ShippingConfig {
  const parsed = parseEnvironment(shippingEnvSchema, env);
  if (!parsed.ok) {
    throw new ConsumerConfigError(`invalid shipping environment: ${parsed.problems.join('; ')}`);
  }
  return { shipmentsTableName: parsed.value.SHIPMENTS_TABLE_NAME };
}
