import { printable } from './printable.js';

/** Where the runbook explains each check: `docs/runbook.md#verify-<check>`. */
export const RUNBOOK = 'docs/runbook.md';

/** The checks of `verify`, in the order they run. */
export const VERIFY_CHECKS = [
  'stream',
  'ttl',
  'pitr',
  'event-source-mapping',
  'event-bus',
  'alarms',
  'dead-letter-queue',
  'stream-failure-queue',
  'canary',
] as const;
export type VerifyCheck = (typeof VERIFY_CHECKS)[number];

/**
 * `pass`: holds. `warn`: not proven yet, nothing wrong found (e.g. alarms still without
 * data minutes after a deploy). `skip`: no counterpart where verify ran (local mode); never
 * a pass. `fail`: does not hold; verify exits 1.
 */
export type CheckStatus = 'pass' | 'warn' | 'skip' | 'fail';

/** The outcome of one check (or, for `alarms`, of one alarm: `subject` names it). */
export interface CheckResult {
  readonly check: VerifyCheck;
  readonly status: CheckStatus;
  /** What was found, e.g. `stream NEW_IMAGE on orders-outbox`. */
  readonly message: string;
  /** What to do about a `fail` or `warn`. */
  readonly action?: string;
  /** The resource the result is about, when a check has several (alarms). */
  readonly subject?: string;
  /** The runbook section, e.g. `docs/runbook.md#verify-stream`. */
  readonly runbook: string;
}

/** The canary's trip through the pipeline. */
export interface CanaryOutcome {
  /** `OutboxVerifyCanary#<id>`. */
  readonly aggregate: string;
  readonly eventId?: string;
  /** `DELIVERED`, `FAILED`, `PENDING` (timed out) or `NOT_WRITTEN`. */
  readonly status: string;
  /** From the write to the read that saw it DELIVERED. */
  readonly endToEndMs?: number;
  /** `deliveredAt − createdAt` as the relay stamped them. */
  readonly relayMs?: number;
}

/** What `verify` reports (also its `--json` output). */
export interface VerifyReport {
  /** `local mode`, `stack Orders`, `flags`. */
  readonly target: string;
  readonly checkedAt: string;
  /** True when no check failed: verify's exit code is 0 exactly then. */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
  readonly canary?: CanaryOutcome;
}

/** A check's result, with its runbook link. */
export function result(
  check: VerifyCheck,
  status: CheckStatus,
  message: string,
  extra: { readonly action?: string; readonly subject?: string } = {},
): CheckResult {
  return { check, status, message, ...extra, runbook: `${RUNBOOK}#verify-${check}` };
}

/** A skipped check of local mode, saying why it has no counterpart there. */
export const skippedLocally = (check: VerifyCheck, why: string): CheckResult =>
  result(check, 'skip', `skipped (local mode): ${why}`);

const MARK: Record<CheckStatus, string> = { pass: 'ok', warn: 'WARN', skip: 'skip', fail: 'FAIL' };

/** One line per result; a problem's line says what to do and links the runbook. */
function line(r: CheckResult): string {
  const what = r.subject === undefined ? r.check : `${r.check} ${printable(r.subject)}`;
  const todo =
    r.status === 'fail' || r.status === 'warn'
      ? ` -> ${printable(r.action ?? 'see the runbook')} (${r.runbook})`
      : '';
  return `${MARK[r.status].padEnd(4)}  ${what}: ${printable(r.message)}${todo}`;
}

/** The human-readable report. */
export function renderVerify(report: VerifyReport): string {
  const failed = report.checks.filter((r) => r.status === 'fail').length;
  return [
    `verify ${printable(report.target)} at ${report.checkedAt}`,
    ...report.checks.map(line),
    failed === 0 ? 'all checks hold' : `${failed} problem(s): see the lines marked FAIL`,
  ].join('\n');
}

/** Why verify exits 1, or undefined when every check holds. */
export function verifyFailure(report: VerifyReport): string | undefined {
  const failed = report.checks.filter((r) => r.status === 'fail');
  if (failed.length === 0) return undefined;
  const names = [...new Set(failed.map((r) => r.check))].join(', ');
  return `verify failed: ${failed.length} problem(s) (${names})`;
}
