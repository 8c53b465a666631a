import { createHash } from 'node:crypto';

/** A message attribute as SQS takes it (binary values stay base64, as sent). */
export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: string | undefined;
}

/** MD5 of a message body (UTF-8), hex, as SQS computes `MD5OfMessageBody`. */
export function sqsBodyMd5(body: string): string {
  return md5Hex(Buffer.from(body, 'utf8'));
}

/**
 * MD5 of message attributes as SQS computes `MD5OfMessageAttributes`: attributes sorted
 * by name; each as name, data type (both length-prefixed), a transport byte (1 string,
 * 2 binary) and the length-prefixed value. Lengths are 4-byte big-endian.
 */
export function sqsMessageAttributesMd5(
  attributes: Readonly<Record<string, SqsMessageAttribute>>,
): string {
  const parts: Buffer[] = [];
  const withLength = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    parts.push(length, value);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.StringValue !== undefined) {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue, 'utf8'));
    } else if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue, 'base64'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
