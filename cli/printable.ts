/**
 * Characters a terminal acts on instead of showing (Unicode `Cc`, `Bidi_Control`, `Zl`,
 * `Zp`): C0 controls (ESC starts a sequence that can move the cursor, rewrite earlier lines
 * or set the window title), DEL, C1 controls (U+009B is a one-character CSI), the
 * bidirectional embeddings, overrides and isolates that reorder what is shown (Trojan
 * Source, CVE-2021-42574), and the Unicode line and paragraph separators. Queue messages and
 * table items are written by others: none of these may reach the operator's terminal as
 * they are.
 */
const UNSAFE = /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]/gu;

/** The same set without the newline: a rendered report's own line breaks. */
const UNSAFE_BUT_NEWLINE = /(?!\n)[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]/gu;

const escaped = (char: string): string =>
  `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/**
 * Text safe to print on a terminal: each control or bidirectional-formatting character is
 * replaced by its visible `\uXXXX` escape, so a forged value shows what it hides instead of
 * acting on the screen. `keepNewlines` keeps `\n` (a whole rendered report); a single value
 * never keeps one, so it cannot fake a line of the report.
 *
 * @example
 * printable('Order#1\u202Egpj.exe'); // 'Order#1\\u202egpj.exe'
 * printable('a\nb'); // 'a\\u000ab'
 */
export function printable(text: string, options: { readonly keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines === true ? UNSAFE_BUT_NEWLINE : UNSAFE, escaped);
}

/**
 * JSON text safe to print on a terminal, and still the same JSON: `JSON.stringify` escapes
 * C0 controls inside strings but leaves DEL, C1 and the bidirectional characters raw; inside
 * a JSON string their `\uXXXX` escape is the same value. Outside strings there is only the
 * indentation's whitespace, whose newlines stay.
 *
 * @example
 * printableJson(JSON.stringify({ id: 'a\u202Eb' })); // '{"id":"a\\u202eb"}'
 */
export function printableJson(json: string): string {
  return json.replace(UNSAFE_BUT_NEWLINE, escaped);
}
