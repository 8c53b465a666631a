import {
  DEFAULT_PENDING_SHARDS,
  type DeliveryConfig,
  deliveryEnvSchema,
  intVariable,
  MAX_PENDING_SHARDS,
  parseEnvironment,
  toDeliveryConfig,
} from '../outbox/index.js';
import * as z from '../outbox/zod.js';
import { SweeperConfigError } from './errors.js';

/** Settings of the sweeper Lambda, from its environment. */
export interface SweeperConfig extends DeliveryConfig {
  /** A record pending longer than this is the sweeper's to deliver. */
  readonly graceSeconds: number;
  /** Most records one run delivers. */
  readonly maxRecordsPerRun: number;
  /** Shards of the pending index (must match the writer's). */
  readonly pendingShards: number;
}

const envSchema = z.extend(deliveryEnvSchema, {
  GRACE_SECONDS: z._default(intVariable(0, 86_400), 300),
  MAX_RECORDS_PER_RUN: z._default(intVariable(1, 100_000), 1_000),
  PENDING_SHARDS: z._default(intVariable(1, MAX_PENDING_SHARDS), DEFAULT_PENDING_SHARDS),
});

/**
 * Reads and validates the sweeper's environment at cold start.
 *
 * @throws SweeperConfigError naming each missing or bad variable
 * @example
 * const config = loadSweeperConfig(process.env);
 */
export function loadSweeperConfig(env: NodeJS.ProcessEnv): SweeperConfig {
  const parsed = parseEnvironment(envSchema, env);
  if (!parsed.ok)
    throw new SweeperConfigError(`invalid sweeper environment: ${parsed.problems.join('; ')}`);
  return {
    ...toDeliveryConfig(parsed.value),
    graceSeconds: parsed.value.GRACE_SECONDS,
    maxRecordsPerRun: parsed.value.MAX_RECORDS_PER_RUN,
    pendingShards: parsed.value.PENDING_SHARDS,
  };
}
