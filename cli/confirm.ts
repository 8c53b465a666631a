import { createInterface } from 'node:readline/promises';
import { printable } from './printable.js';

/**
 * What became of a plan: carried out (`--yes`, or a yes on the terminal), declined on the
 * terminal, or left as a dry run because there was no terminal to ask on and no `--yes`.
 */
export type Decision = 'act' | 'declined' | 'no-terminal';

/** How {@link decide} asks. */
export interface ConfirmOptions {
  /** `--yes`: act without asking (scripts). */
  readonly yes: boolean;
  /** Whether a person can answer: stdin and stderr are terminals. */
  readonly interactive: boolean;
  /** Shows the plan (stderr). */
  readonly show: (text: string) => void;
  /** Asks a question and resolves with the answer ('' when the input closed). */
  readonly ask: (question: string) => Promise<string>;
}

/**
 * Decides whether to carry out a plan that publishes or changes something: with `--yes`,
 * at once (the plan is still shown); on a terminal, after showing the plan and reading a
 * yes; otherwise never — without a person to ask, and without `--yes`, a command only
 * plans (a dry run), so a pipe or a cron job cannot publish by accident.
 *
 * @example
 * const decision = await decide(plan, 'Publish 3 event(s)?', terminalConfirmOptions({ yes }));
 */
export async function decide(
  plan: string,
  question: string,
  options: ConfirmOptions,
): Promise<Decision> {
  if (!options.yes && !options.interactive) return 'no-terminal';
  options.show(`${printable(plan, { keepNewlines: true })}\n`);
  if (options.yes) return 'act';
  const answer = await options.ask(`${printable(question)} [y/N] `);
  return /^\s*y(es)?\s*$/i.test(answer) ? 'act' : 'declined';
}

/** Why a command that was not confirmed exits 1, saying how to act; undefined when it acted. */
export function notActed(decision: Decision | undefined): string | undefined {
  if (decision === 'declined') return 'not confirmed: nothing was changed';
  if (decision === 'no-terminal')
    return 'dry run only: stdin is not a terminal to confirm on, so nothing was changed; run again with --yes to act on this plan (or --dry-run to only look)';
  return undefined;
}

/** Asks on the process's own terminal: the question on stderr, the answer from stdin. */
export function terminalConfirmOptions(
  flags: { readonly yes: boolean },
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): ConfirmOptions {
  return {
    yes: flags.yes,
    interactive: input.isTTY === true && output.isTTY === true,
    show: (text) => void output.write(text),
    ask: (question) => askLine(question, input, output),
  };
}

/** One line from the terminal; '' on end of input or Ctrl-C (both mean no). */
async function askLine(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<string> {
  const rl = createInterface({ input, output, terminal: true });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  rl.once('SIGINT', () => rl.close());
  try {
    return await Promise.race([rl.question(question), closed]);
  } catch {
    return '';
  } finally {
    rl.close();
  }
}
