import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { dynamoValueProblem } from './dynamo-value.js';
import {
  isPlainObject,
  jsonProblem,
  type OutboxEventInput,
  outboxEventInputSchema,
} from './event-input.js';
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyInput } from './idempotency.js';
import { MAX_PARTITION_KEY_BYTES, MAX_TRANSACTION_ITEMS } from './limits.js';
import { aggregateKey } from './outbox-keys.js';
import * as z from './zod.js';

/**
 * Creates the entity: fails with `AggregateAlreadyExistsError` if it exists.
 */
export interface EntityCreate {
  readonly type: 'create';
  readonly tableName: string;
  /** The entity's primary key, e.g. `{ id: '0193…' }`. */
  readonly key: Readonly<Record<string, string | number>>;
  /** The entity's attributes. The writer adds the key, `version` (1) and `lastEventSeq`. */
  readonly item: Readonly<Record<string, unknown>>;
}

/**
 * Updates the entity if its version is still `expectedVersion` (optimistic concurrency):
 * fails with `VersionConflictError`, or `AggregateNotFoundError` if it is gone.
 */
export interface EntityUpdate {
  readonly type: 'update';
  readonly tableName: string;
  readonly key: Readonly<Record<string, string | number>>;
  /**
   * The `version` read with the entity; 0 for an entity that has no version attribute yet
   * (written before it adopted the outbox): the write then requires the entity to exist
   * without one, and gives it version 1.
   */
  readonly expectedVersion: number;
  /** The `lastEventSeq` read with the entity (0 if it has emitted no event yet). */
  readonly lastEventSeq: number;
  /** Attributes to set. The writer sets `version` and `lastEventSeq` itself. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Attributes to remove. */
  readonly remove?: readonly string[];
}

/**
 * The entity change committed together with the events.
 */
export type EntityWrite = EntityCreate | EntityUpdate;

/**
 * One command: an entity change and the events it causes, committed atomically.
 */
export interface OutboxWriteInput {
  /** The aggregate the events belong to; its outbox key is `<type>#<id>`. */
  readonly aggregate: { readonly type: string; readonly id: string };
  readonly entity: EntityWrite;
  /** One or more events, in the order they happened. */
  readonly events: readonly OutboxEventInput[];
  /** @default - not idempotent: a retried request writes again */
  readonly idempotency?: IdempotencyInput;
  /**
   * More items for the same transaction (e.g. a consumer's inbox record). Their failed
   * conditions surface as `AdditionalItemConditionError`.
   * @default - none
   */
  readonly additionalItems?: readonly TransactWriteItem[];
}

const attributeName = z.string().check(z.minLength(1, 'must not be empty'));
const keySchema = z
  .record(z.string(), z.union([z.string().check(z.minLength(1, 'must not be empty')), z.number()]))
  .check(
    z.refine(
      (k) => Object.keys(k).length >= 1 && Object.keys(k).length <= 2,
      'must have 1 or 2 attributes',
    ),
  );
/** Entity attributes: a plain object whose every value the document client can store. */
const attributes = z.custom<Record<string, unknown>>().check(
  z.superRefine((value, ctx) => {
    if (!isPlainObject(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a plain object' });
      return;
    }
    const problem = dynamoValueProblem(value);
    if (problem !== undefined)
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  }),
);

const entitySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('create'),
    tableName: z.string().check(z.minLength(1, 'must not be empty')),
    key: keySchema,
    item: attributes,
  }),
  z.strictObject({
    type: z.literal('update'),
    tableName: z.string().check(z.minLength(1, 'must not be empty')),
    key: keySchema,
    expectedVersion: z
      .number()
      .check(z.int('must be an integer'), z.gte(0, 'must not be negative')),
    lastEventSeq: z.number().check(z.int('must be an integer'), z.gte(0, 'must not be negative')),
    set: z.optional(attributes),
    remove: z.optional(z.array(attributeName)),
  }),
]);

/**
 * What an aggregate type may be: no `#`, so the type ends where an outbox key's first `#`
 * is, and no IAM wildcard, so `<type>#*` in a policy names exactly that type's keys.
 * @internal
 */
export const AGGREGATE_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The rules of an idempotency key and its scope: for a write, and for a look-up. @internal */
export const idempotencyKeyShape = {
  key: z
    .string()
    .check(z.regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1..255 visible ASCII characters')),
  scope: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
};

/**
 * Structural rules of a write, checked before any call. The writer adds the rules that
 * need its configuration (reserved attribute names, sizes).
 * @internal
 */
export const outboxWriteInputSchema = z
  .strictObject({
    aggregate: z.strictObject({
      type: z
        .string()
        .check(
          z.regex(
            AGGREGATE_TYPE_PATTERN,
            'must be 1..64 letters, digits, _ . - starting with a letter',
          ),
        ),
      id: z.string().check(z.minLength(1, 'must not be empty')),
    }),
    entity: entitySchema,
    events: z.array(outboxEventInputSchema).check(z.minLength(1, 'must hold at least one event')),
    idempotency: z.optional(
      z.strictObject({
        ...idempotencyKeyShape,
        request: z.unknown(),
        // Stored as JSON: replayed exactly as a fresh JSON response would be.
        response: z.unknown().check(
          z.superRefine((value, ctx) => {
            const problem =
              value === undefined ? { path: [], message: 'is required' } : jsonProblem(value);
            if (problem !== undefined)
              ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
          }),
        ),
      }),
    ),
    additionalItems: z.optional(
      z.array(z.custom<TransactWriteItem>(isPlainObject, 'must be a transaction item')),
    ),
  })
  .check(
    z.superRefine((input, ctx) => {
      const keyBytes = Buffer.byteLength(
        aggregateKey(input.aggregate.type, input.aggregate.id),
        'utf8',
      );
      if (keyBytes > MAX_PARTITION_KEY_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['aggregate', 'id'],
          message: `makes an outbox key of ${keyBytes} bytes; the limit is ${MAX_PARTITION_KEY_BYTES}`,
        });
      }
      const items = 2 + (input.idempotency ? 1 : 0) + (input.additionalItems?.length ?? 0);
      if (items > MAX_TRANSACTION_ITEMS) {
        ctx.addIssue({
          code: 'custom',
          path: ['additionalItems'],
          message: `makes ${items} transaction items; TransactWriteItems takes at most ${MAX_TRANSACTION_ITEMS}`,
        });
      }
    }),
  );

/** Formats a zod path as `events[0].detail.total`. @internal */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}
