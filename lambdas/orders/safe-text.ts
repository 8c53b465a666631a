/**
 * A character no id or free text of the Orders API may hold: the C0 and C1 controls (NUL,
 * tab, line breaks, ESC … U+0000–U+001F, U+007F–U+009F), the line and paragraph separators
 * (U+2028, U+2029), and the bidirectional formatting characters (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069), which reorder how text displays: a log line, a terminal or
 * an operator's screen would show something else than what is stored (Trojan Source,
 * CVE-2021-42574).
 */
export const UNSAFE_CHARACTER = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu');

/** True when the text holds a character of {@link UNSAFE_CHARACTER}. */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

/**
 * The text with each unsafe character replaced by U+FFFD, for echoing a client's input in
 * a problem's `detail` or a log line.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, '\uFFFD');
}
