import { isPlainObject, type JsonProblem, LONE_SURROGATE } from './event-input.js';

/** DynamoDB nests lists and maps at most 32 levels deep. @internal */
export const MAX_DYNAMO_DEPTH = 32;

/**
 * Why a value cannot be stored by the document client as it is, or undefined if it can:
 * finds what the SDK would reject at send time (undefined, class instances such as Date,
 * functions, NaN, empty sets, lone surrogates, nesting deeper than 32 levels), so the
 * writer can reject it with a path before any call.
 * @internal
 */
export function dynamoValueProblem(
  value: unknown,
  path: readonly (string | number)[] = [],
): JsonProblem | undefined {
  if (path.length > MAX_DYNAMO_DEPTH)
    return { path, message: `is nested deeper than ${MAX_DYNAMO_DEPTH} levels` };
  if (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value instanceof Uint8Array
  ) {
    return undefined;
  }
  // The document client would drop it (or throw), leaving a dangling update expression.
  if (value === undefined)
    return { path, message: 'is undefined; omit it, or list it in remove to delete the attribute' };
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value)
      ? { path, message: 'contains a lone UTF-16 surrogate, which is not valid Unicode' }
      : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? undefined
      : { path, message: `is ${value}, which DynamoDB cannot store` };
  }
  if (value instanceof Set) {
    if (value.size === 0) return { path, message: 'is an empty set, which DynamoDB cannot store' };
    const kinds = new Set(
      [...value].map((member) => (member instanceof Uint8Array ? 'binary' : typeof member)),
    );
    const [kind] = kinds;
    if (kinds.size > 1 || !['string', 'number', 'bigint', 'binary'].includes(kind as string)) {
      return {
        path,
        message: 'is a set that does not hold only strings, only numbers or only binaries',
      };
    }
    return undefined;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i): [number, unknown] => [i, v])
      : Object.entries(value);
    for (const [key, element] of entries) {
      const problem = dynamoValueProblem(element, [...path, key]);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const kind =
    typeof value === 'object'
      ? `an instance of ${value.constructor?.name ?? 'a class'}`
      : `a ${typeof value}`;
  return { path, message: `is ${kind}, which DynamoDB cannot store; convert it first` };
}
