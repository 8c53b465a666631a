import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import {
  IDEMPOTENCY_PK_PREFIX,
  IDEMPOTENCY_SK,
  IdempotencyAttribute,
  PK,
  RecordType,
  SK,
} from './schema.js';

/**
 * Makes a command idempotent: the response is stored in the same transaction as the
 * change, so a retried request can be answered without a second write or event.
 */
export interface IdempotencyInput {
  /** The client's key, e.g. the `Idempotency-Key` header: 1..255 visible ASCII characters. */
  readonly key: string;
  /**
   * What identifies the request (method, path, body …). A retry with the same key must
   * carry an equal request (compared by a canonical hash); otherwise it is rejected.
   */
  readonly request: unknown;
  /** The response to replay for a retry: any JSON value. */
  readonly response: unknown;
  /**
   * Namespace of the key, e.g. the caller's identity, so two clients cannot collide.
   * @default - one namespace for all callers
   */
  readonly scope?: string;
}

/**
 * Idempotency keys: 1..255 visible ASCII characters, as commonly accepted for the header.
 * @internal
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a stored response is replayed. @internal */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * The canonical hash of a request: SHA-256 of its JSON with sorted keys, so that the
 * order of properties does not make two equal requests differ.
 * @internal
 */
export function requestHash(request: unknown): string {
  const canonical = stringify(request) ?? 'undefined';
  return createHash('sha256').update(canonical).digest('hex');
}

/** Partition key of the idempotency record of a key. @internal */
export function idempotencyPk(key: string, scope?: string): string {
  // The scope is length-prefixed so that no scope/key pair can imitate another.
  return scope === undefined
    ? `${IDEMPOTENCY_PK_PREFIX}${key}`
    : `${IDEMPOTENCY_PK_PREFIX}${scope.length}:${scope}#${key}`;
}

/** The stored form of an idempotent response. @internal */
export interface IdempotencyRecord {
  readonly pk: string;
  readonly sk: string;
  readonly recordType: typeof RecordType.idempotency;
  readonly requestHash: string;
  readonly response: unknown;
  readonly createdAt: string;
  readonly expiresAt: number;
}

/** Builds the idempotency record written in the command's transaction. @internal */
export function buildIdempotencyRecord(
  input: IdempotencyInput,
  now: Date,
  ttlSeconds: number,
): IdempotencyRecord {
  return {
    [PK]: idempotencyPk(input.key, input.scope),
    [SK]: IDEMPOTENCY_SK,
    recordType: RecordType.idempotency,
    [IdempotencyAttribute.requestHash]: requestHash(input.request),
    // A JSON round trip: what is replayed is what a fresh JSON response would carry.
    [IdempotencyAttribute.response]: JSON.parse(JSON.stringify(input.response)),
    [IdempotencyAttribute.createdAt]: now.toISOString(),
    [IdempotencyAttribute.expiresAt]: Math.floor(now.getTime() / 1000) + ttlSeconds,
  } as IdempotencyRecord;
}

/** True while a stored record is still valid: TTL deletion lags by up to two days. @internal */
export function isLive(record: { expiresAt?: unknown }, now: Date): boolean {
  return (
    typeof record.expiresAt === 'number' && record.expiresAt > Math.floor(now.getTime() / 1000)
  );
}
