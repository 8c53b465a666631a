import { intVariable, parseEnvironment } from './environment.js';
import { OutboxConfigError } from './errors.js';
import { DEFAULT_MAX_REQUEST_BYTES } from './put-events-entry.js';
import { DEFAULT_PENDING_SHARDS, MAX_PENDING_SHARDS } from './schema.js';
import * as z from './zod.js';

/**
 * The environment variables a writer's Lambda reads, and that `TransactionalOutbox`
 * sets with `addWriter()`: values that must agree with how the outbox is deployed (the
 * sweeper queries exactly `pendingShards` shards; the relay publishes entries up to
 * `maxRequestBytes`; the bus accepts only `eventSources`), so they come from the construct
 * instead of being repeated by hand.
 * @internal
 */
export const WriterVariable = {
  tableName: 'OUTBOX_TABLE_NAME',
  pendingShards: 'OUTBOX_PENDING_SHARDS',
  maxEntryBytes: 'OUTBOX_MAX_ENTRY_BYTES',
  eventSources: 'OUTBOX_EVENT_SOURCES',
} as const;

/** `OUTBOX_EVENT_SOURCES` of an outbox whose bus takes any source. @internal */
export const ANY_EVENT_SOURCE = '*';

/** The writer options that describe the deployed outbox rather than the caller. @internal */
export interface WriterEnvironmentOptions {
  readonly tableName: string;
  readonly pendingShards: number;
  readonly maxEntryBytes: number;
  /** The sources the outbox's bus accepts; undefined: any. */
  readonly eventSources?: readonly string[];
}

/** The sources `OUTBOX_EVENT_SOURCES` lists (undefined for `*`: any), or null when malformed. */
function parseEventSources(value: string): readonly string[] | undefined | null {
  if (value === ANY_EVENT_SOURCE) return undefined;
  try {
    const list: unknown = JSON.parse(value);
    const valid =
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((source) => typeof source === 'string' && source.length > 0);
    return valid ? (list as string[]) : null;
  } catch {
    return null;
  }
}

/**
 * The writer's variables, for a Lambda that validates them with its own in one schema.
 * @internal
 */
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
  [WriterVariable.eventSources]: z._default(
    z
      .string()
      .check(
        z.refine(
          (value) => parseEventSources(value) !== null,
          `must be '${ANY_EVENT_SOURCE}' or a non-empty JSON array of sources`,
        ),
      ),
    ANY_EVENT_SOURCE,
  ),
};
const writerEnvSchema = z.object(writerEnvShape);

/**
 * The writer's options from variables validated by a schema holding {@link writerEnvShape}.
 * @internal
 */
export function toWriterOptions(value: z.output<typeof writerEnvSchema>): WriterEnvironmentOptions {
  const eventSources = parseEventSources(value[WriterVariable.eventSources]) ?? undefined;
  return {
    tableName: value[WriterVariable.tableName],
    pendingShards: value[WriterVariable.pendingShards],
    maxEntryBytes: value[WriterVariable.maxEntryBytes],
    ...(eventSources === undefined ? {} : { eventSources }),
  };
}

/**
 * Reads the writer's deployment settings from the environment `addWriter()` sets.
 *
 * @throws OutboxConfigError naming each missing or bad variable
 * @internal
 */
export function writerOptionsFromEnvironment(env: NodeJS.ProcessEnv): WriterEnvironmentOptions {
  const parsed = parseEnvironment(writerEnvSchema, env);
  if (!parsed.ok) {
    throw new OutboxConfigError(`invalid writer environment: ${parsed.problems.join('; ')}`);
  }
  return toWriterOptions(parsed.value);
}
