import { Token } from 'aws-cdk-lib';

/**
 * The largest SQS message, body and attributes together, since SQS raised it from 256 KiB in
 * 2025; every queue the construct creates on an event's way is set to it.
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * What delivery adds to a PutEvents entry, at most: the envelope EventBridge wraps around it
 * (version, id, account, 20-character time instead of 14 counted bytes, region, keys, quotes:
 * under 250 bytes; a detail-type of 128 characters that all need JSON escaping: 640 more) and
 * the attributes EventBridge adds to a message it dead-letters (rule and target ARNs, error
 * code and message, retry condition and count). AWS bounds neither the error message nor its
 * serialization of the event, so the margin is generous. See docs/construct.md, "Event sizes".
 */
export const DELIVERY_OVERHEAD_BYTES = 8_192;

/**
 * The largest PutEvents entry a writer of this outbox may accept: it fits one PutEvents request
 * (`maxRequestBytes`), and the event EventBridge delivers from it, dead-lettered or not, fits an
 * SQS message. An unresolved token passes through unchanged.
 *
 * @example
 * maxWriterEntryBytes(1_048_576); // 1,040,384
 */
export function maxWriterEntryBytes(maxRequestBytes: number): number {
  if (Token.isUnresolved(maxRequestBytes)) return maxRequestBytes;
  return Math.min(maxRequestBytes, SQS_MAX_MESSAGE_BYTES - DELIVERY_OVERHEAD_BYTES);
}
