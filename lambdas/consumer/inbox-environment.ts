import { parseEnvironment } from '../outbox/environment.js';
import * as z from '../outbox/zod.js';
import { ConsumerConfigError } from './errors.js';
import type { OrderPolicy } from './inbox.js';

/**
 * The environment variables `OutboxConsumer` sets on its function and
 * `Inbox.fromEnvironment()` reads: one name per setting, here and in the construct.
 * @internal
 */
export const InboxVariable = {
  tableName: 'INBOX_TABLE_NAME',
  policy: 'ORDER_POLICY',
  ttlDays: 'INBOX_TTL_DAYS',
} as const;

/** The inbox settings that describe the deployed consumer. @internal */
export interface InboxEnvironmentOptions {
  readonly tableName: string;
  readonly policy: OrderPolicy;
  readonly ttlDays: number;
}

/** Everything `Inbox.fromEnvironment()` reads. @internal */
export const inboxEnvSchema = z.object({
  [InboxVariable.tableName]: z.string().check(z.minLength(1, 'must not be empty')),
  [InboxVariable.policy]: z._default(
    z.enum(['apply', 'skip-stale', 'fail'], "must be 'apply', 'skip-stale' or 'fail'"),
    'fail',
  ),
  [InboxVariable.ttlDays]: z._default(
    z.coerce
      .number()
      .check(
        z.positive('must be a positive number of days'),
        z.lte(3650, 'must be at most 3650 days'),
      ),
    7,
  ),
});

/**
 * Reads the inbox's settings from the environment `OutboxConsumer` sets.
 *
 * @throws ConsumerConfigError naming each missing or bad variable
 * @internal
 */
export function inboxOptionsFromEnvironment(env: NodeJS.ProcessEnv): InboxEnvironmentOptions {
  const parsed = parseEnvironment(inboxEnvSchema, env);
  if (!parsed.ok) {
    throw new ConsumerConfigError(`invalid inbox environment: ${parsed.problems.join('; ')}`);
  }
  return {
    tableName: parsed.value[InboxVariable.tableName],
    policy: parsed.value[InboxVariable.policy],
    ttlDays: parsed.value[InboxVariable.ttlDays],
  };
}
