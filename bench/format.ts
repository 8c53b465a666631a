/** Number formatting shared by the stdout table and RESULTS.md. */

/** `1234.5` → `1,234.5` with the given decimals. */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** A ratio as `0.52×`. */
export function ratio(value: number, decimals = 2): string {
  return Number.isFinite(value) ? `${num(value, decimals)}×` : '—';
}

/** Milliseconds with a sensible precision. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return `${num(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
}

/** Bytes as B / KB / MB (1 KB = 1,024 bytes). */
export function bytes(value: number): string {
  if (value < 1024) return `${num(value)} B`;
  if (value < 1024 * 1024) return `${num(value / 1024, 1)} KB`;
  return `${num(value / (1024 * 1024), 2)} MB`;
}

/** US dollars, with cents (or more digits for small amounts). */
export function usd(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '$0';
  return `$${num(value, value < 0.1 ? 4 : 2)}`;
}
