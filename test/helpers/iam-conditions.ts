/**
 * The few IAM condition operators the outbox's policies use, evaluated as the IAM docs
 * describe them (reference_policies_elements_condition_operators): `*` and `?` are
 * wildcards of `StringLike`; a negated operator is true when the key is missing; a
 * `ForAllValues` qualifier is true when the request has no value. Values that are
 * CloudFormation tokens (`Fn::GetAtt` …) compare by their JSON form.
 */

/** A request context: each key with its values (absent: the key is not in the request). */
export type RequestContext = Readonly<Record<string, readonly unknown[] | undefined>>;

/** A statement of a synthesized policy, as the template holds it. */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const asList = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [value]);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** IAM's `StringLike`: `*` matches any run of characters, `?` any one. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 's').test(value);
}

const operators: Record<string, (policyValue: unknown, requestValue: unknown) => boolean> = {
  StringEquals: same,
  ArnEquals: same,
  StringLike: (p, r) => typeof p === 'string' && typeof r === 'string' && stringLike(p, r),
};

/** Whether one condition operator holds for the request, by the documented rules. */
function holds(operator: string, key: string, values: unknown, request: RequestContext): boolean {
  const requestValues = request[key];
  if (operator === 'Null') return (requestValues === undefined) === (String(values) === 'true');
  const [qualifier, name] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const negated = name?.includes('Not') ?? false;
  const base = operators[(name ?? '').replace('Not', '')];
  if (base === undefined) throw new Error(`operator ${operator} is not modelled`);
  if (requestValues === undefined || requestValues.length === 0) {
    return qualifier === 'ForAllValues' || (qualifier === undefined && negated);
  }
  const matchesOne = (r: unknown) => {
    const any = asList(values).some((p) => base(p, r));
    return negated ? !any : any;
  };
  return qualifier === 'ForAnyValue'
    ? requestValues.some(matchesOne)
    : requestValues.every(matchesOne);
}

/** Whether every condition of the statement holds for the request (no condition: true). */
export function conditionsHold(statement: TemplateStatement, request: RequestContext): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => holds(operator, key, values, request)),
  );
}

/** Whether a Deny statement of these refuses `action` for the request. */
export function isDenied(
  statements: readonly TemplateStatement[],
  action: string,
  request: RequestContext,
): boolean {
  return statements.some(
    (s) => s.Effect === 'Deny' && asList(s.Action).includes(action) && conditionsHold(s, request),
  );
}
