/** Exponential backoff with full jitter. @internal */
export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. @default - 50 */
  readonly baseDelayMs?: number;
  /** Largest delay, in ms. @default - 2,000 */
  readonly maxDelayMs?: number;
  /** @default - Math.random */
  readonly random?: () => number;
}

/**
 * The delay before retry `attempt` (1-based): uniformly random in
 * [0, min(max, base × 2^(attempt−1))], the "full jitter" of the AWS Architecture Blog's
 * backoff study, which spreads competing retries best.
 * @internal
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
