import {
  DEFAULT_PENDING_SHARDS,
  type DeliveryConfig,
  deliveryEnvSchema,
  deliveryProblems,
  intVariable,
  MAX_PENDING_SHARDS,
  parseEnvironment,
  toDeliveryConfig,
  WriterVariable,
} from '../outbox/index.js';
import * as z from '../outbox/zod.js';
import { SweeperConfigError } from './errors.js';

/** Settings of the sweeper Lambda, from its environment. @internal */
export interface SweeperConfig extends DeliveryConfig {
  /** A record pending longer than this is the sweeper's to deliver. */
  readonly graceSeconds: number;
  /** Most records one run delivers. */
  readonly maxRecordsPerRun: number;
  /** Shards of the pending index (must match the writer's). */
  readonly pendingShards: number;
}

/**
 * The variables only the sweeper reads (besides `DeliveryVariable`), set by the construct.
 * The pending shards are the writers' own variable: both sides must agree on it.
 * @internal
 */
export const SweeperVariable = {
  graceSeconds: 'GRACE_SECONDS',
  maxRecordsPerRun: 'MAX_RECORDS_PER_RUN',
  pendingShards: WriterVariable.pendingShards,
} as const;

/**
 * What the sweeper uses when a variable of its own is not set; the construct sets them.
 * @internal
 */
export const SweeperDefaults = { graceSeconds: 300, maxRecordsPerRun: 1_000 } as const;

/** Everything the sweeper reads from its environment. @internal */
export const sweeperEnvSchema = z.extend(deliveryEnvSchema, {
  [SweeperVariable.graceSeconds]: z._default(intVariable(0, 86_400), SweeperDefaults.graceSeconds),
  [SweeperVariable.maxRecordsPerRun]: z._default(
    intVariable(1, 100_000),
    SweeperDefaults.maxRecordsPerRun,
  ),
  [SweeperVariable.pendingShards]: z._default(
    intVariable(1, MAX_PENDING_SHARDS),
    DEFAULT_PENDING_SHARDS,
  ),
});

/**
 * Reads and validates the sweeper's environment at cold start.
 *
 * @throws SweeperConfigError naming each missing or bad variable
 * @internal
 */
export function loadSweeperConfig(env: NodeJS.ProcessEnv): SweeperConfig {
  const parsed = parseEnvironment(sweeperEnvSchema, env);
  const problems = parsed.ok ? deliveryProblems(parsed.value) : parsed.problems;
  if (!parsed.ok || problems.length > 0)
    throw new SweeperConfigError(`invalid sweeper environment: ${problems.join('; ')}`);
  return {
    ...toDeliveryConfig(parsed.value),
    graceSeconds: parsed.value[SweeperVariable.graceSeconds],
    maxRecordsPerRun: parsed.value[SweeperVariable.maxRecordsPerRun],
    pendingShards: parsed.value[SweeperVariable.pendingShards],
  };
}
