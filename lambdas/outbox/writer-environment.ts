import { intVariable, parseEnvironment } from './environment.js';
import { OutboxConfigError } from './errors.js';
import { DEFAULT_MAX_REQUEST_BYTES } from './put-events-entry.js';
import { DEFAULT_PENDING_SHARDS, MAX_PENDING_SHARDS } from './schema.js';
import * as z from './zod.js';

/**
 * The environment variables a writer's Lambda reads, and that `TransactionalOutbox`
 * sets with `addWriter()`: values that must agree with how the outbox is deployed (the
 * sweeper queries exactly `pendingShards` shards; the relay publishes entries up to
 * `maxRequestBytes`), so they come from the construct instead of being repeated by hand.
 */
export const WriterVariable = {
  tableName: 'OUTBOX_TABLE_NAME',
  pendingShards: 'OUTBOX_PENDING_SHARDS',
  maxEntryBytes: 'OUTBOX_MAX_ENTRY_BYTES',
} as const;

/** The writer options that describe the deployed outbox rather than the caller. */
export interface WriterEnvironmentOptions {
  readonly tableName: string;
  readonly pendingShards: number;
  readonly maxEntryBytes: number;
}

/** The writer's variables, for a Lambda that validates them with its own in one schema. */
export const writerEnvShape = {
  [WriterVariable.tableName]: z.string().check(z.minLength(1, 'must not be empty')),
  [WriterVariable.pendingShards]: z._default(
    intVariable(1, MAX_PENDING_SHARDS),
    DEFAULT_PENDING_SHARDS,
  ),
  [WriterVariable.maxEntryBytes]: z._default(
    intVariable(1024, DEFAULT_MAX_REQUEST_BYTES),
    DEFAULT_MAX_REQUEST_BYTES,
  ),
};
const writerEnvSchema = z.object(writerEnvShape);

/** The writer's options from variables validated by a schema holding {@link writerEnvShape}. */
export function toWriterOptions(value: z.output<typeof writerEnvSchema>): WriterEnvironmentOptions {
  return {
    tableName: value[WriterVariable.tableName],
    pendingShards: value[WriterVariable.pendingShards],
    maxEntryBytes: value[WriterVariable.maxEntryBytes],
  };
}

/**
 * Reads the writer's deployment settings from the environment `addWriter()` sets.
 *
 * @throws OutboxConfigError naming each missing or bad variable
 */
export function writerOptionsFromEnvironment(env: NodeJS.ProcessEnv): WriterEnvironmentOptions {
  const parsed = parseEnvironment(writerEnvSchema, env);
  if (!parsed.ok) {
    throw new OutboxConfigError(`invalid writer environment: ${parsed.problems.join('; ')}`);
  }
  return toWriterOptions(parsed.value);
}
