import { Presets, SingleBar } from 'cli-progress';

/** Progress of a long operation (records read, events published, messages redriven). */
export interface Progress {
  /** Shows the bar with `total` steps (a first call), or changes its total. */
  start(total: number): void;
  increment(by?: number): void;
  /** Removes the bar. Safe to call twice. */
  stop(): void;
}

/** Makes a {@link Progress} labelled for one operation. */
export type ProgressFactory = (label: string) => Progress;

/** Progress that shows nothing: `--json`, a pipe, the tests. */
export const noProgress: ProgressFactory = () => ({
  start: () => undefined,
  increment: () => undefined,
  stop: () => undefined,
});

/**
 * Whether to draw bars: only on a terminal, and never with `--json` (whose stdout a
 * program reads; the bars go to stderr anyway).
 */
export function progressEnabled(
  options: { readonly json: boolean },
  stream: NodeJS.WriteStream = process.stderr,
): boolean {
  return !options.json && stream.isTTY === true;
}

/**
 * Progress bars (cli-progress) on stderr, cleared when done; {@link noProgress} when
 * disabled.
 *
 * @example
 * const progress = progressBars(progressEnabled({ json }));
 * const bar = progress('redrive');
 * bar.start(12); bar.increment(); bar.stop();
 */
export function progressBars(
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressFactory {
  if (!enabled) return noProgress;
  return (label) => {
    let bar: SingleBar | undefined;
    return {
      start: (total) => {
        if (bar !== undefined) {
          bar.setTotal(total);
          return;
        }
        bar = new SingleBar(
          {
            format: `${label.padEnd(10)} [{bar}] {value}/{total} | {duration_formatted}`,
            stream,
            clearOnComplete: true,
            hideCursor: true,
            etaBuffer: 50,
          },
          Presets.shades_classic,
        );
        bar.start(total, 0);
      },
      increment: (by = 1) => bar?.increment(by),
      stop: () => {
        bar?.stop();
        bar = undefined;
      },
    };
  };
}
