import type { NeededPermission } from './needed-permissions.js';
import type { Grant } from './role-grants.js';

/** What the contract found wrong with one function's role. */
export interface IamFinding {
  /**
   * `missing`: a needed permission no Allow grants (or a Deny refuses);
   * `unused`: an Allow no needed permission falls under;
   * `wider`: an Allow with a wildcard that grants more than what is needed.
   */
  readonly kind: 'missing' | 'unused' | 'wider';
  /** The function (construct path). */
  readonly function: string;
  readonly action: string;
  readonly resource: string;
  /** Why it is needed (missing), or which policy states it (unused, wider). */
  readonly detail: string;
}

/**
 * Checks a role both ways: every needed permission is allowed (and not denied), and every
 * allowed action-on-resource is needed — exactly, not through a wildcard that grants more.
 *
 * @example
 * verdictOf('Outbox/Relay', grantsOf(template, relayId), needed);
 */
export function verdictOf(
  functionPath: string,
  grants: readonly Grant[],
  needed: readonly NeededPermission[],
): IamFinding[] {
  const allows = grants.filter((g) => g.effect === 'Allow');
  const denies = grants.filter((g) => g.effect === 'Deny');
  const covers = (g: Grant, n: NeededPermission) =>
    actionMatches(g.action, n.action) && resourceMatches(g.resource, n.resource);
  const finding = (
    kind: IamFinding['kind'],
    p: { action: string; resource: string },
    detail: string,
  ): IamFinding => ({
    kind,
    function: functionPath,
    action: p.action,
    resource: p.resource,
    detail,
  });

  const missing = uniqueNeeds(needed)
    .filter((n) => !allows.some((g) => covers(g, n)) || denies.some((g) => covers(g, n)))
    .map((n) => finding('missing', n, n.reason));
  const unused = allows
    .filter((g) => !needed.some((n) => covers(g, n)))
    .map((g) => finding('unused', g, g.policy));
  const wider = allows
    .filter((g) => isPattern(g) && needed.some((n) => covers(g, n)))
    .filter((g) => !needed.some((n) => sameAction(g.action, n.action) && g.resource === n.resource))
    .map((g) => finding('wider', g, g.policy));
  return [...missing, ...unused, ...wider];
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  return globRegExp(pattern, 'i').test(action);
}

/**
 * IAM resource matching on symbolic ARNs: `*` and `?` are wildcards in the literal parts
 * of the pattern (they match across `/` and `:`, as in IAM); `{…}` references are
 * literal.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  return globRegExp(pattern, '').test(resource);
}

/** One needed permission per action and resource, with every reason for it. */
function uniqueNeeds(needed: readonly NeededPermission[]): NeededPermission[] {
  const byKey = new Map<string, NeededPermission>();
  for (const n of needed) {
    const key = `${n.action.toLowerCase()} ${n.resource}`;
    const known = byKey.get(key);
    const reasons = new Set([...(known?.reason.split(', ') ?? []), n.reason]);
    byKey.set(key, { ...n, reason: [...reasons].join(', ') });
  }
  return [...byKey.values()];
}

function isPattern(g: Grant): boolean {
  return /[*?]/.test(g.action) || /[*?]/.test(literalParts(g.resource));
}

function sameAction(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const REFERENCE = /(\{[^}]*\})/;

function literalParts(pattern: string): string {
  return pattern
    .split(REFERENCE)
    .filter((part) => !REFERENCE.test(part))
    .join('');
}

function globRegExp(pattern: string, flags: string): RegExp {
  const source = pattern
    .split(REFERENCE)
    .map((part) =>
      REFERENCE.test(part)
        ? escapeRegExp(part)
        : part
            .split('')
            .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegExp(c)))
            .join(''),
    )
    .join('');
  return new RegExp(`^${source}$`, flags);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
