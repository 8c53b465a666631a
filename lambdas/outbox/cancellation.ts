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
 *
 * @example
 * ```ts
 * import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
 * import { type OutboxWriteInput, OutboxWriter, type TransactionItemRole } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * function describe(role: TransactionItemRole): string {
 *   switch (role.role) {
 *     case 'entity':
 *       return role.change === 'create' ? 'order create' : `order update of v${role.expectedVersion}`;
 *     case 'outbox':
 *       return `outbox record at sequence ${role.sequence}`;
 *     case 'idempotency':
 *       return `idempotency key ${role.key}`;
 *     case 'additional':
 *       return `additionalItems[${role.index}]`;
 *   }
 * }
 *
 * // Sent by hand to read the consumed capacity (write() would map the failure for you).
 * export async function commit(input: OutboxWriteInput): Promise<void> {
 *   const prepared = writer.prepare(input);
 *   try {
 *     const command = { ...prepared.command, ReturnConsumedCapacity: 'TOTAL' as const };
 *     const { ConsumedCapacity } = await client.send(new TransactWriteCommand(command));
 *     console.info('order written', { capacity: ConsumedCapacity });
 *   } catch (error) {
 *     if (error instanceof TransactionCanceledException) {
 *       // CancellationReasons come in TransactItems order, like the roles.
 *       const reasons = error.CancellationReasons ?? [];
 *       const failed = prepared.roles.filter(
 *         (_, i) => reasons[i]?.Code === 'ConditionalCheckFailed',
 *       );
 *       console.warn('order write cancelled', { failed: failed.map(describe) });
 *     }
 *     throw error;
 *   }
 * }
 * ```
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

interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Record<string, unknown>;
}

/** The outcome of a cancelled transaction that is not an error: a replayable response. */
export interface Replay {
  readonly replayed: true;
  readonly response: unknown;
}

/**
 * DynamoDB returns `Item` of a failed condition (`ReturnValuesOnConditionCheckFailure`)
 * in wire format even through the document client; accept both forms.
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

/**
 * Maps a `TransactionCanceledException` to a typed error, or to a replay when a request
 * with the same idempotency key committed first. The idempotency verdict wins: if the
 * same request already committed, its entity condition fails too, and the right answer
 * is the stored response, not a conflict.
 *
 * @param context the aggregate, the entity's attribute names, the clock, and `loadEntity`,
 *   which reads the entity (consistently) when the cancellation did not carry it, to tell
 *   "not found" from "version conflict".
 * @returns a {@link Replay}, or an error to throw. Errors that are not cancellations are
 *   returned unchanged.
 */
export async function interpretCancellation(
  error: unknown,
  roles: readonly TransactionItemRole[],
  context: {
    readonly aggregateKey: string;
    readonly versionAttribute: string;
    readonly lastEventSeqAttribute: string;
    readonly now: Date;
    readonly loadEntity: () => Promise<Record<string, unknown> | undefined>;
  },
): Promise<Replay | Error> {
  const { aggregateKey, versionAttribute, now } = context;
  const e = error as { name?: string; CancellationReasons?: CancellationReason[] };
  if (e?.name !== 'TransactionCanceledException')
    return error instanceof Error ? error : new OutboxError(String(error), { cause: error });
  const reasons = e.CancellationReasons ?? [];
  if (isTransientCancellation(error)) {
    return new WriteContentionError(
      `transaction on ${aggregateKey} kept conflicting with concurrent writes or throttling after retries`,
      { cause: error },
    );
  }
  const failed = roles
    .map((role, i) => ({ role, reason: reasons[i] }))
    .filter(({ reason }) => reason?.Code === 'ConditionalCheckFailed');

  const idempotency = failed.find((f) => f.role.role === 'idempotency');
  if (idempotency && idempotency.role.role === 'idempotency') {
    const stored = plainItem(idempotency.reason?.Item);
    if (stored && isLive(stored, now)) {
      if (stored.requestHash === idempotency.role.requestHash)
        return { replayed: true, response: stored.response };
      return new IdempotencyKeyReusedError(idempotency.role.key, { cause: error });
    }
  }
  const entity = failed.find((f) => f.role.role === 'entity');
  if (entity && entity.role.role === 'entity') {
    if (entity.role.change === 'create')
      return new AggregateAlreadyExistsError(aggregateKey, { cause: error });
    const current = entity.reason?.Item
      ? plainItem(entity.reason.Item)
      : await context.loadEntity();
    if (current === undefined) return new AggregateNotFoundError(aggregateKey, { cause: error });
    // An entity without the attribute predates the outbox: it is at version 0.
    const actual = current[versionAttribute] ?? 0;
    if (actual === entity.role.expectedVersion) {
      // The version matched, so the sequence condition failed: the caller's lastEventSeq
      // is not the entity's.
      const found = current[context.lastEventSeqAttribute];
      return new SequenceConflictError(aggregateKey, (entity.role.lastEventSeq ?? 0) + 1, {
        cause: error,
        detail: `the write assumed lastEventSeq ${entity.role.lastEventSeq ?? 0}, but the entity holds ${String(found ?? 'none')}; pass the lastEventSeq read with the entity`,
      });
    }
    return new VersionConflictError(
      aggregateKey,
      entity.role.expectedVersion ?? 0,
      typeof actual === 'number' ? actual : undefined,
      { cause: error },
    );
  }
  const outbox = failed.find((f) => f.role.role === 'outbox');
  if (outbox && outbox.role.role === 'outbox') {
    return new SequenceConflictError(aggregateKey, outbox.role.sequence, { cause: error });
  }
  const additional = failed.find((f) => f.role.role === 'additional');
  if (additional && additional.role.role === 'additional') {
    return new AdditionalItemConditionError(
      additional.role.index,
      plainItem(additional.reason?.Item),
      {
        cause: error,
      },
    );
  }
  const codes = reasons.map((r) => r.Code ?? 'None').join(', ');
  return new OutboxError(`transaction on ${aggregateKey} was cancelled: [${codes}]`, {
    cause: error,
  });
}
