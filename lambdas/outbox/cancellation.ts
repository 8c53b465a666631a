/**
 * What a failed `TransactWriteItems` of the writer means: the one place where a
 * cancellation is named by the condition that decided it and thrown as its typed error.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  AdditionalItemConditionError,
  AggregateAlreadyExistsError,
  AggregateNotFoundError,
  IdempotencyKeyReusedError,
  OutboxError,
  SequenceConflictError,
  VersionConflictError,
  WriteContentionError,
} from './errors.js';
import { isLive } from './idempotency.js';
import { isTransientCancellation } from './retryable-cancellation.js';

/**
 * What each item of the transaction is, in `TransactItems` order: `PreparedWrite.roles`.
 */
export type TransactionItemRole =
  | {
      readonly role: 'entity';
      readonly change: 'create' | 'update';
      readonly expectedVersion?: number;
      readonly lastEventSeq?: number;
    }
  | { readonly role: 'outbox'; readonly sequence: number }
  | { readonly role: 'idempotency'; readonly key: string; readonly requestHash: string }
  | { readonly role: 'additional'; readonly index: number };

/** The outcome of a cancelled transaction that is not an error: a replayable response. @internal */
export interface Replay {
  readonly replayed: true;
  readonly response: unknown;
}

/** What the writer knows of the write, to tell one cancellation from another. @internal */
export interface CancellationContext {
  readonly aggregateKey: string;
  readonly versionAttribute: string;
  readonly lastEventSeqAttribute: string;
  readonly now: Date;
  /** Reads the entity (consistently) when the cancellation did not carry it. */
  readonly loadEntity: () => Promise<Record<string, unknown> | undefined>;
}

/**
 * Throws the typed error a failed `TransactWriteItems` stands for, or returns the replay
 * of an equal idempotent request that committed first. Errors that are not cancellations
 * (network, permissions, a missing table) are rethrown unchanged.
 *
 * @param roles what each item of the transaction is, in `TransactItems` order
 * @throws WriteContentionError, IdempotencyKeyReusedError, AggregateAlreadyExistsError,
 *   AggregateNotFoundError, VersionConflictError, SequenceConflictError,
 *   AdditionalItemConditionError, or OutboxError for a reason the writer does not know
 * @internal
 */
export async function replayOrThrow(
  error: unknown,
  roles: readonly TransactionItemRole[],
  context: CancellationContext,
): Promise<Replay> {
  if (!isCancellation(error)) throw notACancellation(error);
  const cause = await causeOf(error, roles, context);
  const { aggregateKey } = context;
  const options = { cause: error };
  switch (cause.reason) {
    case 'replay':
      return { replayed: true, response: cause.response };
    case 'contention':
      throw new WriteContentionError(
        `transaction on ${aggregateKey} kept conflicting with concurrent writes or throttling after retries`,
        options,
      );
    case 'idempotency-key-reused':
      throw new IdempotencyKeyReusedError(cause.key, options);
    case 'aggregate-exists':
      throw new AggregateAlreadyExistsError(aggregateKey, options);
    case 'aggregate-not-found':
      throw new AggregateNotFoundError(aggregateKey, options);
    case 'version-conflict':
      throw new VersionConflictError(aggregateKey, cause.expected, cause.actual, options);
    case 'stale-last-event-seq':
      throw new SequenceConflictError(aggregateKey, cause.assumed + 1, {
        ...options,
        detail: `the write assumed lastEventSeq ${cause.assumed}, but the entity holds ${String(cause.found ?? 'none')}; pass the lastEventSeq read with the entity`,
      });
    case 'sequence-taken':
      throw new SequenceConflictError(aggregateKey, cause.sequence, options);
    case 'additional-item':
      throw new AdditionalItemConditionError(cause.index, cause.item, options);
    case 'unrecognised':
      throw new OutboxError(
        `transaction on ${aggregateKey} was cancelled: [${cause.codes.join(', ')}]`,
        options,
      );
  }
}

/** Why a transaction was cancelled, named after the condition that decided it. */
type Cause =
  | { readonly reason: 'contention' }
  | { readonly reason: 'replay'; readonly response: unknown }
  | { readonly reason: 'idempotency-key-reused'; readonly key: string }
  | { readonly reason: 'aggregate-exists' }
  | { readonly reason: 'aggregate-not-found' }
  | {
      readonly reason: 'version-conflict';
      readonly expected: number;
      readonly actual: number | undefined;
    }
  | { readonly reason: 'stale-last-event-seq'; readonly assumed: number; readonly found: unknown }
  | { readonly reason: 'sequence-taken'; readonly sequence: number }
  | {
      readonly reason: 'additional-item';
      readonly index: number;
      readonly item: Record<string, unknown> | undefined;
    }
  | { readonly reason: 'unrecognised'; readonly codes: readonly string[] };

interface CancellationReason {
  readonly Code?: string;
  readonly Item?: Record<string, unknown>;
}

interface Cancellation {
  readonly name: 'TransactionCanceledException';
  readonly CancellationReasons?: readonly CancellationReason[];
}

/** A condition that failed: the item's role, and the item DynamoDB returned for it. */
interface FailedCondition<R extends TransactionItemRole> {
  readonly role: R;
  readonly item: Record<string, unknown> | undefined;
}

type RoleKind = TransactionItemRole['role'];
type RoleOf<K extends RoleKind> = Extract<TransactionItemRole, { readonly role: K }>;

function isCancellation(error: unknown): error is Cancellation {
  return (error as { name?: unknown } | undefined)?.name === 'TransactionCanceledException';
}

/** The error to rethrow for a failure that is no cancellation: itself, when it is an Error. */
function notACancellation(error: unknown): Error {
  return error instanceof Error ? error : new OutboxError(String(error), { cause: error });
}

/**
 * Names the condition that decided a cancellation. The verdicts take precedence in this
 * order: contention, the idempotency record, the entity, the outbox record, the caller's
 * additional items. The idempotency verdict comes before the entity's because a request
 * that already committed fails the entity's condition too, and its answer is the replay.
 */
async function causeOf(
  cancellation: Cancellation,
  roles: readonly TransactionItemRole[],
  context: CancellationContext,
): Promise<Cause> {
  if (isTransientCancellation(cancellation)) return { reason: 'contention' };
  const reasons = cancellation.CancellationReasons ?? [];
  const failed = <K extends RoleKind>(kind: K) => failedCondition(roles, reasons, kind);
  const idempotency = idempotencyCause(failed('idempotency'), context.now);
  if (idempotency) return idempotency;
  const entity = failed('entity');
  if (entity) return entityCause(entity, context);
  const outbox = failed('outbox');
  if (outbox) return { reason: 'sequence-taken', sequence: outbox.role.sequence };
  const additional = failed('additional');
  if (additional) {
    return { reason: 'additional-item', index: additional.role.index, item: additional.item };
  }
  return { reason: 'unrecognised', codes: reasons.map((r) => r.Code ?? 'None') };
}

/** The first item of the given role whose condition failed (reasons come in item order). */
function failedCondition<K extends RoleKind>(
  roles: readonly TransactionItemRole[],
  reasons: readonly CancellationReason[],
  kind: K,
): FailedCondition<RoleOf<K>> | undefined {
  for (const [i, role] of roles.entries()) {
    const reason = reasons[i];
    if (role.role === kind && reason?.Code === 'ConditionalCheckFailed') {
      return { role: role as RoleOf<K>, item: plainItem(reason.Item) };
    }
  }
  return undefined;
}

/** A live stored response decides: a replay, or a key reused; an expired one does not. */
function idempotencyCause(
  failed: FailedCondition<RoleOf<'idempotency'>> | undefined,
  now: Date,
): Cause | undefined {
  const stored = failed?.item;
  if (failed === undefined || stored === undefined || !isLive(stored, now)) return undefined;
  return stored.requestHash === failed.role.requestHash
    ? { reason: 'replay', response: stored.response }
    : { reason: 'idempotency-key-reused', key: failed.role.key };
}

/** Tells "exists", "not found", a version conflict and a stale lastEventSeq apart. */
async function entityCause(
  failed: FailedCondition<RoleOf<'entity'>>,
  context: CancellationContext,
): Promise<Cause> {
  if (failed.role.change === 'create') return { reason: 'aggregate-exists' };
  const current = failed.item ?? (await context.loadEntity());
  if (current === undefined) return { reason: 'aggregate-not-found' };
  // An entity without the attribute predates the outbox: it is at version 0.
  const actual = current[context.versionAttribute] ?? 0;
  if (actual === failed.role.expectedVersion) {
    // The version matched, so the sequence condition failed.
    const found = current[context.lastEventSeqAttribute];
    return { reason: 'stale-last-event-seq', assumed: failed.role.lastEventSeq ?? 0, found };
  }
  return {
    reason: 'version-conflict',
    expected: failed.role.expectedVersion ?? 0,
    actual: typeof actual === 'number' ? actual : undefined,
  };
}

/**
 * DynamoDB returns `Item` of a failed condition (`ReturnValuesOnConditionCheckFailure`)
 * in wire format even through the document client (aws/aws-sdk-js-v3#6723); accept both.
 */
const ATTRIBUTE_VALUE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

function plainItem(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (item === undefined) return undefined;
  const looksMarshalled = Object.values(item).every((v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    const keys = Object.keys(v);
    return keys.length === 1 && ATTRIBUTE_VALUE_TYPES.has(keys[0] as string);
  });
  return looksMarshalled ? unmarshall(item as Record<string, AttributeValue>) : item;
}
