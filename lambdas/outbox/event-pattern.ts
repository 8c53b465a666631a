/**
 * A matcher for the subset of EventBridge / Lambda event-filter patterns this project
 * uses: exact values, `prefix`, `suffix`, `anything-but`, `exists`, `numeric` and
 * `equals-ignore-case`, nested objects, and arrays in the event (a match on any element).
 * No well-kept npm library implements them; the local runtime (stream filter, local bus
 * rules) and the tests use this one.
 */

/**
 * An event pattern: nested objects whose leaves are arrays of allowed values or operators.
 * @internal
 */
export type EventPattern = { readonly [key: string]: EventPattern | readonly unknown[] };

type Operator = Readonly<Record<string, unknown>>;

/**
 * True when `event` matches `pattern`.
 * @internal
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const present = Object.hasOwn(fields, key);
    const value = fields[key];
    if (Array.isArray(rule)) return matchesLeaf(rule, present, value);
    return present && matchesPattern(rule as EventPattern, value);
  });
}

function matchesLeaf(rules: readonly unknown[], present: boolean, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object') {
      const operator = rule as Operator;
      if ('exists' in operator) return operator.exists === present;
      if (!present) return false;
      return values.some((v) => matchesOperator(operator, v));
    }
    return present && values.some((v) => v === rule);
  });
}

function matchesOperator(operator: Operator, value: unknown): boolean {
  const [name, argument] = Object.entries(operator)[0] ?? [];
  switch (name) {
    case 'prefix':
      return (
        typeof value === 'string' && typeof argument === 'string' && value.startsWith(argument)
      );
    case 'suffix':
      return typeof value === 'string' && typeof argument === 'string' && value.endsWith(argument);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof argument === 'string' &&
        value.toLowerCase() === argument.toLowerCase()
      );
    case 'anything-but': {
      if (argument !== null && typeof argument === 'object' && !Array.isArray(argument)) {
        return !matchesOperator(argument as Operator, value);
      }
      const excluded = Array.isArray(argument) ? argument : [argument];
      return !excluded.includes(value);
    }
    case 'numeric':
      return (
        typeof value === 'number' && Array.isArray(argument) && matchesNumeric(argument, value)
      );
    default:
      throw new RangeError(`unsupported pattern operator '${String(name)}'`);
  }
}

function matchesNumeric(conditions: readonly unknown[], value: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = conditions[i + 1];
    if (typeof bound !== 'number')
      throw new RangeError(`numeric bound must be a number, got ${String(bound)}`);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : undefined;
    if (ok === undefined) throw new RangeError(`unsupported numeric operator '${String(op)}'`);
    if (!ok) return false;
  }
  return true;
}
