import { quantile } from './stats.js';

/**
 * The latency chart of RESULTS.md: percentile curves (x: percentile, y: milliseconds),
 * hand-written SVG, no dependency.
 */

/** One curve: a label, a colour, and its samples (or a function of the percentile). */
export interface Curve {
  readonly label: string;
  readonly color: string;
  readonly samples?: readonly number[];
  readonly at?: (q: number) => number;
  readonly dashed?: boolean;
}

const W = 760;
const H = 440;
const M = { left: 64, right: 24, top: 48, bottom: 96 };
const QS = [...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.995, 0.999];

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A "nice" axis maximum and step for values up to `max`. */
function niceAxis(max: number): { top: number; step: number } {
  const rough = Math.max(max, 1) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * power >= rough) ?? 10) * power;
  return { top: Math.ceil(max / step) * step, step };
}

/** Renders the curves; `marks` are percentiles to draw as vertical guides (e.g. 50, 95, 99). */
export function percentileChart(
  title: string,
  subtitle: string,
  curves: readonly Curve[],
  marks: readonly number[] = [50, 95, 99],
): string {
  const points = curves.map((curve) =>
    QS.map((q) => ({
      q,
      v: curve.samples ? quantile(curve.samples, q) : (curve.at?.(q) ?? Number.NaN),
    })).filter((p) => Number.isFinite(p.v)),
  );
  const max = Math.max(1, ...points.flat().map((p) => p.v));
  const { top, step } = niceAxis(max);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (q: number) => M.left + q * plotW;
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-labelledby="chart-title chart-desc">`,
    `<title id="chart-title">${esc(title)}</title>`,
    `<desc id="chart-desc">${esc(`${subtitle}. ${curves.map((c) => c.label).join('; ')}.`)}</desc>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`,
    `<text x="${M.left}" y="39" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v}</text>`,
    );
  }
  for (let p = 0; p <= 100; p += 10) {
    out.push(
      `<text x="${x(p / 100).toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle" fill="#555">${p}</text>`,
    );
  }
  for (const mark of marks) {
    out.push(
      `<line x1="${x(mark / 100).toFixed(1)}" x2="${x(mark / 100).toFixed(1)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#bbbbbb" stroke-dasharray="3 3"/>`,
      `<text x="${(x(mark / 100) - 4).toFixed(1)}" y="${M.top + 12}" text-anchor="end" fill="#777">p${mark}</text>`,
    );
  }
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<text x="${M.left + plotW / 2}" y="${M.top + plotH + 36}" text-anchor="middle" fill="#333">percentile</text>`,
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">milliseconds</text>`,
  );
  curves.forEach((curve, i) => {
    const path = (points[i] ?? [])
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.q).toFixed(1)} ${y(p.v).toFixed(1)}`)
      .join(' ');
    out.push(
      `<path d="${path}" fill="none" stroke="${curve.color}" stroke-width="2"${curve.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    const row = Math.floor(i / 2);
    const col = i % 2;
    const lx = M.left + col * (plotW / 2);
    const ly = M.top + plotH + 58 + row * 18;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${curve.color}" stroke-width="2"${curve.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly}" fill="#222">${esc(curve.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
