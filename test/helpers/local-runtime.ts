import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { freePort } from '../../local/ports.js';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../local/runtime.js';

/** An event as the local bus returns it from `GET /events`. */
export interface BusEvent {
  readonly id: string;
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  readonly eventBusName: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly eventId: string;
    readonly aggregateType: string;
    readonly aggregateId: string;
    readonly sequence: number;
    readonly occurredAt: string;
    readonly data: Record<string, unknown>;
    readonly metadata: { readonly correlationId?: string };
  };
}

/** Starts the local runtime on free ports (DynamoDB Local in memory). */
export async function startTestRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  return startLocalRuntime({ port: 0, busPort: 0, dynamoDbPort: await freePort(), ...options });
}

/** A JSON HTTP call to the local API. */
export async function call(
  runtime: LocalRuntime,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Every event the local bus accepted so far. */
export async function busEvents(runtime: LocalRuntime): Promise<BusEvent[]> {
  const response = await fetch(`${runtime.busUrl}/events`);
  return (await response.json()) as BusEvent[];
}

/** Polls the bus until `done(events)` holds, or fails with what it saw. */
export async function waitForEvents(
  runtime: LocalRuntime,
  done: (events: BusEvent[]) => boolean,
  timeoutMs = 30_000,
): Promise<BusEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await busEvents(runtime);
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new Error(
        `events did not arrive within ${timeoutMs} ms; got ${events.length}: ${events.map((e) => `${e.detail.aggregateId}/${e.detail.sequence}`).join(' ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the stream poller has handled everything it read, twice in a row. */
export async function waitUntilQuiet(runtime: LocalRuntime, ms = 1_000): Promise<void> {
  let quietSince = Date.now();
  while (Date.now() - quietSince < ms) {
    if (!runtime.poller.idle) quietSince = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The events of one aggregate, in acceptance order. */
export const eventsOf = (events: readonly BusEvent[], aggregateId: string): BusEvent[] =>
  events.filter((e) => e.detail.aggregateId === aggregateId);

/** A valid `POST /orders` body. */
export const orderBody = (customerId = 'c-1') => ({
  customerId,
  items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 1250 }],
  currency: 'EUR',
});

/** Sets the local bus's fault injection (`POST /faults`). */
export async function setFaults(
  runtime: LocalRuntime,
  faults: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${runtime.busUrl}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!response.ok)
    throw new Error(`POST /faults failed: ${response.status} ${await response.text()}`);
}

/** Clears the local bus's fault injection (`DELETE /faults`). */
export async function clearFaults(runtime: LocalRuntime): Promise<void> {
  await fetch(`${runtime.busUrl}/faults`, { method: 'DELETE' });
}

/**
 * Creates, confirms and ships `orders` orders concurrently, waits until every one's three
 * events arrived, and returns, per order, the sequences in the order of their first
 * acceptance.
 */
export async function runOrderLifecycles(
  runtime: LocalRuntime,
  orders: number,
  prefix: string,
): Promise<number[][]> {
  const ids = await Promise.all(
    Array.from({ length: orders }, async (_, i) => {
      const { body } = await call(runtime, 'POST', '/orders', orderBody(`${prefix}-${i}`));
      const id = body.id as string;
      // Rapid transitions: with several lanes, successive records of one order land apart.
      await call(runtime, 'POST', `/orders/${id}/confirm`);
      await call(runtime, 'POST', `/orders/${id}/ship`);
      return id;
    }),
  );
  const events = await waitForEvents(
    runtime,
    (all) => ids.every((id) => new Set(eventsOf(all, id).map((e) => e.detail.sequence)).size === 3),
    60_000,
  );
  return ids.map((id) => {
    const sequences = eventsOf(events, id).map((e) => e.detail.sequence);
    return sequences.filter((s, i) => sequences.indexOf(s) === i);
  });
}

/** How many items each table of the local runtime holds (consistent scans of DynamoDB Local). */
export async function tableItemCounts(
  runtime: LocalRuntime,
): Promise<{ readonly orders: number; readonly outbox: number }> {
  const client = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const count = async (table: string): Promise<number> => {
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: table,
          Select: 'COUNT',
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return total;
  };
  try {
    return {
      orders: await count(runtime.ordersTableName),
      outbox: await count(runtime.outboxTableName),
    };
  } finally {
    client.destroy();
  }
}

/** Polls the shipments table (the example consumer's state) until `done` holds. */
export async function waitForShipments(
  runtime: LocalRuntime,
  orderIds: readonly string[],
  done: (items: Map<string, Record<string, unknown>>) => boolean,
  timeoutMs = 20_000,
): Promise<Map<string, Record<string, unknown>>> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: runtime.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = new Map<string, Record<string, unknown>>();
      for (const orderId of orderIds) {
        const { Item } = await client.send(
          new GetCommand({
            TableName: runtime.shipmentsTableName,
            Key: { orderId },
            ConsistentRead: true,
          }),
        );
        if (Item) items.set(orderId, Item);
      }
      if (done(items)) return items;
      if (Date.now() > deadline)
        throw new Error(`shipments did not settle: ${JSON.stringify([...items])}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}
