/**
 * A result table, rendered twice: aligned plain text for stdout, and Markdown for
 * RESULTS.md.
 */
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table: what was measured, against what, and how. */
  readonly notes?: readonly string[];
}

const width = (s: string) => [...s].length;
const pad = (s: string, n: number, right: boolean) =>
  right ? ' '.repeat(Math.max(0, n - width(s))) + s : s + ' '.repeat(Math.max(0, n - width(s)));
/** A cell that starts with a digit, a sign, `$` or `—` is a number: right-aligned. */
const numeric = (s: string) => /^[-+$—~≥≤<>]?[\d$—]/.test(s);

/** Aligned plain text. */
export function renderText(table: Table): string {
  const widths = table.columns.map((c, i) =>
    Math.max(width(c), ...table.rows.map((r) => width(r[i] ?? ''))),
  );
  const line = (cells: readonly string[], header: boolean) =>
    cells.map((cell, i) => pad(cell, widths[i] ?? 0, !header && i > 0 && numeric(cell))).join('  ');
  const out = [
    table.title,
    line(table.columns, true),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map((r) => line(r, false)),
  ];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

/** A Markdown table, aligned the way Biome formats Markdown. */
export function renderMarkdown(table: Table, level = 3): string {
  const escapePipes = (s: string) => s.replaceAll('|', '\\|');
  const right = table.columns.map((_, i) => i > 0 && table.rows.some((r) => numeric(r[i] ?? '')));
  const header = table.columns.map(escapePipes);
  const body = table.rows.map((r) => table.columns.map((_, i) => escapePipes(r[i] ?? '')));
  const widths = header.map((c, i) => Math.max(3, width(c), ...body.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => pad(cell, widths[i] ?? 0, right[i] === true)).join(' | ')} |`;
  const rule = widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  const out = [`${'#'.repeat(level)} ${table.title}`, '', line(header), `| ${rule.join(' | ')} |`];
  out.push(...body.map(line));
  if (table.notes && table.notes.length > 0) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
