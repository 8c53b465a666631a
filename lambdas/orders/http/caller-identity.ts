import { createHash } from 'node:crypto';
import * as z from '../../outbox/zod.js';

/**
 * Who sent a request, as API Gateway's authorizer vouches for it, namespaced by the kind of
 * identity so that no identity of one kind can name a caller of another:
 *
 * - IAM (SigV4): `iam:<user or role ARN>`;
 * - IAM credentials of a Cognito identity pool: `cognito-identity:<pool id>|<identity id>`;
 * - a Cognito user pool or JWT authorizer: `jwt:<iss>|<sub>`;
 * - a Lambda authorizer: `lambda:<principalId>`.
 *
 * It scopes idempotency keys and owns orders (docs/orders-api.md, "Identity").
 */
export type CallerIdentity = string;

/** Longer identities are hashed, so an idempotency key's partition key stays within 2,048 bytes. */
export const MAX_IDENTITY_BYTES = 1024;

const present = z.string().check(z.minLength(1));
/** A field read only if it is a non-empty string; any other value is no value. */
const anyValue = z.unknown();
/** A JWT's claims: the issuer and the subject are what name a user (OIDC Core §2). */
const jwtClaims = z.looseObject({ iss: present, sub: present });

// Payload 1.0: REST APIs, and HTTP API integrations of format 1.0.
const iamV1 = z.looseObject({
  identity: z.looseObject({
    userArn: present,
    cognitoIdentityId: anyValue,
    cognitoIdentityPoolId: anyValue,
  }),
});
// A Cognito user pool authorizer (REST), or a JWT authorizer (HTTP API, flat in 1.0).
const jwtV1 = z.looseObject({ authorizer: z.looseObject({ claims: jwtClaims }) });
const lambdaV1 = z.looseObject({ authorizer: z.looseObject({ principalId: present }) });

// Payload 2.0: HTTP APIs.
const iamV2 = z.looseObject({
  authorizer: z.looseObject({
    iam: z.looseObject({
      userArn: present,
      cognitoIdentity: z.nullish(z.looseObject({ identityId: anyValue, identityPoolId: anyValue })),
    }),
  }),
});
const jwtV2 = z.looseObject({
  authorizer: z.looseObject({ jwt: z.looseObject({ claims: jwtClaims }) }),
});
// 2.0 carries only the authorizer's `context`: its principal must be put there.
const lambdaV2 = z.looseObject({
  authorizer: z.looseObject({ lambda: z.looseObject({ principalId: present }) }),
});

/**
 * The caller of a payload 1.0 event, from its `requestContext`: the IAM caller, else the
 * JWT claims of a Cognito user pool or JWT authorizer, else a Lambda authorizer's
 * `principalId`; undefined when the request carries none (no authorizer).
 */
export function callerOfPayloadV1(requestContext: unknown): CallerIdentity | undefined {
  const iam = z.safeParse(iamV1, requestContext);
  if (iam.success) {
    const { userArn, cognitoIdentityPoolId, cognitoIdentityId } = iam.data.identity;
    return iamCaller(userArn, cognitoIdentityPoolId, cognitoIdentityId);
  }
  const jwt = z.safeParse(jwtV1, requestContext);
  if (jwt.success) return jwtCaller(jwt.data.authorizer.claims);
  const lambda = z.safeParse(lambdaV1, requestContext);
  if (lambda.success) return namespaced('lambda', lambda.data.authorizer.principalId);
  return undefined;
}

/**
 * The caller of a payload 2.0 event, from its `requestContext.authorizer`: `iam`, else
 * `jwt.claims`, else `lambda.principalId`; undefined when the request carries none.
 */
export function callerOfPayloadV2(requestContext: unknown): CallerIdentity | undefined {
  const iam = z.safeParse(iamV2, requestContext);
  if (iam.success) {
    const { userArn, cognitoIdentity } = iam.data.authorizer.iam;
    return iamCaller(userArn, cognitoIdentity?.identityPoolId, cognitoIdentity?.identityId);
  }
  const jwt = z.safeParse(jwtV2, requestContext);
  if (jwt.success) return jwtCaller(jwt.data.authorizer.jwt.claims);
  const lambda = z.safeParse(lambdaV2, requestContext);
  if (lambda.success) return namespaced('lambda', lambda.data.authorizer.lambda.principalId);
  return undefined;
}

/**
 * An IAM caller. Credentials of a Cognito identity pool are one role session for every
 * user of the pool (`…:CognitoIdentityCredentials`): its identity id tells them apart.
 */
function iamCaller(userArn: string, poolId: unknown, identityId: unknown): CallerIdentity {
  if (isPresent(poolId) && isPresent(identityId))
    return namespaced('cognito-identity', pair(poolId, identityId));
  return namespaced('iam', userArn);
}

/** A JWT's subject is unique only within its issuer. */
function jwtCaller(claims: { readonly iss: string; readonly sub: string }): CallerIdentity {
  return namespaced('jwt', pair(claims.iss, claims.sub));
}

/** `first|second`, `%` and `|` escaped in the first part so that no two pairs read alike. */
function pair(first: string, second: string): string {
  return `${first.replaceAll('%', '%25').replaceAll('|', '%7C')}|${second}`;
}

/** `kind:value`, or `kind#sha256:<hex>` for a value too long to be part of a key. */
function namespaced(kind: string, value: string): CallerIdentity {
  if (Buffer.byteLength(value, 'utf8') <= MAX_IDENTITY_BYTES) return `${kind}:${value}`;
  return `${kind}#sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

function isPresent(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
