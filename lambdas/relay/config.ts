import {
  type DeliveryConfig,
  deliveryEnvSchema,
  deliveryProblems,
  intVariable,
  parseEnvironment,
  toDeliveryConfig,
} from '../outbox/index.js';
import * as z from '../outbox/zod.js';
import { RelayConfigError } from './errors.js';

/** Settings of the relay Lambda, from its environment. @internal */
export interface RelayConfig extends DeliveryConfig {
  /** How long a batch may wait for a predecessor being published by another lane. */
  readonly predecessorWaitMs: number;
}

/**
 * The variables only the relay reads (besides `DeliveryVariable`), set by the construct.
 * @internal
 */
export const RelayVariable = {
  predecessorWaitMs: 'PREDECESSOR_WAIT_MS',
} as const;

/** What the relay uses when a variable of its own is not set; the construct sets it. @internal */
export const RelayDefaults = { predecessorWaitMs: 1_000 } as const;

/** Everything the relay reads from its environment. @internal */
export const relayEnvSchema = z.extend(deliveryEnvSchema, {
  [RelayVariable.predecessorWaitMs]: z._default(
    intVariable(0, 60_000),
    RelayDefaults.predecessorWaitMs,
  ),
});

/**
 * Reads and validates the relay's environment at cold start.
 *
 * @throws RelayConfigError naming each missing or bad variable
 * @internal
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const parsed = parseEnvironment(relayEnvSchema, env);
  const problems = parsed.ok ? deliveryProblems(parsed.value) : parsed.problems;
  if (!parsed.ok || problems.length > 0)
    throw new RelayConfigError(`invalid relay environment: ${problems.join('; ')}`);
  return {
    ...toDeliveryConfig(parsed.value),
    predecessorWaitMs: parsed.value[RelayVariable.predecessorWaitMs],
  };
}
