import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullJitterDelay,
  putEventsEntrySize,
  type StoredEvent,
} from '../../../lambdas/outbox/index.js';
import {
  classifyEntryError,
  classifyRequestError,
  type PublishFailureKind,
} from '../../../lambdas/outbox/publish-errors.js';
import { storedEventSize, toPutEventsEntry } from '../../../lambdas/outbox/put-events-entry.js';
import { type PutEventsHttpAnswer, putEventsErrorFor } from '../../helpers/event-bridge-errors.js';
import { FIXED_NOW_ISO } from '../../helpers/outbox-fixtures.js';
import { anOutboxRecord } from '../../helpers/outbox-records.js';

/** An error as the SDK raises it for a failed request. */
function requestError(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(`${name} (simulated)`), {
    name,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
  });
}

function firstEvent(overrides: Parameters<typeof anOutboxRecord>[0] = {}): StoredEvent {
  const event = anOutboxRecord(overrides).events[0];
  if (event === undefined) throw new Error('the record has no event');
  return event;
}

/** The ErrorCode list of the PutEventsResultEntry API reference, as it classifies them. */
const DOCUMENTED_ENTRY_CODES: readonly [string, PublishFailureKind][] = [
  ['InternalFailure', 'retryable'],
  ['ThrottlingException', 'retryable'],
  ['AccessDeniedException', 'configuration'],
  ['InvalidAccountIdException', 'configuration'],
  ['InvalidArgument', 'poison'],
  ['MalformedDetail', 'poison'],
  ['RedactionFailure', 'poison'],
  ['NotAuthorizedForSourceException', 'configuration'],
  ['NotAuthorizedForDetailTypeException', 'configuration'],
];

describe('classifyEntryError', () => {
  it.each(DOCUMENTED_ENTRY_CODES)('classifies the documented code %s as %s', (code, kind) => {
    expect(classifyEntryError(code)).toBe(kind);
  });

  it.each<[string, PublishFailureKind]>([
    ['ValidationException', 'poison'],
    ['NotAuthorizedForSomethingNew', 'configuration'],
    ['MissingResultEntry', 'retryable'],
    ['SomethingNobodyDocumented', 'unknown'],
    ['', 'unknown'],
  ])('classifies %s as %s', (code, kind) => {
    expect(classifyEntryError(code)).toBe(kind);
  });

  it('fails if a code AWS does not document is treated as transient: it would be retried forever', () => {
    const known = new Set([
      ...DOCUMENTED_ENTRY_CODES.map(([code]) => code),
      'ValidationException',
      'MissingResultEntry',
    ]);
    fc.assert(
      fc.property(
        fc.string().filter((code) => !known.has(code) && !code.startsWith('NotAuthorized')),
        (code) => {
          expect(classifyEntryError(code)).toBe('unknown');
        },
      ),
    );
  });
});

describe('classifyRequestError', () => {
  it.each<[string, Error, PublishFailureKind]>([
    ['ThrottlingException', requestError('ThrottlingException', 400), 'retryable'],
    ['InternalException (500)', requestError('InternalException', 500), 'retryable'],
    ['ServiceUnavailable (503)', requestError('ServiceUnavailable', 503), 'retryable'],
    ['a 5xx ValidationException', requestError('ValidationException', 500), 'retryable'],
    ['a network error', new Error('socket hang up'), 'retryable'],
    ['TimeoutError', requestError('TimeoutError'), 'retryable'],
    ['AccessDeniedException', requestError('AccessDeniedException', 400), 'configuration'],
    [
      'NotAuthorizedForSourceException',
      requestError('NotAuthorizedForSourceException', 400),
      'configuration',
    ],
    ['ResourceNotFoundException', requestError('ResourceNotFoundException', 400), 'configuration'],
    [
      'UnrecognizedClientException',
      requestError('UnrecognizedClientException', 400),
      'configuration',
    ],
    ['ValidationException (400)', requestError('ValidationException', 400), 'poison'],
    ['ValidationException without a status', requestError('ValidationException'), 'poison'],
    ['InvalidArgument (400)', requestError('InvalidArgument', 400), 'poison'],
    ['a 429', requestError('TooManyRequestsException', 429), 'retryable'],
  ])('classifies %s as %s', (_, error, kind) => {
    expect(classifyRequestError(error)).toBe(kind);
  });

  describe('on the errors SDK v3 builds from the HTTP answer', () => {
    it.each<[string, PublishFailureKind, PutEventsHttpAnswer]>([
      ['a 413 with an empty body', 'tooLarge', { statusCode: 413 }],
      [
        'a 413 with a JSON body',
        'tooLarge',
        { statusCode: 413, body: '{"__type":"ValidationException","message":"too big"}' },
      ],
      [
        'the request-size ValidationException',
        'tooLarge',
        {
          statusCode: 400,
          body: '{"__type":"ValidationException","message":"Total size of the entries in the request is over the limit."}',
        },
      ],
      [
        'another ValidationException',
        'poison',
        { statusCode: 400, body: '{"__type":"ValidationException","message":"Detail is bad"}' },
      ],
      [
        'ThrottlingException',
        'retryable',
        { statusCode: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' },
      ],
      ['a 500 with an empty body', 'retryable', { statusCode: 500 }],
      ['a 503 with an empty body', 'retryable', { statusCode: 503 }],
      [
        'InvalidAccountIdException',
        'configuration',
        { statusCode: 400, body: '{"__type":"InvalidAccountIdException","message":"bad"}' },
      ],
      [
        'AccessDeniedException',
        'configuration',
        { statusCode: 400, body: '{"__type":"AccessDeniedException","message":"no"}' },
      ],
      ['a 400 with an empty body', 'configuration', { statusCode: 400 }],
      ['a 403 with an empty body', 'configuration', { statusCode: 403 }],
    ])('classifies %s as %s', async (_, kind, answer) => {
      const error = await putEventsErrorFor(answer);

      expect(classifyRequestError(error)).toBe(kind);
    });

    it('sees the empty-bodied 413 the way SDK v3 reports it: Unknown, a client fault', async () => {
      const error = await putEventsErrorFor({ statusCode: 413 });

      expect(error).toMatchObject({
        name: 'Unknown',
        $fault: 'client',
        $metadata: { httpStatusCode: 413 },
      });
    });
  });

  it.each([undefined, null, 'boom', 42, {}])('retries a non-error value %s', (value) => {
    expect(classifyRequestError(value)).toBe('retryable');
  });
});

describe('fullJitterDelay', () => {
  it('is uniformly spread over [0, base × 2^(attempt − 1)]', () => {
    expect(fullJitterDelay(1, { baseDelayMs: 100, random: () => 0 })).toBe(0);
    expect(fullJitterDelay(1, { baseDelayMs: 100, random: () => 0.5 })).toBe(50);
    expect(fullJitterDelay(3, { baseDelayMs: 100, random: () => 0.5 })).toBe(200);
    expect(fullJitterDelay(3, { baseDelayMs: 100, random: () => 0.999_999 })).toBe(399);
  });

  it('is capped by maxDelayMs', () => {
    expect(fullJitterDelay(20, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 })).toBe(
      500,
    );
  });

  it('defaults to a 50 ms base and a 2 s cap', () => {
    expect(fullJitterDelay(1, { random: () => 0.999_999 })).toBe(49);
    expect(fullJitterDelay(30, { random: () => 0.999_999 })).toBe(1_999);
  });

  it('stays within [0, min(max, base·2^(n−1))] for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, r) => {
          const delay = fullJitterDelay(attempt, { baseDelayMs, maxDelayMs, random: () => r });

          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
        },
      ),
    );
  });
});

describe('toPutEventsEntry', () => {
  it('maps Source, DetailType, the Detail verbatim, the bus and Time as a Date', () => {
    const event = firstEvent({ aggregate: 'Order#1', time: '2026-11-24T08:30:00.123Z' });

    const entry = toPutEventsEntry(event, 'orders-bus');

    expect(entry).toStrictEqual({
      Source: 'com.example.orders',
      DetailType: 'OrderChanged',
      Detail: event.detail,
      EventBusName: 'orders-bus',
      Time: new Date('2026-11-24T08:30:00.123Z'),
    });
    expect(entry.Detail).toBe(event.detail);
    expect(entry.Time?.toISOString()).toBe('2026-11-24T08:30:00.123Z');
  });

  it('omits Resources and TraceHeader when the event has none', () => {
    const entry = toPutEventsEntry(firstEvent(), 'orders-bus');

    expect(entry).not.toHaveProperty('Resources');
    expect(entry).not.toHaveProperty('TraceHeader');
  });

  it('adds Resources and TraceHeader when present, copying the resources', () => {
    const resources = ['arn:aws:dynamodb:us-east-1:1:table/orders', 'arn:aws:s3:::b'];
    const event = firstEvent({ resources, traceHeader: 'Root=1-5759e988-bd862e3fe1be46a9' });

    const entry = toPutEventsEntry(event, 'orders-bus');

    expect(entry.Resources).toEqual(resources);
    expect(entry.Resources).not.toBe(event.resources);
    expect(entry.TraceHeader).toBe('Root=1-5759e988-bd862e3fe1be46a9');
  });
});

describe('storedEventSize', () => {
  it('is the documented entry size of the event: 14 for Time plus Source, DetailType, Detail and Resources', () => {
    const event = firstEvent({
      detailBytes: 1_000,
      resources: ['arn:aws:s3:::bucket'],
      traceHeader: 'Root=1-not-counted',
      time: FIXED_NOW_ISO,
    });

    expect(storedEventSize(event)).toBe(
      14 +
        'com.example.orders'.length +
        'OrderChanged'.length +
        1_000 +
        'arn:aws:s3:::bucket'.length,
    );
  });

  it('equals the size of the entry it is published as', () => {
    const event = firstEvent({ detailBytes: 777, resources: ['r1', 'r22'] });

    expect(storedEventSize(event)).toBe(putEventsEntrySize(toPutEventsEntry(event, 'any-bus')));
  });

  it('counts UTF-8 bytes, not characters', () => {
    const ascii = firstEvent({ source: 'src' });
    const accented = firstEvent({ source: 'srç' });

    expect(storedEventSize(accented) - storedEventSize(ascii)).toBe(1);
  });
});
