import { printable, printableJson } from './printable.js';

/** A table cell: undefined prints as `-`. */
export type Cell = string | number | boolean | undefined;

/** Where results go: stdout, unless a test collects them. */
export type Write = (text: string) => void;

/** `--json` or a human-readable rendering. */
export interface OutputOptions {
  readonly json: boolean;
  /** @default - process.stdout */
  readonly write?: Write;
}

/**
 * Prints a command's result: the JSON itself with `--json` (stable, for scripts), else
 * the rendering. Either way no control or bidirectional-formatting character of the data
 * reaches the terminal raw (see {@link printable}); the JSON stays the same JSON.
 *
 * @example
 * emit(report, { json }, renderStatus);
 */
export function emit<T>(result: T, options: OutputOptions, render: (result: T) => string): void {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const text = options.json
    ? printableJson(JSON.stringify(result, null, 2))
    : printable(render(result), { keepNewlines: true });
  write(text.endsWith('\n') ? text : `${text}\n`);
}

const cell = (value: Cell): string => (value === undefined ? '-' : printable(String(value)));

/**
 * Aligned columns with a header line; numbers right-aligned.
 *
 * @example
 * table(['shard', 'pending'], [[0, 3], [1, 0]]);
 */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => cell(row[i]).length)),
  );
  const line = (values: readonly Cell[], header = false) =>
    widths
      .map((width, i) => {
        const value = values[i];
        const text = header ? printable(String(value)) : cell(value);
        return typeof value === 'number' && !header ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers, true), ...rows.map((row) => line(row))].join('\n');
}

/**
 * A duration for people: `45s`, `12m 3s`, `5h 2m`, `3d 4h`.
 *
 * @example
 * formatAge(3723); // '1h 2m'
 */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** `label: value` lines, labels aligned. */
export function fields(entries: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...entries.map(([label]) => label.length));
  return entries
    .map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${cell(value)}`)
    .join('\n');
}
