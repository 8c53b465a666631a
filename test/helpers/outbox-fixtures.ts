/**
 * Test data for the outbox runtime: inputs, a fixed clock, deterministic event ids and
 * transaction cancellations. Shared by the writer, relay and Orders API suites.
 */
import {
  type AttributeValue,
  type CancellationReason,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { EventEnvelope } from '../../lambdas/outbox/envelope.js';
import type { OutboxEventInput } from '../../lambdas/outbox/event-input.js';
import { OutboxWriter } from '../../lambdas/outbox/index.js';
import type { OutboxWriterOptions } from '../../lambdas/outbox/outbox-writer.js';
import type {
  EntityCreate,
  EntityUpdate,
  OutboxWriteInput,
} from '../../lambdas/outbox/write-input.js';

// ---------------------------------------------------------------------------------------
// Time and ids
// ---------------------------------------------------------------------------------------

/** The instant every fixed clock returns. */
export const FIXED_NOW_ISO = '2026-11-25T10:00:00.000Z';
export const FIXED_NOW = new Date(FIXED_NOW_ISO);
/** {@link FIXED_NOW} as epoch seconds, the unit of DynamoDB TTL attributes. */
export const FIXED_NOW_EPOCH_SECONDS = Math.floor(FIXED_NOW.getTime() / 1000);

/** A clock stuck at {@link FIXED_NOW}; returns a fresh Date so callers cannot mutate it. */
export const fixedClock = (): Date => new Date(FIXED_NOW_ISO);

/** A clock stuck at any instant. */
export const clockAt =
  (iso: string): (() => Date) =>
  () =>
    new Date(iso);

/**
 * A deterministic event-id generator: `evt-0001`, `evt-0002`, … Create one per test.
 *
 * @example
 * const newEventId = sequentialIds();
 * newEventId(); // 'evt-0001'
 */
export function sequentialIds(prefix = 'evt'): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `${prefix}-${String(n).padStart(4, '0')}`;
  };
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

export const ORDER_ID = '0193a5b2-7c1d-7e4f-8a9b-0c1d2e3f4a5b';
export const ORDERS_TABLE = 'orders';
export const OUTBOX_TABLE = 'outbox';
export const ORDER_SOURCE = 'com.example.orders';

/** An OrderCreated-like event; every field can be overridden. */
export function anEvent(overrides: Partial<OutboxEventInput> = {}): OutboxEventInput {
  return {
    source: ORDER_SOURCE,
    detailType: 'OrderCreated',
    detail: { orderId: ORDER_ID, total: 1200, currency: 'EUR' },
    ...overrides,
  };
}

/** Overrides of {@link aCreateInput}: the entity is merged field by field. */
export type CreateInputOverrides = Partial<Omit<OutboxWriteInput, 'entity'>> & {
  readonly entity?: Partial<Omit<EntityCreate, 'type'>>;
};

/** Overrides of {@link anUpdateInput}: the entity is merged field by field. */
export type UpdateInputOverrides = Partial<Omit<OutboxWriteInput, 'entity'>> & {
  readonly entity?: Partial<Omit<EntityUpdate, 'type'>>;
};

export type CreateInput = OutboxWriteInput & { readonly entity: EntityCreate };
export type UpdateInput = OutboxWriteInput & { readonly entity: EntityUpdate };

/** A valid write that creates order {@link ORDER_ID} with one event. */
export function aCreateInput(overrides: CreateInputOverrides = {}): CreateInput {
  const { entity, ...rest } = overrides;
  return {
    aggregate: { type: 'Order', id: ORDER_ID },
    events: [anEvent()],
    ...rest,
    entity: {
      type: 'create',
      tableName: ORDERS_TABLE,
      key: { id: ORDER_ID },
      item: { status: 'PLACED', total: 1200, currency: 'EUR' },
      ...entity,
    },
  };
}

/** A valid write that updates order {@link ORDER_ID} at version 3, lastEventSeq 5. */
export function anUpdateInput(overrides: UpdateInputOverrides = {}): UpdateInput {
  const { entity, ...rest } = overrides;
  return {
    aggregate: { type: 'Order', id: ORDER_ID },
    events: [anEvent({ detailType: 'OrderShipped', detail: { orderId: ORDER_ID } })],
    ...rest,
    entity: {
      type: 'update',
      tableName: ORDERS_TABLE,
      key: { id: ORDER_ID },
      expectedVersion: 3,
      lastEventSeq: 5,
      set: { status: 'SHIPPED' },
      ...entity,
    },
  };
}

/**
 * Treats a deliberately malformed value as a write input, for validation tests that
 * must get past the type checker.
 */
export function unchecked<T = OutboxWriteInput>(value: unknown): T {
  return value as T;
}

// ---------------------------------------------------------------------------------------
// Clients and writers
// ---------------------------------------------------------------------------------------

/** A document client that never reaches AWS unless its `send` is mocked or a handler given. */
export function aDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    }),
  );
}

/** A writer with a fixed clock and deterministic event ids on the outbox table. */
export function aWriter(options: Partial<OutboxWriterOptions> = {}): OutboxWriter {
  return new OutboxWriter({
    client: aDocumentClient(),
    tableName: OUTBOX_TABLE,
    clock: fixedClock,
    newEventId: sequentialIds(),
    ...options,
  });
}

// ---------------------------------------------------------------------------------------
// Cancellations
// ---------------------------------------------------------------------------------------

/** A cancellation reason; `Item` may be in wire format or plain, as the caller chooses. */
export interface ReasonInput {
  readonly Code?: string;
  readonly Message?: string;
  readonly Item?: Record<string, unknown>;
}

/** The reason DynamoDB reports for a transaction item that was fine. */
export const NONE: ReasonInput = { Code: 'None' };
/** The reason for an item that collided with a concurrent transaction. */
export const CONFLICT: ReasonInput = {
  Code: 'TransactionConflict',
  Message: 'Transaction is ongoing for the item',
};

/**
 * A failed condition. Pass the item as DynamoDB returns it with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD` (see {@link wire}) or plain.
 */
export function conditionFailed(item?: Record<string, unknown>): ReasonInput {
  return {
    Code: 'ConditionalCheckFailed',
    Message: 'The conditional request failed',
    ...(item === undefined ? {} : { Item: item }),
  };
}

/** An item in DynamoDB wire format, e.g. `{ version: { N: '3' } }`. */
export function wire(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item);
}

/** A `TransactionCanceledException` as the SDK raises it, one reason per transaction item. */
export function cancellation(
  reasons: readonly ReasonInput[],
  message = 'Transaction cancelled, please refer cancellation reasons for specific reasons',
): TransactionCanceledException {
  return new TransactionCanceledException({
    message,
    $metadata: {},
    CancellationReasons: reasons.map((r) => ({ ...r }) as CancellationReason),
  });
}

// ---------------------------------------------------------------------------------------
// Reading what was written
// ---------------------------------------------------------------------------------------

/** Parses a stored event's Detail back to its envelope. */
export function parseEnvelope(detail: string): EventEnvelope<unknown> {
  return JSON.parse(detail) as EventEnvelope<unknown>;
}
