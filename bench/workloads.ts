import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OutboxEventInput } from '../lambdas/outbox/event-input.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  type OutboxRecord,
  OutboxWriter,
} from '../lambdas/outbox/index.js';
import { LEGACY_MAX_REQUEST_BYTES, storedEventSize } from '../lambdas/outbox/put-events-entry.js';
import { seededRandom } from '../local/seeded-random.js';

/**
 * The outbox records of the publish benchmarks, built by the real `OutboxWriter.prepare`
 * (validation, envelopes, sequences, `prevSeq` links) exactly as the Orders service would
 * commit them, in the order their transactions reach the stream.
 */

/** One command of a workload: the aggregate it changes and the sizes of its events. */
export interface CommandShape {
  /** Index of the aggregate (0-based). */
  readonly aggregate: number;
  /**
   * One entry per event: the target PutEvents entry size in bytes, or `undefined` for a
   * realistic `OrderCreated`-like event (about 600 bytes).
   */
  readonly events: readonly (number | undefined)[];
}

/** A named workload: records in stream order, and the PutEvents request limit it runs at. */
export interface Workload {
  readonly key: string;
  readonly label: string;
  readonly records: readonly OutboxRecord[];
  readonly events: number;
  readonly maxRequestBytes: number;
}

/** Largest event the mixed workloads draw: an outbox record must stay within 400 KB. */
const MAX_EVENT_BYTES_IN_ITEM = 390 * 1024;

/** A UUID-shaped aggregate id, so every key has the length a real one has. */
export const aggregateId = (index: number): string =>
  `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

const orderDetail = (id: string) => ({
  orderId: id,
  customerId: 'customer-0042',
  items: [
    { sku: 'BOOK-1', quantity: 2, unitPrice: 1250 },
    { sku: 'PEN-7', quantity: 10, unitPrice: 199 },
  ],
  currency: 'EUR',
  total: 4490,
  status: 'PENDING',
});

/**
 * Runs the commands through `OutboxWriter.prepare`, one writer clock tick apart, and
 * returns the outbox records in commit (stream) order.
 */
export function buildRecords(
  commands: readonly CommandShape[],
  maxEntryBytes: number = DEFAULT_MAX_REQUEST_BYTES,
): OutboxRecord[] {
  let tick = Date.parse('2026-11-25T10:00:00.000Z');
  const writer = new OutboxWriter({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 'outbox',
    maxEntryBytes,
    clock: () => new Date(tick++),
  });
  const state = new Map<number, { version: number; lastEventSeq: number }>();
  // The envelope around an empty pad, per event: the pad then brings it to the target.
  const overhead = padOverhead(writer);
  return commands.map((command) => {
    const id = aggregateId(command.aggregate);
    const current = state.get(command.aggregate);
    const events = command.events.map(
      (target, i): OutboxEventInput => ({
        source: 'com.example.orders',
        detailType: target === undefined ? 'OrderCreated' : 'PayloadAttached',
        detail:
          target === undefined
            ? orderDetail(id)
            : { pad: 'x'.repeat(Math.max(0, target - overhead - digits(current, i))) },
      }),
    );
    const { record } = writer.prepare({
      aggregate: { type: 'Order', id },
      entity:
        current === undefined
          ? { type: 'create', tableName: 'orders', key: { id }, item: { status: 'PENDING' } }
          : {
              type: 'update',
              tableName: 'orders',
              key: { id },
              expectedVersion: current.version,
              lastEventSeq: current.lastEventSeq,
              set: { status: 'CHANGED' },
            },
      events,
    });
    state.set(command.aggregate, {
      version: (current?.version ?? 0) + 1,
      lastEventSeq: (current?.lastEventSeq ?? 0) + events.length,
    });
    return record;
  });
}

/** Extra digits a sequence beyond 9 adds to the envelope. */
const digits = (current: { lastEventSeq: number } | undefined, i: number) =>
  String((current?.lastEventSeq ?? 0) + i + 1).length - 1;

function padOverhead(writer: OutboxWriter): number {
  const { record } = writer.prepare({
    aggregate: { type: 'Order', id: aggregateId(0) },
    entity: { type: 'create', tableName: 'orders', key: { id: aggregateId(0) }, item: {} },
    events: [{ source: 'com.example.orders', detailType: 'PayloadAttached', detail: { pad: '' } }],
  });
  const event = record.events[0];
  if (event === undefined) throw new Error('the probe record has no event');
  return storedEventSize(event);
}

/** A seeded Fisher–Yates shuffle. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const uniform = (random: () => number, low: number, high: number) =>
  Math.round(low + random() * (high - low));

/** How big the workloads are. */
export interface WorkloadSizes {
  /** (a): events, one per aggregate. */
  readonly spread: number;
  /** (b): aggregates, each with `perAggregate` single-event commands. */
  readonly aggregates: number;
  readonly perAggregate: number;
  /** (c): single-event commands of one aggregate. */
  readonly hot: number;
  /** (d): events of mixed sizes, one per aggregate. */
  readonly mixed: number;
}

/**
 * The publish-efficiency workloads of issue 7, for one seed (each repeated run draws a
 * new interleaving and new sizes):
 *
 * - (a) every event its own aggregate;
 * - (b) `aggregates` × `perAggregate` single-event commands, randomly interleaved (each
 *   aggregate's commands stay in order, as a stream has them);
 * - (c) one hot aggregate;
 * - (d) mixed sizes near the byte limit, at the 256 KB limit of older accounts and at the
 *   1 MB limit (where the 400 KB item limit caps an event first): half small (0.5–4 KB),
 *   a fifth at 25–50 % of the largest event, the rest at 85–99 %.
 */
export function publishWorkloads(sizes: WorkloadSizes, seed: number): Workload[] {
  const random = seededRandom(seed);
  const single = (aggregate: number): CommandShape => ({ aggregate, events: [undefined] });
  const workload = (
    key: string,
    label: string,
    commands: CommandShape[],
    maxRequestBytes: number = DEFAULT_MAX_REQUEST_BYTES,
  ): Workload => {
    const records = buildRecords(commands, maxRequestBytes);
    const events = records.reduce((sum, r) => sum + r.events.length, 0);
    return { key, label, records, events, maxRequestBytes };
  };
  const interleaved = shuffle(
    Array.from({ length: sizes.aggregates * sizes.perAggregate }, (_, i) =>
      single(i % sizes.aggregates),
    ),
    random,
  );
  const mixed = (limit: number): CommandShape[] => {
    const largest = Math.min(limit, MAX_EVENT_BYTES_IN_ITEM);
    return Array.from({ length: sizes.mixed }, (_, aggregate) => {
      const draw = random();
      const target =
        draw < 0.5
          ? uniform(random, 512, 4096)
          : draw < 0.7
            ? uniform(random, largest * 0.25, largest * 0.5)
            : uniform(random, largest * 0.85, largest * 0.99);
      return { aggregate, events: [target] };
    });
  };
  return [
    workload(
      'a',
      `(a) ${sizes.spread.toLocaleString('en-US')} events over as many aggregates`,
      Array.from({ length: sizes.spread }, (_, i) => single(i)),
    ),
    workload(
      'b',
      `(b) ${sizes.aggregates.toLocaleString('en-US')} aggregates × ${sizes.perAggregate} events, interleaved`,
      interleaved,
    ),
    workload(
      'c',
      `(c) one hot aggregate, ${sizes.hot.toLocaleString('en-US')} events`,
      Array.from({ length: sizes.hot }, () => single(0)),
    ),
    workload(
      'd1',
      `(d) ${sizes.mixed.toLocaleString('en-US')} mixed sizes, 256 KB limit`,
      mixed(LEGACY_MAX_REQUEST_BYTES),
      LEGACY_MAX_REQUEST_BYTES,
    ),
    workload(
      'd2',
      `(d) ${sizes.mixed.toLocaleString('en-US')} mixed sizes, 1 MB limit`,
      mixed(DEFAULT_MAX_REQUEST_BYTES),
      DEFAULT_MAX_REQUEST_BYTES,
    ),
  ];
}
