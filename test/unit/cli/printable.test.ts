import { describe, expect, it } from 'vitest';
import { renderInspect } from '../../../cli/inspect.js';
import { emit, fields, table } from '../../../cli/output.js';
import { printable, printableJson } from '../../../cli/printable.js';
import { renderRedrive } from '../../../cli/redrive.js';
import { renderVerify } from '../../../cli/verify-report.js';

/** Every character a terminal would act on: ESC, BEL, DEL, a C1 CSI, bidi, separators. */
const HOSTILE = 'Order#1\u001b[2J\u0007\u007f\u009b31m\u202egpj.exe\u2066\u200f\u061c\u2028\u2029';
const UNSAFE = /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]/u;

/** What `emit` writes, collected. */
function emitted(result: unknown, json: boolean, render = (r: unknown) => String(r)): string {
  const out: string[] = [];
  emit(result, { json, write: (text) => void out.push(text) }, render);
  return out.join('');
}

describe('printable', () => {
  it('replaces each control and bidirectional character by its visible escape', () => {
    expect(printable(HOSTILE)).toBe(
      'Order#1\\u001b[2J\\u0007\\u007f\\u009b31m\\u202egpj.exe\\u2066\\u200f\\u061c\\u2028\\u2029',
    );
  });

  it('escapes a newline inside a value, so a value cannot fake a line of the report', () => {
    expect(printable('a\nFAIL  forged line')).toBe('a\\u000aFAIL  forged line');
    expect(printable('a\nb\u001b', { keepNewlines: true })).toBe('a\nb\\u001b');
  });

  it('leaves ordinary text alone, accents and emoji included', () => {
    expect(printable('Commande n° 42 — déjà 📦')).toBe('Commande n° 42 — déjà 📦');
  });

  it('keeps JSON the same JSON, compact or indented', () => {
    const value = { id: HOSTILE, n: 1, nested: { list: [HOSTILE] } };

    const compact = printableJson(JSON.stringify(value));
    const indented = printableJson(JSON.stringify(value, null, 2));

    expect(compact).not.toMatch(UNSAFE);
    expect(indented.replaceAll('\n', '')).not.toMatch(UNSAFE);
    expect(JSON.parse(compact)).toEqual(value);
    expect(JSON.parse(indented)).toEqual(value);
  });
});

describe('the renderers', () => {
  it('print no control or bidirectional character of the data: tables, fields, emit', () => {
    const outputs = [
      table(['aggregate'], [[HOSTILE]]),
      fields([['aggregate', HOSTILE]]),
      emitted(HOSTILE, false),
      emitted({ aggregate: HOSTILE }, true),
    ];
    expect(JSON.parse(emitted({ aggregate: HOSTILE }, true))).toEqual({ aggregate: HOSTILE });

    for (const output of outputs) expect(output.replaceAll('\n', '')).not.toMatch(UNSAFE);
  });

  it('print a DLQ message, a table record and a verify result without acting on the terminal', () => {
    const redrive = renderRedrive({
      queueUrl: `https://sqs/${HOSTILE}`,
      mode: 'publish',
      dryRun: false,
      declined: false,
      received: 1,
      redriven: 1,
      failed: 0,
      items: [
        {
          messageId: HOSTILE,
          aggregate: HOSTILE,
          sequence: 1,
          tableStatus: 'ABSENT',
          action: 'publish-unverified',
          events: 1,
          outcome: 'done',
          detail: HOSTILE,
          unverifiedEvents: [
            { sequence: 1, eventId: HOSTILE, source: HOSTILE, detailType: HOSTILE },
          ],
        },
      ],
    });
    const inspect = renderInspect({
      aggregate: HOSTILE,
      tableName: 'outbox',
      counts: { PENDING: 0, DELIVERED: 0, FAILED: 1 },
      records: [
        {
          sequence: 1,
          prevSeq: 0,
          status: 'FAILED',
          createdAt: HOSTILE,
          failure: HOSTILE,
          events: [
            {
              sequence: 1,
              eventId: HOSTILE,
              source: HOSTILE,
              detailType: HOSTILE,
              time: '',
              detail: {},
            },
          ],
        },
      ],
    });
    const verify = renderVerify({
      target: HOSTILE,
      checkedAt: '2026-12-01T10:00:00.000Z',
      ok: false,
      checks: [
        {
          check: 'canary',
          status: 'fail',
          message: HOSTILE,
          subject: HOSTILE,
          action: HOSTILE,
          runbook: 'docs/runbook.md#verify-canary',
        },
      ],
    });

    for (const text of [redrive, inspect, verify])
      expect(text.replaceAll('\n', '')).not.toMatch(UNSAFE);
    expect(redrive).toContain('\\u202egpj.exe');
  });
});
