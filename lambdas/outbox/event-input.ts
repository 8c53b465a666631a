import { MAX_DETAIL_DEPTH, MAX_DETAIL_TYPE_LENGTH } from './put-events-entry.js';
import * as z from './zod.js';

/**
 * An event a command emits, as the caller describes it.
 */
export interface OutboxEventInput {
  /** EventBridge `Source`, e.g. `com.example.orders`. Must not start with `aws.`. */
  readonly source: string;
  /** EventBridge `DetailType`, 1..128 characters, e.g. `OrderCreated`. */
  readonly detailType: string;
  /** The domain payload: a JSON object; becomes the envelope's `data`. */
  readonly detail: Record<string, unknown>;
  /** EventBridge `Resources` (ARNs the event concerns). */
  readonly resources?: readonly string[];
  /** X-Ray trace header to propagate to EventBridge. */
  readonly traceHeader?: string;
  /** When the event happened. @default - the writer's clock at write time */
  readonly time?: Date;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/** True for `{}`-style objects (not arrays, class instances or null). @internal */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Matches an unpaired surrogate: with the `u` flag, a valid pair is one code point. @internal */
export const LONE_SURROGATE = /\p{Surrogate}/u;

/** Where a value stops being JSON, and why. @internal */
export interface JsonProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Why a value would not survive a JSON round trip unchanged, or undefined if it would.
 * Rejects what `JSON.stringify` silently mangles (NaN, Infinity, functions, class
 * instances) or chokes on (bigint, cycles), and nesting deeper than EventBridge reads.
 * @internal
 */
export function jsonProblem(
  value: unknown,
  path: readonly (string | number)[] = [],
  seen = new Set<object>(),
): JsonProblem | undefined {
  if (path.length > MAX_DETAIL_DEPTH) {
    return { path, message: `is nested deeper than ${MAX_DETAIL_DEPTH} levels` };
  }
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') {
    // A lone surrogate cannot be encoded as UTF-8: DynamoDB and EventBridge would reject it.
    return LONE_SURROGATE.test(value)
      ? { path, message: 'contains a lone UTF-16 surrogate, which is not valid Unicode' }
      : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : { path, message: `is ${value}, which is not valid JSON` };
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (seen.has(value)) return { path, message: 'is a circular reference' };
    seen.add(value);
    const isArray = Array.isArray(value);
    const entries: [string | number, unknown][] = isArray
      ? value.map((v, i): [number, unknown] => [i, v])
      : Object.entries(value);
    for (const [key, element] of entries) {
      // Undefined properties are dropped by JSON, like absent optional fields.
      if (element === undefined && !isArray) continue;
      const problem = jsonProblem(element, [...path, key], seen);
      if (problem !== undefined) return problem;
    }
    seen.delete(value);
    return undefined;
  }
  const kind =
    value === undefined
      ? 'undefined'
      : typeof value === 'object'
        ? `an instance of ${value.constructor?.name ?? 'a class'}`
        : `a ${typeof value}`;
  return { path, message: `is ${kind}, which is not a JSON value` };
}

const jsonObject = z.custom<Record<string, unknown>>().check(
  z.superRefine((value, ctx) => {
    if (!isPlainObject(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return;
    }
    const problem = jsonProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    }
  }),
);

/** A non-empty string that can be encoded as UTF-8. */
const text = () =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.refine((s) => !LONE_SURROGATE.test(s), 'must be valid Unicode (it holds a lone surrogate)'),
  );

/** Validation schema of one event input. @internal */
export const outboxEventInputSchema = z.strictObject({
  source: text().check(
    z.refine(
      (s) => !s.startsWith('aws.'),
      'must not start with "aws." (reserved for AWS services)',
    ),
  ),
  detailType: text().check(
    z.maxLength(MAX_DETAIL_TYPE_LENGTH, `must be at most ${MAX_DETAIL_TYPE_LENGTH} characters`),
  ),
  detail: jsonObject,
  resources: z.optional(z.array(text())),
  traceHeader: z.optional(text()),
  time: z.optional(
    z.date().check(z.refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date')),
  ),
  correlationId: z.optional(text()),
  causationId: z.optional(text()),
});
