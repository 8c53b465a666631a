/**
 * Values to and from the wire of Smithy RPC v2 CBOR
 * (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html).
 */
import { cbor, dateToTag, tagSymbol } from '@smithy/core/cbor';

/** Which members of a structure to keep: `true` for a scalar, a nested shape, or `[shape]` for a list. */
export type Shape = true | readonly [Shape] | { readonly [member: string]: Shape };

/** Tag 1: epoch seconds, the protocol's only timestamp form. */
const EPOCH_SECONDS_TAG = 1;

/** Encodes an input: null and undefined members omitted, as the spec requires; Dates as tag 1. */
export function encodeInput(input: object): Uint8Array {
  return cbor.serialize(toWire(input));
}

/** Decodes a body to a map; an empty body is `{}`. Throws if the body is not a CBOR map. */
export function decodeBody(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.byteLength === 0) return {};
  const value = fromWire(cbor.deserialize(bytes));
  if (!isPlainObject(value)) throw new TypeError('the body is not a CBOR map');
  return value;
}

/** The members of `value` that `shape` names, recursively; unknown keys are dropped. */
export function pick(value: unknown, shape: Shape): unknown {
  if (shape === true) return value;
  if (Array.isArray(shape))
    return Array.isArray(value) ? value.map((v) => pick(v, shape[0])) : undefined;
  if (!isPlainObject(value)) return undefined;
  const members = Object.entries(shape as Record<string, Shape>)
    .map(([name, member]) => [name, pick(value[name], member)] as const)
    .filter(([, member]) => member !== undefined);
  return Object.fromEntries(members);
}

/**
 * The error name in `__type`: a URL suffix after `:` and the namespace before `#` removed
 * (`aws.x#ThrottlingException:http://…` → `ThrottlingException`).
 */
export function errorName(type: unknown): string | undefined {
  if (typeof type !== 'string' || type === '') return undefined;
  return type.split(':')[0]?.split('#').pop() || undefined;
}

function toWire(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (Array.isArray(value)) return value.map((item) => toWire(item) ?? null);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined && member !== null)
      .map(([name, member]) => [name, toWire(member)]),
  );
}

function fromWire(value: unknown): unknown {
  if (isTimestamp(value)) return new Date(Math.round(value.value * 1000));
  if (Array.isArray(value)) return value.map(fromWire);
  if (!isPlainObject(value)) return value;
  // The spec: a null member is an absent member.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== null && member !== undefined)
      .map(([name, member]) => [name, fromWire(member)]),
  );
}

function isTimestamp(value: unknown): value is { value: number } {
  return (
    isPlainObject(value) &&
    tagSymbol in value &&
    value.tag === EPOCH_SECONDS_TAG &&
    typeof value.value === 'number'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
