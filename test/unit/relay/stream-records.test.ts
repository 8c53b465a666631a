import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeStreamEvent } from '../../../lambdas/relay/index.js';
import { recordsOf } from '../../helpers/relay-harness.js';
import {
  insertOf,
  modifyOf,
  removeOf,
  streamEvent,
  ttlRemoveOf,
} from '../../helpers/stream-events.js';

const [record] = recordsOf('o-1', [1]);
if (!record) throw new Error('no record');

/** Items of the table that are not outbox records, with legal numbers JS cannot hold. */
const foreignItems = {
  'an exponent beyond 2^53 (1.2345E+40)': NumberValue.from('1.2345E+40'),
  '38 significant digits': NumberValue.from('1234567890123456789012345678.9012345678'),
  'the largest DynamoDB number': NumberValue.from('9.9999999999999999999999999999999999999E+125'),
};

const decodeOne = (streamRecord: DynamoDBRecord) => {
  const [decoded] = decodeStreamEvent(streamEvent([streamRecord]));
  if (decoded === undefined) throw new Error('nothing decoded');
  return decoded;
};

describe('decodeStreamEvent', () => {
  it('decodes an outbox INSERT into the record, with its position, sequence number and creation time', () => {
    const streamRecord = insertOf(record, {
      sequenceNumber: '400000000000000000001',
      createdAtSeconds: 1_764_064_800,
    });

    const decoded = decodeOne(streamRecord);

    expect(decoded).toEqual({
      index: 0,
      sequenceNumber: '400000000000000000001',
      createdAtMs: 1_764_064_800_000,
      record,
    });
  });

  describe('before converting any attribute', () => {
    it.each(Object.entries(foreignItems))(
      'skips the INSERT of an item that is not ours holding %s',
      (_, huge) => {
        const foreign = { pk: 'Customer#1', sk: 'PROFILE', recordType: 'CUSTOMER', huge };

        const decoded = decodeOne(insertOf(foreign));

        expect(decoded).not.toHaveProperty('record');
        expect(decoded).not.toHaveProperty('malformed');
      },
    );

    it('skips an item without recordType holding 1.2345E+40', () => {
      const decoded = decodeOne(
        insertOf({ pk: 'x', sk: 'y', huge: NumberValue.from('1.2345E+40') }),
      );

      expect(decoded).toEqual({
        index: 0,
        sequenceNumber: expect.any(String),
        createdAtMs: expect.any(Number),
      });
    });

    it('skips an item whose recordType is OUTBOX but not a string attribute', () => {
      const decoded = decodeOne(
        insertOf({ ...record, recordType: new Set(['OUTBOX']) } as unknown as object),
      );

      expect(decoded).not.toHaveProperty('record');
      expect(decoded).not.toHaveProperty('malformed');
    });

    it.each<[string, DynamoDBRecord]>([
      ['a MODIFY (NEW_IMAGE)', modifyOf(record, { ...record, prevSeq: NumberValue.from('1E+40') })],
      [
        'a MODIFY (NEW_AND_OLD_IMAGES)',
        modifyOf(
          record,
          { ...record, prevSeq: NumberValue.from('1E+40') },
          {
            viewType: 'NEW_AND_OLD_IMAGES',
          },
        ),
      ],
      ['a REMOVE (keys only)', removeOf(record)],
      ['a TTL REMOVE (keys only)', ttlRemoveOf(record)],
      [
        'a TTL REMOVE with an old image',
        ttlRemoveOf({ ...record, prevSeq: NumberValue.from('1E+40') }, { viewType: 'OLD_IMAGE' }),
      ],
      ['an INSERT on a KEYS_ONLY stream', insertOf(record, { viewType: 'KEYS_ONLY' })],
    ])('skips %s of an outbox item without reading its image', (_, streamRecord) => {
      const decoded = decodeOne(streamRecord);

      expect(decoded).not.toHaveProperty('record');
      expect(decoded).not.toHaveProperty('malformed');
    });
  });

  describe('an outbox image that cannot be converted', () => {
    it.each([
      ['prevSeq', { prevSeq: NumberValue.from('12345678901234567890') }, '12345678901234567890'],
      ['a nested number', { extra: { n: NumberValue.from('1.2345E+40') } }, '1.2345E+40'],
    ])(
      'is malformed, not thrown, when %s is beyond 2^53, and keeps the digits',
      (_, change, digits) => {
        const decoded = decodeOne(insertOf({ ...record, ...change }));

        expect(decoded.record).toBeUndefined();
        expect(decoded.malformed?.reason).toContain(`number ${digits}`);
        expect(JSON.stringify(decoded.malformed?.image)).toContain(`"${digits}"`);
        expect(decoded.malformed?.image).toMatchObject({ pk: record.pk, sk: record.sk });
      },
    );

    it('is malformed, not thrown, when an attribute value is not one DynamoDB defines', () => {
      const streamRecord = insertOf(record);
      const newImage = { ...streamRecord.dynamodb?.NewImage, odd: { X: 'y' } };
      const odd = { ...streamRecord, dynamodb: { ...streamRecord.dynamodb, NewImage: newImage } };

      const decoded = decodeOne(odd as unknown as DynamoDBRecord);

      expect(decoded.record).toBeUndefined();
      expect(decoded.malformed?.reason).toMatch(/cannot be converted/);
    });
  });

  it.each([
    ['events is not a list', { events: 'nope' }, 'events must be a non-empty list'],
    ['the sort key is not a sequence', { sk: 'x' }, "sk 'x' is not a zero-padded sequence"],
    ['prevSeq is negative', { prevSeq: -1 }, 'prevSeq must be a non-negative integer'],
  ])('reports an outbox INSERT whose %s as malformed, with the reason', (_, change, reason) => {
    const decoded = decodeOne(insertOf({ ...record, ...change }));

    expect(decoded.malformed).toEqual({ image: { ...record, ...change }, reason });
  });
});
