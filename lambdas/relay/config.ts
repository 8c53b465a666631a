import { z } from 'zod';
import { DEFAULT_MAX_REQUEST_BYTES } from '../outbox/index.js';
import { RelayConfigError } from './errors.js';

/** Settings of the relay Lambda, from its environment. */
export interface RelayConfig {
  readonly eventBusName: string;
  readonly outboxTableName: string;
  /** The poison DLQ: records that can never be published go there with their payload. */
  readonly dlqUrl: string;
  /** Days a delivered record is kept before TTL removes it. */
  readonly retentionDays: number;
  /** PutEvents request size limit (1 MB, or 256 KB in older accounts). */
  readonly maxRequestBytes: number;
  /** PutEvents calls in flight at once. */
  readonly publishConcurrency: number;
  /** Time kept free before the Lambda timeout for marking and answering. */
  readonly safetyMarginMs: number;
  /** How long a batch may wait for a predecessor being published by another lane. */
  readonly predecessorWaitMs: number;
}

const int = (min: number, max: number) =>
  z.coerce
    .number()
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const envSchema = z.object({
  EVENT_BUS_NAME: z.string().min(1, 'must not be empty'),
  OUTBOX_TABLE_NAME: z.string().min(1, 'must not be empty'),
  DLQ_URL: z.url('must be a URL'),
  RETENTION_DAYS: z.coerce
    .number()
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(7),
  MAX_REQUEST_BYTES: int(1024, 1024 * 1024).default(DEFAULT_MAX_REQUEST_BYTES),
  PUBLISH_CONCURRENCY: int(1, 50).default(4),
  SAFETY_MARGIN_MS: int(0, 60_000).default(2_000),
  PREDECESSOR_WAIT_MS: int(0, 60_000).default(1_000),
});

/**
 * Reads and validates the relay's environment at cold start.
 *
 * @throws RelayConfigError naming each missing or bad variable
 * @example
 * const config = loadRelayConfig(process.env);
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) =>
        `${i.path.join('.')}: ${i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message}`,
    );
    throw new RelayConfigError(`invalid relay environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    eventBusName: e.EVENT_BUS_NAME,
    outboxTableName: e.OUTBOX_TABLE_NAME,
    dlqUrl: e.DLQ_URL,
    retentionDays: e.RETENTION_DAYS,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    publishConcurrency: e.PUBLISH_CONCURRENCY,
    safetyMarginMs: e.SAFETY_MARGIN_MS,
    predecessorWaitMs: e.PREDECESSOR_WAIT_MS,
  };
}
