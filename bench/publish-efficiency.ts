import { MAX_CUSTOM_BUS_ENTRIES } from '../lambdas/outbox/custom-bus-publisher.js';
import {
  MAX_PUT_EVENTS_ENTRIES,
  OrderedPublisher,
  type OutboxRecord,
} from '../lambdas/outbox/index.js';
import { storedEventSize } from '../lambdas/outbox/put-events-entry.js';
import { naiveRelay, ourRelay, type Relay, type RelaySetup } from './relays.js';
import { pairedRatio, type Repeated, repeated } from './stats.js';
import { lambdaBatches, type StreamBatch } from './stream-batches.js';
import { StubCustomBus, StubEventBus, StubOutboxTable } from './stubs.js';
import { publishWorkloads, type Workload, type WorkloadSizes } from './workloads.js';

/**
 * Issue 7, figure 1: PutEvents calls per event, ours against the physical minimum and
 * against the naive relay, over the same stream batches; and ours on the Custom Event Bus
 * (100 entries per call) over the same batches, against its own floors.
 */

/** The figures of one workload; every `Repeated` is in PutEvents calls per event. */
export interface PublishScenario {
  readonly key: string;
  readonly label: string;
  readonly events: number;
  readonly batches: number;
  readonly ours: Repeated;
  readonly naive: Repeated;
  /** Σ over invocations of ⌈events / 10⌉. */
  readonly minByCount: Repeated;
  /** Σ over invocations of ⌈entry bytes / request limit⌉. */
  readonly minByBytes: Repeated;
  /** Σ over invocations of max(count, bytes, longest aggregate chain): the floor for any relay that keeps order. */
  readonly minOrderSafe: Repeated;
  /**
   * What if: the same batches through OrderedPublisher with each batch's chains ordered
   * longest first (the relay hands them over in order of first appearance).
   */
  readonly longestFirst: Repeated;
  /** Ours publishing to the Custom Event Bus (100 entries per call), same batches. */
  readonly custom: Repeated;
  /** Σ over invocations of ⌈events / 100⌉. */
  readonly customMinByCount: Repeated;
  /** Σ over invocations of max(count at 100, bytes, longest aggregate chain). */
  readonly customMinOrderSafe: Repeated;
  /** Paired ratios (median of per-run ratios). */
  readonly oursOverMin: number;
  readonly oursOverOrderSafe: number;
  readonly oursOverNaive: number;
  /** Custom bus ÷ the larger of its count floor and the byte floor. */
  readonly customOverMin: number;
  readonly customOverOrderSafe: number;
  /** Custom bus ÷ classic bus, both ours, over the same batches. */
  readonly customOverClassic: number;
}

/** Calls and floors of one run of one workload. */
interface RunFigures {
  readonly events: number;
  readonly batches: number;
  readonly ours: number;
  readonly naive: number;
  readonly minByCount: number;
  readonly minByBytes: number;
  readonly minOrderSafe: number;
  readonly longestFirst: number;
  readonly custom: number;
  readonly customMinByCount: number;
  readonly customMinOrderSafe: number;
}

/** Which bus ours publishes to. */
type BusKind = 'classic' | 'custom';

/** The floors of a batch for a bus taking `maxEntries` per call: no relay can merge events of two invocations. */
function floors(batch: StreamBatch, maxRequestBytes: number, maxEntries: number) {
  const events = batch.records.flatMap((r) => r.events);
  const byCount = Math.ceil(events.length / maxEntries);
  const bytes = events.reduce((sum, e) => sum + storedEventSize(e), 0);
  const byBytes = Math.ceil(bytes / maxRequestBytes);
  const chains = new Map<string, number>();
  for (const record of batch.records)
    chains.set(record.pk, (chains.get(record.pk) ?? 0) + record.events.length);
  const longestChain = Math.max(0, ...chains.values());
  return { byCount, byBytes, orderSafe: Math.max(byCount, byBytes, longestChain) };
}

/** Feeds the batches to a relay one after the other, as one stream shard would. */
async function relayAll(
  make: (setup: RelaySetup) => Relay,
  workload: Workload,
  batches: readonly StreamBatch[],
  busKind: BusKind = 'classic',
): Promise<number> {
  const bus = new StubEventBus({ maxRequestBytes: workload.maxRequestBytes });
  const customBus =
    busKind === 'custom'
      ? new StubCustomBus({ maxRequestBytes: workload.maxRequestBytes })
      : undefined;
  const table = new StubOutboxTable(workload.records);
  const relay = make({
    bus,
    ...(customBus ? { customBus } : {}),
    table,
    maxRequestBytes: workload.maxRequestBytes,
  });
  for (const batch of batches) {
    const response = await relay(batch.event);
    if ((response?.batchItemFailures?.length ?? 0) > 0)
      throw new Error(
        `${workload.key}: a batch reported failures, which this workload cannot have`,
      );
  }
  if (customBus === undefined) {
    bus.verify(workload.records);
    return bus.calls.length;
  }
  if (bus.calls.length > 0)
    throw new Error(`${workload.key}: the custom-bus relay published to the classic bus`);
  customBus.verify(workload.records);
  return customBus.calls.length;
}

/** Calls OrderedPublisher makes for the batches when each batch's longest chains go first. */
async function longestChainsFirst(
  workload: Workload,
  batches: readonly StreamBatch[],
): Promise<number> {
  let calls = 0;
  for (const batch of batches) {
    const chains = new Map<string, OutboxRecord[]>();
    for (const record of batch.records)
      chains.set(record.pk, [...(chains.get(record.pk) ?? []), record]);
    const bus = new StubEventBus({ maxRequestBytes: workload.maxRequestBytes });
    const publisher = new OrderedPublisher({
      eventBridge: bus.client,
      eventBusName: 'orders-bus',
      maxRequestBytes: workload.maxRequestBytes,
      concurrency: 4,
    });
    await publisher.publish(
      [...chains.values()].sort((a, b) => b.length - a.length),
      { remainingMs: () => 60_000, onAccepted: () => undefined, onPoison: () => undefined },
    );
    calls += bus.calls.length;
  }
  return calls;
}

async function runWorkload(workload: Workload): Promise<RunFigures> {
  const batches = lambdaBatches(workload.records);
  let minByCount = 0;
  let minByBytes = 0;
  let minOrderSafe = 0;
  let customMinByCount = 0;
  let customMinOrderSafe = 0;
  for (const batch of batches) {
    const f = floors(batch, workload.maxRequestBytes, MAX_PUT_EVENTS_ENTRIES);
    minByCount += f.byCount;
    minByBytes += f.byBytes;
    minOrderSafe += f.orderSafe;
    const custom = floors(batch, workload.maxRequestBytes, MAX_CUSTOM_BUS_ENTRIES);
    customMinByCount += custom.byCount;
    customMinOrderSafe += custom.orderSafe;
  }
  return {
    events: workload.events,
    batches: batches.length,
    ours: await relayAll(ourRelay, workload, batches),
    naive: await relayAll(naiveRelay, workload, batches),
    minByCount,
    minByBytes,
    minOrderSafe,
    longestFirst: await longestChainsFirst(workload, batches),
    custom: await relayAll(ourRelay, workload, batches, 'custom'),
    customMinByCount,
    customMinOrderSafe,
  };
}

/** Options of {@link measurePublishEfficiency}. */
export interface PublishEfficiencyOptions {
  readonly sizes: WorkloadSizes;
  readonly repeats: number;
  /** Seed of the first run; run i uses seed + i. @default 7 */
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

/** Runs every workload `repeats` times (new interleavings and sizes each time). */
export async function measurePublishEfficiency(
  options: PublishEfficiencyOptions,
): Promise<PublishScenario[]> {
  const runs = new Map<string, { label: string; figures: RunFigures[] }>();
  for (let r = 0; r < options.repeats; r++) {
    for (const workload of publishWorkloads(options.sizes, (options.seed ?? 7) + r)) {
      const figures = await runWorkload(workload);
      const entry = runs.get(workload.key) ?? { label: workload.label, figures: [] };
      entry.figures.push(figures);
      runs.set(workload.key, entry);
      options.log?.(
        `  publish ${workload.key} run ${r + 1}: ours ${figures.ours} calls, naive ${figures.naive}, min ${figures.minOrderSafe}; custom bus ${figures.custom}, min ${figures.customMinOrderSafe}`,
      );
    }
  }
  return [...runs].map(([key, { label, figures }]) => {
    const perEvent = (pick: (f: RunFigures) => number) =>
      repeated(figures.map((f) => pick(f) / f.events));
    const ours = perEvent((f) => f.ours);
    const naive = perEvent((f) => f.naive);
    const minByCount = perEvent((f) => f.minByCount);
    const minByBytes = perEvent((f) => f.minByBytes);
    const minOrderSafe = perEvent((f) => f.minOrderSafe);
    const longestFirst = perEvent((f) => f.longestFirst);
    const custom = perEvent((f) => f.custom);
    const customMinOrderSafe = perEvent((f) => f.customMinOrderSafe);
    const physical = repeated(figures.map((f) => Math.max(f.minByCount, f.minByBytes) / f.events));
    const customPhysical = repeated(
      figures.map((f) => Math.max(f.customMinByCount, f.minByBytes) / f.events),
    );
    return {
      key,
      label,
      events: repeated(figures.map((f) => f.events)).median,
      batches: repeated(figures.map((f) => f.batches)).median,
      ours,
      naive,
      minByCount,
      minByBytes,
      minOrderSafe,
      longestFirst,
      custom,
      customMinByCount: perEvent((f) => f.customMinByCount),
      customMinOrderSafe,
      oursOverMin: pairedRatio(ours, physical),
      oursOverOrderSafe: pairedRatio(ours, minOrderSafe),
      oursOverNaive: pairedRatio(ours, naive),
      customOverMin: pairedRatio(custom, customPhysical),
      customOverOrderSafe: pairedRatio(custom, customMinOrderSafe),
      customOverClassic: pairedRatio(custom, ours),
    };
  });
}
