/**
 * Per-aggregate sequences as outbox sort keys: zero-padded, so that keys sort like the
 * numbers they hold.
 */

/**
 * Width of a zero-padded sequence: wide enough for every safe integer, so keys sort numerically.
 * @internal
 */
export const SEQ_WIDTH = 16;
/**
 * Largest sequence: the largest integer a JavaScript number holds exactly (16 digits).
 * @internal
 */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * Formats a per-aggregate sequence as an outbox sort key.
 * @internal
 */
export function formatSeq(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) {
    throw new RangeError(`sequence must be an integer in 0..${MAX_SEQ}, got ${seq}`);
  }
  return seq.toString().padStart(SEQ_WIDTH, '0');
}

/**
 * Parses an outbox sort key back to its sequence.
 * @internal
 */
export function parseSeq(sk: string): number {
  const seq = sequenceOf(sk);
  if (seq === undefined) throw new RangeError(`not an outbox sequence: '${sk}'`);
  return seq;
}

/**
 * The sequence an outbox sort key holds, or undefined for anything else (a malformed
 * image's key may be of any type).
 * @internal
 */
export function sequenceOf(sk: unknown): number | undefined {
  const seq = typeof sk === 'string' && /^\d{1,16}$/.test(sk) ? Number(sk) : Number.NaN;
  return Number.isSafeInteger(seq) ? seq : undefined;
}
