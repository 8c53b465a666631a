import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import {
  MAX_ITEM_BYTES,
  type OutboxRecord,
  type QuarantineMessage,
} from '../lambdas/outbox/index.js';

const SEQ = /^\d{1,16}$/;

/**
 * The most a compressed DLQ message may inflate to. The relay compresses one outbox record,
 * a DynamoDB item of at most 400 KB, as JSON: even with every character escaped (`\uXXXX`,
 * six bytes) that stays under 2.4 MiB. A payload that inflates further was not written by
 * the relay (a gzip bomb of a few KB inflates to gigabytes), and is refused before it can
 * exhaust memory.
 */
export const MAX_INFLATED_BYTES = 6 * MAX_ITEM_BYTES + 64 * 1024;

const storedEventSchema = z.looseObject({
  eventId: z.string().min(1),
  sequence: z.number().int().nonnegative(),
  source: z.string(),
  detailType: z.string(),
  detail: z.string(),
  time: z.string(),
  resources: z.array(z.string()).optional(),
  traceHeader: z.string().optional(),
});

const quarantineMessageSchema = z.looseObject({
  kind: z.literal('dynamo-outbox.poison-record'),
  quarantinedAt: z.string(),
  failure: z.looseObject({ code: z.string(), message: z.string() }),
  acceptedEventIds: z.array(z.string()),
  record: z.looseObject({
    pk: z.string({ error: 'the record has no key (pk)' }).min(1),
    sk: z.string({ error: 'the record has no sort key (sk)' }).regex(SEQ, 'sk is not a sequence'),
    prevSeq: z.number().int().nonnegative(),
    events: z.array(storedEventSchema).min(1, 'the record has no events'),
    pendingShard: z.number().int().nonnegative().optional(),
  }),
});

const compressedSchema = z.looseObject({
  kind: z.literal('dynamo-outbox.poison-record.gzip'),
  encoding: z.literal('gzip+base64'),
  payload: z.string(),
});

/** The gzip payload, inflated to at most {@link MAX_INFLATED_BYTES}. */
function inflate(payload: string): string {
  try {
    return gunzipSync(Buffer.from(payload, 'base64'), {
      maxOutputLength: MAX_INFLATED_BYTES,
    }).toString();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
    throw new Error(
      `its gzip payload inflates beyond ${MAX_INFLATED_BYTES} bytes, more than any outbox record (at most ${MAX_ITEM_BYTES} bytes as an item): not written by the relay`,
      { cause: error },
    );
  }
}

/** A DLQ message body, read: the quarantined record, or why it cannot be redriven. */
export type DecodedDlqMessage =
  | { readonly ok: true; readonly message: QuarantineMessage }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads a DLQ message body as the relay writes it (`Quarantine.send`): a
 * `QuarantineMessage`, or its gzip+base64 form when it was too large for SQS.
 *
 * @example
 * const decoded = decodeQuarantineMessage(message.Body);
 * if (decoded.ok) decoded.message.record.events;
 */
export function decodeQuarantineMessage(body: string | undefined): DecodedDlqMessage {
  if (body === undefined || body === '') return { ok: false, reason: 'the message has no body' };
  let value: unknown;
  try {
    value = JSON.parse(body);
    const compressed = compressedSchema.safeParse(value);
    if (compressed.success) value = JSON.parse(inflate(compressed.data.payload));
  } catch (error) {
    return {
      ok: false,
      reason: `the body is not a quarantine message: ${(error as Error).message}`,
    };
  }
  const parsed = quarantineMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    return {
      ok: false,
      reason: `not a redrivable quarantine message (${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'})`,
    };
  }
  return {
    ok: true,
    message: { ...parsed.data, record: parsed.data.record as unknown as OutboxRecord },
  };
}
