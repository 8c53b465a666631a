import { describe, expect, it } from 'vitest';
import { type ConfirmOptions, decide, notActed } from '../../../cli/confirm.js';

/** Confirm options that record what was shown and asked, answering `answer`. */
function aTerminal(overrides: Partial<ConfirmOptions> & { answer?: string } = {}) {
  const shown: string[] = [];
  const asked: string[] = [];
  const options: ConfirmOptions = {
    yes: false,
    interactive: true,
    show: (text) => void shown.push(text),
    ask: async (question) => {
      asked.push(question);
      return overrides.answer ?? '';
    },
    ...overrides,
  };
  return { options, shown, asked };
}

const PLAN = 'account: 123456789012\nregion:  eu-west-1\n\nwould re-publish 3 event(s)';
const QUESTION = 'Re-publish 3 event(s) to bus orders in account 123456789012?';

describe('decide', () => {
  it('shows the plan, asks, and acts on a yes', async () => {
    const { options, shown, asked } = aTerminal({ answer: 'y' });

    const decision = await decide(PLAN, QUESTION, options);

    expect(decision).toBe('act');
    expect(shown).toEqual([`${PLAN}\n`]);
    expect(asked).toEqual([`${QUESTION} [y/N] `]);
  });

  it.each(['', 'n', 'no', 'yess', 'ok', ' Y E S'])('declines on %j', async (answer) => {
    const { options } = aTerminal({ answer });

    expect(await decide(PLAN, QUESTION, options)).toBe('declined');
  });

  it('accepts yes in any case', async () => {
    const { options } = aTerminal({ answer: ' YES ' });

    expect(await decide(PLAN, QUESTION, options)).toBe('act');
  });

  it('acts without asking on --yes, and still shows the plan', async () => {
    const { options, shown, asked } = aTerminal({ yes: true, interactive: false });

    const decision = await decide(PLAN, QUESTION, options);

    expect(decision).toBe('act');
    expect(shown).toHaveLength(1);
    expect(asked).toEqual([]);
  });

  it('fails if it acts without a terminal and without --yes: a dry run only', async () => {
    const { options, shown, asked } = aTerminal({ interactive: false, answer: 'y' });

    const decision = await decide(PLAN, QUESTION, options);

    expect(decision).toBe('no-terminal');
    expect([shown, asked]).toEqual([[], []]);
    expect(notActed(decision)).toContain('run again with --yes');
  });

  it('shows a plan that quotes a queue without its control characters', async () => {
    const { options, shown, asked } = aTerminal({ answer: 'n' });

    await decide('queue: evil\u001b[2J\u202e', 'Redrive evil\u001b]0;title\u0007?', options);

    expect(shown).toEqual(['queue: evil\\u001b[2J\\u202e\n']);
    expect(asked).toEqual(['Redrive evil\\u001b]0;title\\u0007? [y/N] ']);
  });
});
