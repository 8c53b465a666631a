import { describe, expect, it } from 'vitest';
import { OrdersConfigError } from '../../../lambdas/orders/config.js';
import { toHttpRequest } from '../../../lambdas/orders/http/api-gateway-event.js';
import {
  apiEvent,
  cognitoIdentityPoolCaller,
  httpApiEvent,
  iamCaller,
  jwtCaller,
  lambdaAuthorizerCaller,
  PAYLOAD_FORMAT_CASES,
  type TestCaller,
  USER_POOL_ISSUER,
} from '../../helpers/api-events.js';
import { ORDER_ID } from '../../helpers/orders-fixtures.js';

const LAMBDA_REQUEST_ID = 'lambda-request-id';
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const shipRequest = {
  method: 'POST',
  resource: '/orders/{id}/ship',
  pathParameters: { id: ORDER_ID },
  headers: { 'Idempotency-Key': 'k-1' },
  body: { note: 'x' },
  userArn: ALICE,
} as const;
/** What both payload formats of {@link shipRequest} read as. */
const shipNormalized = {
  method: 'POST',
  route: '/orders/{id}/ship',
  headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
  cookies: [],
  pathParameters: { id: ORDER_ID },
  body: '{"note":"x"}',
  isBase64Encoded: false,
  requestId: 'apigw-request-id',
  correlationId: 'apigw-request-id',
  caller: `iam:${ALICE}`,
};
const configErrorOf = (event: unknown): OrdersConfigError => {
  try {
    toHttpRequest(event, LAMBDA_REQUEST_ID);
  } catch (error) {
    if (error instanceof OrdersConfigError) return error;
    throw error;
  }
  throw new Error('expected an OrdersConfigError');
};

describe('toHttpRequest', () => {
  it('reads a REST API (payload 1.0) event: route from resource, caller from requestContext.identity', () => {
    const event = apiEvent(shipRequest);

    const request = toHttpRequest(event, LAMBDA_REQUEST_ID);

    expect(request).toEqual({
      ...shipNormalized,
      path: `/orders/${ORDER_ID}/ship`,
      clientPath: `/prod/orders/${ORDER_ID}/ship`,
    });
  });

  it('reads an HTTP API (payload 2.0) event: route from routeKey, caller from requestContext.authorizer.iam', () => {
    const event = httpApiEvent(shipRequest);

    const request = toHttpRequest(event, LAMBDA_REQUEST_ID);

    expect(request).toEqual({
      ...shipNormalized,
      path: `/orders/${ORDER_ID}/ship`,
      clientPath: `/orders/${ORDER_ID}/ship`,
    });
  });

  it('reads an HTTP API payload 1.0 event, which says version 1.0', () => {
    const event = { ...apiEvent(shipRequest), version: '1.0' };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID)).toMatchObject({
      route: '/orders/{id}/ship',
      caller: `iam:${ALICE}`,
    });
  });

  it('takes the route of an ANY route key, and the method from the request', () => {
    const event = {
      ...httpApiEvent({ ...shipRequest, method: 'POST' }),
      routeKey: 'ANY /orders/{id}/ship',
    };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID)).toMatchObject({
      method: 'POST',
      route: '/orders/{id}/ship',
    });
  });

  it('joins a repeated header with commas in both formats, as payload 2.0 sends it', () => {
    const v1 = {
      ...apiEvent({ resource: '/orders' }),
      headers: { 'X-Tag': 'b' },
      multiValueHeaders: { 'X-Tag': ['a', 'b'] },
    };
    const v2 = { ...httpApiEvent({ resource: '/orders' }), headers: { 'x-tag': 'a,b' } };

    expect(toHttpRequest(v1, LAMBDA_REQUEST_ID).headers).toEqual({ 'x-tag': 'a,b' });
    expect(toHttpRequest(v2, LAMBDA_REQUEST_ID).headers).toEqual({ 'x-tag': 'a,b' });
  });

  it('lower-cases header names, merging names that differ only in case', () => {
    const event = {
      ...apiEvent({ resource: '/orders' }),
      multiValueHeaders: { 'Content-Type': ['application/json'], 'content-type': ['text/plain'] },
    };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).headers).toEqual({
      'content-type': 'application/json,text/plain',
    });
  });

  it('lets a header named __proto__ change no prototype', () => {
    const event = {
      ...httpApiEvent({ resource: '/orders' }),
      headers: JSON.parse('{"__proto__":{"polluted":"yes"},"accept":"*/*"}') as Record<
        string,
        string
      >,
    };

    const { headers } = toHttpRequest(event, LAMBDA_REQUEST_ID);

    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(headers).not.toHaveProperty('polluted');
    expect(headers.accept).toBe('*/*');
  });

  it('takes the cookies out of the headers: 2.0 cookies as sent, the 1.0 Cookie header split', () => {
    const request = { resource: '/orders', cookies: ['a=1', 'b=2'] };

    for (const event of [apiEvent(request), httpApiEvent(request)]) {
      const normalized = toHttpRequest(event, LAMBDA_REQUEST_ID);
      expect(normalized.cookies).toEqual(['a=1', 'b=2']);
      expect(normalized.headers).not.toHaveProperty('cookie');
    }
  });

  it('falls back to the Lambda request id when API Gateway sent none', () => {
    const base = apiEvent({ resource: '/orders' });
    const event = { ...base, requestContext: { ...base.requestContext, requestId: '' } };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID)).toMatchObject({
      requestId: undefined,
      correlationId: LAMBDA_REQUEST_ID,
    });
  });

  it('reads null body and headers of a REST test invocation as none', () => {
    const event = { ...apiEvent({ resource: '/orders' }), headers: null, multiValueHeaders: null };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID)).toMatchObject({ headers: {}, body: undefined });
  });

  describe('fails with a configuration error', () => {
    it('fails if the HTTP API route key is $default (a catch-all route or a function URL)', () => {
      const event = { ...httpApiEvent(shipRequest), routeKey: '$default' };

      expect(configErrorOf(event).message).toContain("route key '$default' names no route");
    });

    it.each([
      ['an SQS batch', { Records: [{ body: '{}' }] }, 'payload format 1.0', 'resource'],
      [
        'an Application Load Balancer request',
        {
          requestContext: { elb: { targetGroupArn: 'arn' } },
          httpMethod: 'POST',
          path: '/orders',
          headers: {},
          body: '',
          isBase64Encoded: false,
        },
        'payload format 1.0',
        'resource',
      ],
      [
        'a 2.0 event without requestContext.http',
        { ...httpApiEvent(shipRequest), requestContext: { requestId: 'r' } },
        'payload format 2.0',
        'requestContext.http',
      ],
      [
        'an unknown payload version',
        { ...apiEvent(shipRequest), version: '3.0' },
        'payload format 1.0',
        'version',
      ],
      ['null', null, 'payload format 1.0', 'event'],
    ])('fails if the event is %s', (_, event, format, field) => {
      const error = configErrorOf(event);

      expect(error.message).toContain(`not an API Gateway proxy event of ${format}`);
      expect(error.message).toContain(field);
    });
  });
});

describe.each(PAYLOAD_FORMAT_CASES)('the caller of a %s event', (_, format) => {
  const callerOf = (caller?: TestCaller): string | undefined =>
    toHttpRequest(
      format.event({ resource: '/orders', ...(caller && { caller }) }),
      LAMBDA_REQUEST_ID,
    ).caller;

  it('is the IAM user or role ARN, as iam:<arn>', () => {
    expect(callerOf(iamCaller(ALICE))).toBe(`iam:${ALICE}`);
  });

  it('is the Cognito identity, not the role session every user of the identity pool shares', () => {
    const first = callerOf(
      cognitoIdentityPoolCaller('us-east-1:11111111-aaaa-4bbb-8ccc-000000000001'),
    );
    const second = callerOf(
      cognitoIdentityPoolCaller('us-east-1:11111111-aaaa-4bbb-8ccc-000000000002'),
    );

    expect(first).toBe(
      'cognito-identity:us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce|us-east-1:11111111-aaaa-4bbb-8ccc-000000000001',
    );
    expect(second).not.toBe(first);
  });

  it('is the issuer and subject of a Cognito user pool or JWT authorizer, as jwt:<iss>|<sub>', () => {
    expect(callerOf(jwtCaller('user-1'))).toBe(`jwt:${USER_POOL_ISSUER}|user-1`);
  });

  it('tells apart the same subject of two issuers', () => {
    expect(callerOf(jwtCaller('user-1', 'https://a.example'))).not.toBe(
      callerOf(jwtCaller('user-1', 'https://b.example')),
    );
  });

  it('tells apart issuer/subject pairs that would read alike joined by |', () => {
    const one = callerOf(jwtCaller('b|c', 'https://a.example/'));
    const other = callerOf(jwtCaller('c', 'https://a.example/|b'));

    expect(one).toBe('jwt:https://a.example/|b|c');
    expect(other).toBe('jwt:https://a.example/%7Cb|c');
  });

  it("is a Lambda authorizer's principal, as lambda:<principalId>", () => {
    expect(callerOf(lambdaAuthorizerCaller('tenant-1/user-9'))).toBe('lambda:tenant-1/user-9');
  });

  it('never names a caller of one kind like a caller of another', () => {
    const callers = [
      callerOf(iamCaller(ALICE)),
      callerOf(lambdaAuthorizerCaller(ALICE)),
      callerOf(lambdaAuthorizerCaller(`iam:${ALICE}`)),
      callerOf(jwtCaller(ALICE, 'iam')),
    ];

    expect(new Set(callers).size).toBe(callers.length);
  });

  it('hashes an identity too long to be part of a key', () => {
    const long = 'x'.repeat(5_000);

    const caller = callerOf(lambdaAuthorizerCaller(long)) ?? '';

    expect(caller).toMatch(/^lambda#sha256:[0-9a-f]{64}$/);
    expect(callerOf(lambdaAuthorizerCaller(`${long}y`))).not.toBe(caller);
  });

  it('is none without an authorizer', () => {
    expect(callerOf()).toBeUndefined();
  });

  it('is none for JWT claims without an issuer', () => {
    expect(callerOf({ kind: 'jwt', claims: { sub: 'user-1' } })).toBeUndefined();
  });

  it('is none for a Lambda authorizer principal that is not a string', () => {
    const caller: TestCaller = { kind: 'lambda', context: { principalId: 42 } };

    expect(callerOf(caller)).toBeUndefined();
  });
});

describe('the caller, where the payload formats differ', () => {
  it('is none for a 2.0 Lambda authorizer that returns its principal only as principalId (2.0 passes on only the context)', () => {
    const event = httpApiEvent({
      resource: '/orders',
      caller: { kind: 'lambda', principalId: 'user-9', context: { tenant: 't-1' } },
    });

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).caller).toBeUndefined();
  });

  it("is a REST Lambda authorizer's principalId, with or without a context", () => {
    const event = apiEvent({
      resource: '/orders',
      caller: { kind: 'lambda', principalId: 'user-9' },
    });

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).caller).toBe('lambda:user-9');
  });

  it('is the JWT claims of an HTTP API payload 1.0 event, flat in requestContext.authorizer', () => {
    const event = {
      ...apiEvent({ resource: '/orders', caller: jwtCaller('user-1') }),
      version: '1.0',
    };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).caller).toBe(`jwt:${USER_POOL_ISSUER}|user-1`);
  });

  it('is none for an HTTP API payload 1.0 event without authorizer (claims and scopes null)', () => {
    const base = apiEvent({ resource: '/orders' });
    const event = {
      ...base,
      version: '1.0',
      requestContext: { ...base.requestContext, authorizer: { claims: null, scopes: null } },
    };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).caller).toBeUndefined();
  });

  it('reads an identity of an unexpected shape as none, not as a bad event', () => {
    const base = apiEvent({ resource: '/orders' });
    const event = {
      ...base,
      requestContext: {
        ...base.requestContext,
        identity: { ...base.requestContext.identity, userArn: 42 },
        authorizer: { claims: 'not an object' },
      },
    };

    expect(toHttpRequest(event, LAMBDA_REQUEST_ID).caller).toBeUndefined();
  });
});
