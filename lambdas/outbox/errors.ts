/**
 * The outbox error hierarchy. Every error the writer raises on purpose is an
 * `OutboxError`; callers map the subclasses to their own responses (HTTP status, retry).
 */

/**
 * Base class of every error raised by the outbox runtime. Errors that are not the writer's
 * own (network, permissions, a missing table) come from the AWS SDK unchanged.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { OutboxError, type OutboxWriteInput, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function commit(input: OutboxWriteInput): Promise<APIGatewayProxyResult> {
 *   try {
 *     await writer.write(input);
 *     return { statusCode: 204, body: '' };
 *   } catch (error) {
 *     // Map the subclasses you expect first (409, 412, 422, 503 …); let the SDK's own errors
 *     // through to your 500 handler.
 *     if (!(error instanceof OutboxError)) throw error;
 *     // What is left is a bug to look at (e.g. a SequenceConflictError): its name says which.
 *     console.error('outbox write refused', { reason: error.name, message: error.message });
 *     return {
 *       statusCode: 500,
 *       headers: { 'Content-Type': 'application/problem+json' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:internal-error',
 *         title: 'Internal Server Error',
 *         status: 500,
 *         detail: 'an unexpected error occurred; quote the correlation id when reporting it',
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class OutboxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxError';
  }
}

/**
 * One violated rule of a write request, located in the `OutboxWriteInput` (not in your
 * HTTP request body).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxValidationError, OutboxWriter, type ValidationIssue } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
 * const writer = new OutboxWriter({ client, tableName: 'outbox' });
 *
 * // A unit test: prepare() validates without calling DynamoDB.
 * let issues: readonly ValidationIssue[] = [];
 * try {
 *   writer.prepare({
 *     aggregate: { type: 'Order', id: 'o-1' },
 *     entity: { type: 'create', tableName: 'orders', key: { id: 'o-1' }, item: { total: 1200 } },
 *     events: [{ source: 'com.example.orders', detailType: '', detail: { orderId: 'o-1' } }],
 *   });
 * } catch (error) {
 *   if (error instanceof OutboxValidationError) issues = error.issues;
 * }
 * assert.deepEqual(issues, [{ path: 'events[0].detailType', message: 'must not be empty' }]);
 * ```
 */
export interface ValidationIssue {
  /** Where the problem is, e.g. `events[0].detailType`. */
  readonly path: string;
  readonly message: string;
}

/**
 * The write request breaks a rule; nothing was written (it is thrown before any call).
 * Validate your API's input first: what still fails here is built by your code, e.g. an
 * order too large for one event.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { type OutboxWriteInput, OutboxValidationError, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function commit(input: OutboxWriteInput): Promise<APIGatewayProxyResult> {
 *   try {
 *     await writer.write(input);
 *     return { statusCode: 204, body: '' };
 *   } catch (error) {
 *     if (!(error instanceof OutboxValidationError)) throw error;
 *     // Retrying cannot help: answer 400 with every issue (the message lists them all).
 *     console.info('write rejected', { issues: error.issues });
 *     return {
 *       statusCode: 400,
 *       headers: { 'Content-Type': 'application/problem+json' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:validation-error',
 *         title: 'Bad Request',
 *         status: 400,
 *         detail: error.message,
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class OutboxValidationError extends OutboxError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(
      `invalid outbox write: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      options,
    );
    this.name = 'OutboxValidationError';
    this.issues = issues;
  }
}

/**
 * The writer was configured with a bad value: thrown by the `OutboxWriter` constructor,
 * i.e. at the cold start of a handler that creates it at module scope.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { OutboxConfigError, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 *
 * function createWriter(): OutboxWriter {
 *   try {
 *     return OutboxWriter.fromEnvironment({ client });
 *   } catch (error) {
 *     // A deployment mistake (here: OUTBOX_TABLE_NAME unset), not a request's: fail the
 *     // cold start loudly rather than answer every request with a 500.
 *     if (error instanceof OutboxConfigError) {
 *       throw new Error(`check the function's environment: ${error.message}`, { cause: error });
 *     }
 *     throw error;
 *   }
 * }
 *
 * export const writer = createWriter();
 * ```
 */
export class OutboxConfigError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxConfigError';
  }
}

/**
 * The entity's version is not the one the update expected (optimistic concurrency): it
 * changed since it was read. Nothing was written. Either answer 412 (the client named the
 * version it saw in `If-Match`) or read the entity again and retry the command.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { OutboxWriter, VersionConflictError } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * // `order` as read just now; its version matched the client's If-Match.
 * export async function cancelOrder(order: {
 *   id: string;
 *   version: number;
 *   lastEventSeq: number;
 * }): Promise<APIGatewayProxyResult> {
 *   try {
 *     await writer.write({
 *       aggregate: { type: 'Order', id: order.id },
 *       entity: {
 *         type: 'update',
 *         tableName: process.env.ORDERS_TABLE_NAME ?? '',
 *         key: { id: order.id },
 *         expectedVersion: order.version,
 *         lastEventSeq: order.lastEventSeq,
 *         set: { status: 'CANCELLED' },
 *       },
 *       events: [
 *         {
 *           source: 'com.example.orders',
 *           detailType: 'OrderCancelled',
 *           detail: { orderId: order.id },
 *         },
 *       ],
 *     });
 *     return { statusCode: 204, body: '' };
 *   } catch (error) {
 *     if (!(error instanceof VersionConflictError)) throw error;
 *     // Changed in between, so If-Match no longer names the current version: 412. (Without
 *     // If-Match, read the order again and retry the command instead.)
 *     const current = error.actualVersion ?? order.version + 1;
 *     return {
 *       statusCode: 412,
 *       headers: { 'Content-Type': 'application/problem+json', ETag: `"${current}"` },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:precondition-failed',
 *         title: 'Precondition Failed',
 *         status: 412,
 *         detail: error.message,
 *         currentVersion: current,
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class VersionConflictError extends OutboxError {
  readonly aggregateKey: string;
  readonly expectedVersion: number;
  /** The version found in the table, when the cancellation reported it. */
  readonly actualVersion: number | undefined;

  constructor(
    aggregateKey: string,
    expectedVersion: number,
    actualVersion: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `version conflict on ${aggregateKey}: expected version ${expectedVersion}, found ${actualVersion ?? 'another version'}`,
      options,
    );
    this.name = 'VersionConflictError';
    this.aggregateKey = aggregateKey;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/**
 * An update targeted an entity that does not exist (or was deleted since it was read).
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { AggregateNotFoundError, type OutboxWriteInput, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function confirmOrder(input: OutboxWriteInput): Promise<APIGatewayProxyResult> {
 *   try {
 *     await writer.write(input);
 *     return { statusCode: 204, body: '' };
 *   } catch (error) {
 *     if (!(error instanceof AggregateNotFoundError)) throw error;
 *     // The order is gone: nothing to confirm, and no event was written.
 *     return {
 *       statusCode: 404,
 *       headers: { 'Content-Type': 'application/problem+json' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:not-found',
 *         title: 'Not Found',
 *         status: 404,
 *         detail: `order ${input.aggregate.id} does not exist`,
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class AggregateNotFoundError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} does not exist`, options);
    this.name = 'AggregateNotFoundError';
    this.aggregateKey = aggregateKey;
  }
}

/**
 * A create targeted an entity that already exists. Nothing was written.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { AggregateAlreadyExistsError, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function createOrder(
 *   customerId: string,
 *   total: number,
 * ): Promise<APIGatewayProxyResult> {
 *   const id = randomUUID();
 *   const order = { id, customerId, total, status: 'PENDING' };
 *   const tableName = process.env.ORDERS_TABLE_NAME ?? '';
 *   try {
 *     await writer.write({
 *       aggregate: { type: 'Order', id },
 *       entity: { type: 'create', tableName, key: { id }, item: order },
 *       events: [{ source: 'com.example.orders', detailType: 'OrderCreated', detail: order }],
 *     });
 *     return { statusCode: 201, headers: { ETag: '"1"' }, body: JSON.stringify(order) };
 *   } catch (error) {
 *     if (!(error instanceof AggregateAlreadyExistsError)) throw error;
 *     // Only a clashing generated id gets here: a 409 the client may simply retry.
 *     return {
 *       statusCode: 409,
 *       headers: { 'Content-Type': 'application/problem+json' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:concurrent-modification',
 *         title: 'Conflict',
 *         status: 409,
 *         detail: `order ${id} was modified concurrently; retry the request`,
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class AggregateAlreadyExistsError extends OutboxError {
  readonly aggregateKey: string;

  constructor(aggregateKey: string, options?: ErrorOptions) {
    super(`aggregate ${aggregateKey} already exists`, options);
    this.name = 'AggregateAlreadyExistsError';
    this.aggregateKey = aggregateKey;
  }
}

/**
 * The idempotency key was used before for a different request (another request hash, in
 * the same scope, while the stored response is live). Thrown by `write` and by
 * `findIdempotentResponse`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { IdempotencyKeyReusedError, type OutboxWriteInput, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function commit(input: OutboxWriteInput): Promise<APIGatewayProxyResult> {
 *   try {
 *     const result = await writer.write(input);
 *     const body = result.outcome === 'replayed' ? result.response : { version: result.version };
 *     return { statusCode: 200, body: JSON.stringify(body) };
 *   } catch (error) {
 *     if (!(error instanceof IdempotencyKeyReusedError)) throw error;
 *     // The client's bug (same key, another body): 422, never a replay of the other answer.
 *     return {
 *       statusCode: 422,
 *       headers: { 'Content-Type': 'application/problem+json' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:idempotency-key-reused',
 *         title: 'Idempotency Key Reused',
 *         status: 422,
 *         detail: `${error.message}; send a new key for a new request`,
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class IdempotencyKeyReusedError extends OutboxError {
  readonly idempotencyKey: string;

  constructor(idempotencyKey: string, options?: ErrorOptions) {
    super(`idempotency key '${idempotencyKey}' was already used for a different request`, options);
    this.name = 'IdempotencyKeyReusedError';
    this.idempotencyKey = idempotencyKey;
  }
}

/**
 * The write's sequence does not fit the aggregate: the outbox already holds a record at
 * the sequence this write would take (the entity was written without the writer), or the
 * caller's `lastEventSeq` is not the entity's. Nothing was written. Either way it is a bug
 * to fix, not a race: retrying the same command does not help.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { type OutboxWriteInput, OutboxWriter, SequenceConflictError } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function commit(input: OutboxWriteInput): Promise<void> {
 *   try {
 *     await writer.write(input);
 *   } catch (error) {
 *     if (error instanceof SequenceConflictError) {
 *       // Log what to investigate, then let it become a 500 (and an alarm): pass the
 *       // `lastEventSeq` read with the entity, and write the entity only through the writer.
 *       console.error('outbox sequence conflict', {
 *         aggregateKey: error.aggregateKey,
 *         sequence: error.sequence,
 *         detail: error.message,
 *       });
 *     }
 *     throw error;
 *   }
 * }
 * ```
 */
export class SequenceConflictError extends OutboxError {
  readonly aggregateKey: string;
  readonly sequence: number;

  constructor(
    aggregateKey: string,
    sequence: number,
    options?: ErrorOptions & { readonly detail?: string },
  ) {
    super(
      options?.detail === undefined
        ? `outbox of ${aggregateKey} already holds a record at sequence ${sequence}; was the entity written without the outbox writer?`
        : `sequence conflict on ${aggregateKey}: ${options.detail}`,
      options,
    );
    this.name = 'SequenceConflictError';
    this.aggregateKey = aggregateKey;
    this.sequence = sequence;
  }
}

/**
 * A condition of one of the caller's additional transaction items failed; nothing was
 * written. `itemIndex` says which item, `existingItem` what it found (when the item asked
 * for `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`). The other items' verdicts take
 * precedence: it is raised only when the entity's, the outbox record's and the idempotency
 * record's conditions held.
 *
 * @example
 * ```ts
 * import { randomUUID } from 'node:crypto';
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { AdditionalItemConditionError, OutboxWriter } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * type Outcome = 'created' | 'unknown-customer' | 'inactive-customer';
 *
 * export async function createOrder(customerId: string, total: number): Promise<Outcome> {
 *   const id = randomUUID();
 *   const order = { customerId, total, status: 'PENDING' };
 *   const tableName = process.env.ORDERS_TABLE_NAME ?? '';
 *   try {
 *     await writer.write({
 *       aggregate: { type: 'Order', id },
 *       entity: { type: 'create', tableName, key: { id }, item: order },
 *       events: [
 *         { source: 'com.example.orders', detailType: 'OrderCreated', detail: { id, ...order } },
 *       ],
 *       // Only an active customer may order: checked in the same transaction.
 *       additionalItems: [
 *         {
 *           ConditionCheck: {
 *             TableName: process.env.CUSTOMERS_TABLE_NAME ?? '',
 *             Key: { id: customerId },
 *             ConditionExpression: '#status = :active',
 *             ExpressionAttributeNames: { '#status': 'status' },
 *             ExpressionAttributeValues: { ':active': 'ACTIVE' },
 *             ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
 *           },
 *         },
 *       ],
 *     });
 *     return 'created';
 *   } catch (error) {
 *     // Item 0 is the customer check (the HTTP layer answers 422 for either outcome).
 *     if (error instanceof AdditionalItemConditionError && error.itemIndex === 0) {
 *       return error.existingItem === undefined ? 'unknown-customer' : 'inactive-customer';
 *     }
 *     throw error;
 *   }
 * }
 * ```
 */
export class AdditionalItemConditionError extends OutboxError {
  /** Index of the failed item in `additionalItems`. */
  readonly itemIndex: number;
  /** The item as it was in the table, when the cancellation reported it. */
  readonly existingItem: Record<string, unknown> | undefined;

  constructor(
    itemIndex: number,
    existingItem: Record<string, unknown> | undefined,
    options?: ErrorOptions,
  ) {
    super(`condition of additional transaction item ${itemIndex} failed`, options);
    this.name = 'AdditionalItemConditionError';
    this.itemIndex = itemIndex;
    this.existingItem = existingItem;
  }
}

/**
 * The transaction kept colliding with other transactions or throttling after the SDK's
 * retries (none with `retryTransientCancellations: false`); the write did not happen and
 * may be retried later.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import type { APIGatewayProxyResult } from 'aws-lambda';
 * import { type OutboxWriteInput, OutboxWriter, WriteContentionError } from 'dynamo-outbox/runtime';
 *
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const writer = OutboxWriter.fromEnvironment({ client });
 *
 * export async function commit(input: OutboxWriteInput): Promise<APIGatewayProxyResult> {
 *   try {
 *     await writer.write(input);
 *     return { statusCode: 204, body: '' };
 *   } catch (error) {
 *     if (!(error instanceof WriteContentionError)) throw error;
 *     // The SDK already retried: tell the client to come back shortly; nothing was written.
 *     return {
 *       statusCode: 503,
 *       headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '1' },
 *       body: JSON.stringify({
 *         type: 'urn:dynamo-outbox:problem:contention',
 *         title: 'Service Unavailable',
 *         status: 503,
 *         detail: 'the order is busy; retry shortly',
 *       }),
 *     };
 *   }
 * }
 * ```
 */
export class WriteContentionError extends OutboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WriteContentionError';
  }
}
