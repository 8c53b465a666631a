import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboxValidationError } from '../../../lambdas/outbox/errors.js';
import { isPlainObject, type OutboxEventInput } from '../../../lambdas/outbox/event-input.js';
import { formatSeq } from '../../../lambdas/outbox/index.js';
import type { OutboxWriteInput } from '../../../lambdas/outbox/write-input.js';
import {
  aCreateInput,
  anEvent,
  anUpdateInput,
  aWriter,
  ORDER_ID,
  parseEnvelope,
  sequentialIds,
  unchecked,
} from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddbMock.reset();
});

/**
 * -0 is the one JSON number that does not survive a round trip (JSON.stringify writes 0),
 * and fc.jsonValue generates it; the writer accepts it like JSON does, so replace it here.
 */
const withoutNegativeZero = (value: unknown): unknown => {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, element]) => [key, withoutNegativeZero(element)]),
    );
  }
  return value;
};

/** Any JSON object: fc.jsonValue, wrapped into an object when it is not one. */
const jsonObject: fc.Arbitrary<Record<string, unknown>> = fc
  .jsonValue({ maxDepth: 4 })
  .map(withoutNegativeZero)
  .map((value) => (isPlainObject(value) ? value : { value }));

const validEvent: fc.Arbitrary<OutboxEventInput> = fc.record(
  {
    source: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !s.startsWith('aws.')),
    detailType: fc.string({ minLength: 1, maxLength: 128 }),
    detail: jsonObject,
    correlationId: fc.string({ minLength: 1, maxLength: 20 }),
    causationId: fc.string({ minLength: 1, maxLength: 20 }),
  },
  { requiredKeys: ['source', 'detailType', 'detail'] },
);

describe('OutboxWriter.prepare, for any valid events', () => {
  it('builds a record with contiguous sequences after prevSeq and Details that round-trip', () => {
    fc.assert(
      fc.property(
        fc.array(validEvent, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (events, prevSeq, expectedVersion) => {
          const writer = aWriter({ newEventId: sequentialIds() });
          const n = events.length;

          const { record, command, version } = writer.prepare(
            anUpdateInput({ entity: { lastEventSeq: prevSeq, expectedVersion }, events }),
          );

          expect(record.prevSeq).toBe(prevSeq);
          expect(record.sk).toBe(formatSeq(prevSeq + n));
          expect(record.eventCount).toBe(n);
          expect(record.events.map((e) => e.sequence)).toStrictEqual(
            Array.from({ length: n }, (_, i) => prevSeq + i + 1),
          );
          expect(new Set(record.events.map((e) => e.eventId)).size).toBe(n);
          expect(version).toBe(expectedVersion + 1);
          expect(command.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({
            ':lastEventSeq': prevSeq + n,
            ':version': expectedVersion + 1,
          });
          record.events.forEach((stored, i) => {
            const input = events[i];
            const envelope = parseEnvelope(stored.detail);
            expect(envelope.data).toEqual(input?.detail);
            expect(envelope).toMatchObject({
              eventId: stored.eventId,
              aggregateType: 'Order',
              aggregateId: ORDER_ID,
              sequence: stored.sequence,
              occurredAt: stored.time,
            });
            expect(envelope.metadata).toStrictEqual({
              ...(input?.correlationId === undefined ? {} : { correlationId: input.correlationId }),
              ...(input?.causationId === undefined ? {} : { causationId: input.causationId }),
            });
            expect(stored.source).toBe(input?.source);
            expect(stored.detailType).toBe(input?.detailType);
          });
        },
      ),
    );
  });
});

/** Breaks, or maybe not, one part of an otherwise valid input. */
const mutatedInput: fc.Arbitrary<OutboxWriteInput> = fc.oneof(
  fc
    .string({ maxLength: 140 })
    .map((detailType) => aCreateInput({ events: [anEvent({ detailType })] })),
  fc.string({ maxLength: 8 }).map((source) => aCreateInput({ events: [anEvent({ source })] })),
  fc
    .anything({ withBigInt: true, withDate: true, withMap: true, withSet: true })
    .map((detail) => aCreateInput({ events: [anEvent({ detail: unchecked(detail) })] })),
  fc.array(fc.constant(anEvent()), { maxLength: 2 }).map((events) => aCreateInput({ events })),
  fc
    .tuple(fc.string({ maxLength: 70 }), fc.string({ maxLength: 3 }))
    .map(([type, id]) => aCreateInput({ aggregate: { type, id } })),
  fc
    .string({ unit: 'binary', maxLength: 260 })
    .map((key) => aCreateInput({ idempotency: { key, request: {}, response: {} } })),
  fc
    .oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: false }))
    .map((expectedVersion) => anUpdateInput({ entity: { expectedVersion } })),
  fc
    .constantFrom('version', 'lastEventSeq', 'id', 'status')
    .map((name) => anUpdateInput({ entity: { set: { [name]: 1 } } })),
  fc
    .constantFrom('version', 'lastEventSeq', 'id', 'note')
    .map((name) => anUpdateInput({ entity: { remove: [name] } })),
  fc.integer({ min: 95, max: 101 }).map((n) =>
    aCreateInput({
      additionalItems: Array.from({ length: n }, (_, i) => ({
        ConditionCheck: {
          TableName: 't',
          Key: { id: `${i}` },
          ConditionExpression: 'attribute_exists(id)',
        },
      })),
    }),
  ),
  fc
    .string({ minLength: 1, maxLength: 10 })
    .map((extra) => unchecked({ ...aCreateInput(), [extra]: true })),
);

describe('OutboxWriter.write, for any input', () => {
  it('makes no DynamoDB call when prepare rejects the input, and exactly one otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedInput, async (input) => {
        ddbMock.reset();
        ddbMock.on(TransactWriteCommand).resolves({});
        let rejected: unknown;
        try {
          aWriter().prepare(input);
        } catch (error) {
          rejected = error;
        }
        if (rejected !== undefined) expect(rejected).toBeInstanceOf(OutboxValidationError);

        const outcome = await aWriter()
          .write(input)
          .then(
            () => 'committed',
            (error: unknown) => error,
          );

        if (rejected === undefined) {
          expect(outcome).toBe('committed');
          expect(ddbMock.calls()).toHaveLength(1);
        } else {
          expect(outcome).toBeInstanceOf(OutboxValidationError);
          expect(ddbMock.calls()).toHaveLength(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
