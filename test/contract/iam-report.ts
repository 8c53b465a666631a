import { actionMatches, type IamFinding, resourceMatches } from './iam-verdict.js';
import type { NeededPermission } from './needed-permissions.js';
import type { Grant } from './role-grants.js';

/** What the contract established for one function. */
export interface FunctionIamResult {
  readonly function: string;
  readonly grants: readonly Grant[];
  readonly needed: readonly NeededPermission[];
  readonly findings: readonly IamFinding[];
  /** Findings listed as known (reported, awaiting a construct fix). */
  readonly known: readonly IamFinding[];
}

/**
 * A readable table per function: each granted action-on-resource with what uses it, and
 * each needed one no grant covers.
 *
 * @example
 * console.info(formatIamReport(results));
 */
export function formatIamReport(results: readonly FunctionIamResult[]): string {
  const lines: string[] = ['IAM contract: calls made ⊆ grants, grants ⊆ calls made'];
  for (const result of results) {
    lines.push('', result.function);
    const rows = [...grantRows(result), ...missingRows(result)];
    const width = (column: 0 | 1 | 2) => Math.max(...rows.map((row) => row[column].length));
    for (const row of rows) {
      lines.push(
        `  ${row[0].padEnd(width(0))}  ${row[1].padEnd(width(1))}  ${row[2].padEnd(width(2))}  ${row[3]}`,
      );
    }
  }
  return lines.join('\n');
}

type Row = readonly [string, string, string, string];

function grantRows(result: FunctionIamResult): Row[] {
  return result.grants
    .filter((g) => g.effect === 'Allow')
    .map((g) => {
      const users = result.needed.filter(
        (n) => actionMatches(g.action, n.action) && resourceMatches(g.resource, n.resource),
      );
      const finding = result.findings.find(
        (f) => f.kind !== 'missing' && f.action === g.action && f.resource === g.resource,
      );
      const status = finding === undefined ? 'ok' : statusOf(finding, result.known);
      return [status, g.action, g.resource, usedBy(users)] as const;
    });
}

function missingRows(result: FunctionIamResult): Row[] {
  return result.findings
    .filter((f) => f.kind === 'missing')
    .map(
      (f) => [statusOf(f, result.known), f.action, f.resource, `needed by ${f.detail}`] as const,
    );
}

function statusOf(finding: IamFinding, known: readonly IamFinding[]): string {
  const label = finding.kind.toUpperCase();
  return known.includes(finding) ? `${label} (known)` : label;
}

function usedBy(users: readonly NeededPermission[]): string {
  if (users.length === 0) return 'used by nothing';
  const reasons = new Map<string, number>();
  for (const u of users) {
    const key = u.by === 'code' ? `code: ${u.reason}` : `AWS: ${u.reason}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  return [...reasons]
    .map(([reason, count]) => (count > 1 ? `${reason} ×${count}` : reason))
    .join('; ');
}
