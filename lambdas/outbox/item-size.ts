/**
 * Size of a DynamoDB item by the rules DynamoDB documents ("Item sizes and formats"):
 * attribute names and strings count their UTF-8 bytes; a number one byte per two
 * significant digits plus one; binary its length; booleans and null one byte; a list or
 * map 3 bytes plus its contents (map keys count like names). On top of the documented
 * rules it counts one byte per list or map element, an overhead DynamoDB applies but
 * does not document, so the estimate errs on the safe side of the limits.
 *
 * Used to reject an outbox record above the 400 KB item limit before the call, and by the
 * benchmarks to compute write units.
 * @internal
 */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const member of value) size += valueSize(member);
    return size;
  }
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) size += 1 + valueSize(element ?? null);
    return size;
  }
  if (typeof value === 'object') {
    let size = 3;
    for (const [key, element] of Object.entries(value)) {
      if (element === undefined) continue;
      size += 1 + Buffer.byteLength(key, 'utf8') + valueSize(element);
    }
    return size;
  }
  throw new TypeError(`not a DynamoDB value: ${typeof value}`);
}

function numberSize(value: number | bigint): number {
  // Significant digits: drop sign, decimal point, exponent and leading/trailing zeros.
  const text = typeof value === 'bigint' ? value.toString() : toPlainDigits(value);
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function toPlainDigits(value: number): string {
  const text = String(value);
  const exponent = text.indexOf('e');
  return exponent === -1 ? text : text.slice(0, exponent);
}
