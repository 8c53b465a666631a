import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toHttpRequest } from '../../../lambdas/orders/http/api-gateway-event.js';
import { HttpError } from '../../../lambdas/orders/http/problem.js';
import {
  MAX_BODY_BYTES,
  parseIfMatch,
  parseJsonBody,
} from '../../../lambdas/orders/http/request.js';
import { apiEvent } from '../../helpers/api-events.js';

const schema = z.strictObject({ a: z.number() });
const withHeaders = (headers: Record<string, string>, body?: string, isBase64Encoded = false) =>
  toHttpRequest(
    apiEvent({ method: 'POST', resource: '/x', body, headers, isBase64Encoded }),
    'lambda-request-id',
  );
const statusOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof HttpError ? error.status : -1;
  }
};

describe('parseJsonBody', () => {
  it('accepts application/json with a UTF-8 charset and +json media types', () => {
    for (const type of [
      'application/json',
      'Application/JSON; charset=UTF-8',
      'application/merge-patch+json',
    ]) {
      expect(
        parseJsonBody(withHeaders({ 'content-type': type }, '{"a":1}'), schema, { required: true })
          .value,
      ).toEqual({ a: 1 });
    }
  });

  it('decodes a base64-encoded body', () => {
    const event = withHeaders(
      { 'content-type': 'application/json' },
      Buffer.from('{"a":2}').toString('base64'),
      true,
    );

    expect(parseJsonBody(event, schema, { required: true }).value).toEqual({ a: 2 });
  });

  it('returns the JSON as sent next to the validated value', () => {
    const parsed = parseJsonBody(
      withHeaders({ 'content-type': 'application/json' }, '{"a":3}'),
      schema,
      { required: true },
    );

    expect(parsed.raw).toEqual({ a: 3 });
  });

  it('fails with 413 one byte over the limit, and accepts exactly the limit', () => {
    const padded = (n: number) => `{"a":1${' '.repeat(n - 7)}}`;
    expect(
      statusOf(() =>
        parseJsonBody(
          withHeaders({ 'content-type': 'application/json' }, padded(MAX_BODY_BYTES)),
          schema,
          { required: true },
        ),
      ),
    ).toBeUndefined();
    expect(
      statusOf(() =>
        parseJsonBody(
          withHeaders({ 'content-type': 'application/json' }, padded(MAX_BODY_BYTES + 1)),
          schema,
          { required: true },
        ),
      ),
    ).toBe(413);
  });

  it('fails with 400 if the bytes are not UTF-8', () => {
    const event = withHeaders(
      { 'content-type': 'application/json' },
      Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'),
      true,
    );

    expect(statusOf(() => parseJsonBody(event, schema, { required: true }))).toBe(400);
  });

  it('treats an absent optional body as {}', () => {
    expect(parseJsonBody(withHeaders({}), z.strictObject({}), { required: false }).value).toEqual(
      {},
    );
  });
});

describe('parseIfMatch', () => {
  const ifMatch = (value: string) => parseIfMatch(withHeaders({ 'if-match': value }));

  it('reads *, one tag, and a list of tags', () => {
    expect(ifMatch('*')).toBe('*');
    expect(ifMatch('"4"')).toEqual([4]);
    expect(ifMatch('"4", "5"')).toEqual([4, 5]);
  });

  it('never matches a weak tag or a tag that is not a version', () => {
    expect(ifMatch('W/"4"')).toEqual([]);
    expect(ifMatch('"abc"')).toEqual([]);
  });

  it('fails with 400 if a tag is not quoted', () => {
    expect(statusOf(() => ifMatch('4'))).toBe(400);
  });

  it('is undefined when absent', () => {
    expect(parseIfMatch(withHeaders({}))).toBeUndefined();
  });
});
