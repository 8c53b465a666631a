import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeQuarantineMessage, MAX_INFLATED_BYTES } from '../../../cli/dlq-message.js';
import { anOutboxRecord } from '../../helpers/outbox-records.js';

/** A DLQ body in the relay's gzip+base64 form around `json`. */
const compressed = (json: Buffer | string) =>
  JSON.stringify({
    kind: 'dynamo-outbox.poison-record.gzip',
    encoding: 'gzip+base64',
    payload: gzipSync(json).toString('base64'),
  });

const FAILURE = { code: 'InvalidArgument', message: 'Parameter Detail is not valid.' };

describe('decodeQuarantineMessage', () => {
  it('reads the gzip form of a message as large as an outbox record can make it', () => {
    const record = anOutboxRecord({ aggregate: 'Order#big', detailBytes: 350_000 });
    const message = {
      kind: 'dynamo-outbox.poison-record',
      quarantinedAt: '2026-12-01T10:00:00.000Z',
      failure: FAILURE,
      acceptedEventIds: [],
      record,
    };

    const decoded = decodeQuarantineMessage(compressed(JSON.stringify(message)));

    expect(decoded).toMatchObject({ ok: true, message: { record: { pk: 'Order#big' } } });
  });

  it('fails if the gzip payload inflates beyond any outbox record, without inflating it all', () => {
    // 64 MiB of spaces gzip to about 64 KB: a bomb that fits an SQS message.
    const bomb = compressed(Buffer.alloc(64 * 1024 * 1024, 0x20));

    const decoded = decodeQuarantineMessage(bomb);

    expect(decoded).toEqual({
      ok: false,
      reason: `the body is not a quarantine message: its gzip payload inflates beyond ${MAX_INFLATED_BYTES} bytes, more than any outbox record (at most 409600 bytes as an item): not written by the relay`,
    });
  });
});
