import { MAX_CUSTOM_BUS_ENTRIES } from '../lambdas/outbox/custom-bus-publisher.js';
import { MAX_PUT_EVENTS_ENTRIES, type OutboxRecord } from '../lambdas/outbox/index.js';
import { naiveRelay, ourRelay, type RelaySetup } from './relays.js';
import { median, pairedRatio, type Repeated, repeated } from './stats.js';
import { lambdaBatches, type StreamBatch } from './stream-batches.js';
import { StubCustomBus, StubEventBus, StubOutboxTable } from './stubs.js';
import { buildRecords, type CommandShape } from './workloads.js';

/**
 * Issue 7, figure 2: how long one 100-record batch takes with a simulated PutEvents
 * round trip (in-process stub), ours against the naive relay and the theoretical bound;
 * and the relay's own cost per record at zero latency. Ours runs twice: publishing to the
 * classic bus and to the Custom Event Bus (100 entries per call), each against its bound.
 */

/** `PUBLISH_CONCURRENCY` as the construct deploys it. */
export const DEPLOYED_CONCURRENCY = 4;

/** A 100-record batch shape. */
interface Shape {
  readonly key: string;
  readonly label: string;
  readonly commands: readonly CommandShape[];
}

const single = (aggregate: number): CommandShape => ({ aggregate, events: [undefined] });

/** The batch shapes: many aggregates, a few, one. */
export function batchShapes(records = 100): Shape[] {
  return [
    {
      key: 'spread',
      label: `${records} aggregates × 1 record`,
      commands: Array.from({ length: records }, (_, i) => single(i)),
    },
    {
      key: 'grouped',
      label: `10 aggregates × ${records / 10} records`,
      commands: Array.from({ length: records }, (_, i) => single(i % 10)),
    },
    {
      key: 'hot',
      label: `1 aggregate × ${records} records`,
      commands: Array.from({ length: records }, () => single(0)),
    },
  ];
}

/**
 * The least time any order-keeping relay needs, at a given round-trip latency and number
 * of calls in flight: every call costs one round trip; an aggregate's events go one call
 * after the other (its chain), and ⌈events / entries per call⌉ calls spread over
 * `concurrency` slots.
 */
export function relayBoundMs(
  records: readonly OutboxRecord[],
  latencyMs: number,
  concurrency: number,
  maxEntriesPerCall: number = MAX_PUT_EVENTS_ENTRIES,
): number {
  const chains = new Map<string, number>();
  let events = 0;
  for (const record of records) {
    chains.set(record.pk, (chains.get(record.pk) ?? 0) + record.events.length);
    events += record.events.length;
  }
  const calls = Math.ceil(events / maxEntriesPerCall);
  return latencyMs * Math.max(Math.max(0, ...chains.values()), Math.ceil(calls / concurrency));
}

/** A relay and its bus: ours on the classic bus, the naive relay, ours on the Custom Event Bus. */
type RelayKind = 'ours' | 'naive' | 'custom';

/** Time of one batch through a fresh relay over fresh stubs. */
async function timeBatch(kind: RelayKind, batch: StreamBatch, latencyMs: number): Promise<number> {
  const customBus = kind === 'custom' ? new StubCustomBus({ latencyMs }) : undefined;
  const setup: RelaySetup = {
    bus: new StubEventBus({ latencyMs }),
    ...(customBus ? { customBus } : {}),
    table: new StubOutboxTable(batch.records),
    concurrency: DEPLOYED_CONCURRENCY,
  };
  const relay = kind === 'naive' ? naiveRelay(setup) : ourRelay(setup);
  const start = performance.now();
  await relay(batch.event);
  const ms = performance.now() - start;
  (customBus ?? setup.bus).verify(batch.records);
  return ms;
}

/** The relays in the order they run in repeat `r`: rotated, so none always runs on a warmer process. */
const RELAY_KINDS: readonly RelayKind[] = ['ours', 'naive', 'custom'];
const runOrder = (r: number): RelayKind[] => {
  const first = r % RELAY_KINDS.length;
  return [...RELAY_KINDS.slice(first), ...RELAY_KINDS.slice(0, first)];
};

/** Figures of one shape at the simulated latency. */
export interface RelayTimeFigure {
  readonly key: string;
  readonly label: string;
  readonly events: number;
  readonly longestChain: number;
  /** The bound at the deployed concurrency (4). */
  readonly boundMs: number;
  /** The bound with one call at a time. */
  readonly boundSerialMs: number;
  readonly ours: Repeated;
  readonly naive: Repeated;
  readonly oursOverNaive: number;
  readonly oursOverBound: number;
  /** Ours on the Custom Event Bus (100 entries per call). */
  readonly custom: Repeated;
  /** Its bound at the deployed concurrency, with 100 entries per call. */
  readonly customBoundMs: number;
  readonly customBoundSerialMs: number;
  /** Paired: custom bus ÷ classic bus, both ours. */
  readonly customOverClassic: number;
  readonly customOverBound: number;
}

/** Per-record cost at zero latency. */
export interface RelayOverheadFigure {
  readonly key: string;
  readonly label: string;
  /** µs per record. */
  readonly ours: Repeated;
  readonly naive: Repeated;
  readonly oursOverNaive: number;
  /** Ours on the Custom Event Bus, µs per record. */
  readonly custom: Repeated;
  readonly customOverClassic: number;
}

export interface RelayTimeResult {
  readonly latencyMs: number;
  readonly timing: readonly RelayTimeFigure[];
  readonly overhead: readonly RelayOverheadFigure[];
  readonly overheadIterations: number;
}

/** Options of {@link measureRelayTime}. */
export interface RelayTimeOptions {
  readonly latencyMs: number;
  readonly repeats: number;
  /** Batches timed per run for the zero-latency overhead (their median counts). */
  readonly overheadIterations: number;
  /** Shapes to time at `latencyMs` (all shapes are used for the overhead). */
  readonly timedShapes?: readonly string[];
  readonly log?: (line: string) => void;
}

export async function measureRelayTime(options: RelayTimeOptions): Promise<RelayTimeResult> {
  const shapes = batchShapes().map((shape) => {
    const records = buildRecords(shape.commands);
    const [batch, ...rest] = lambdaBatches(records);
    if (batch === undefined || rest.length > 0) throw new Error(`${shape.key}: not one batch`);
    return { ...shape, batch };
  });

  // Warm-up: let the JIT see every path once before anything is timed.
  for (const shape of shapes)
    for (let i = 0; i < 20; i++)
      for (const kind of runOrder(0)) await timeBatch(kind, shape.batch, 0);

  const timing: RelayTimeFigure[] = [];
  for (const shape of shapes) {
    if (options.timedShapes && !options.timedShapes.includes(shape.key)) continue;
    const times: Record<RelayKind, number[]> = { ours: [], naive: [], custom: [] };
    for (let r = 0; r < options.repeats; r++) {
      for (const kind of runOrder(r))
        times[kind].push(await timeBatch(kind, shape.batch, options.latencyMs));
      options.log?.(
        `  relay ${shape.key} run ${r + 1}: ours ${times.ours.at(-1)?.toFixed(1)} ms, naive ${times.naive.at(-1)?.toFixed(1)} ms, custom bus ${times.custom.at(-1)?.toFixed(1)} ms`,
      );
    }
    const { ours, naive, custom } = times;
    const records = shape.batch.records;
    const chains = new Map<string, number>();
    for (const record of records)
      chains.set(record.pk, (chains.get(record.pk) ?? 0) + record.events.length);
    const bound = relayBoundMs(records, options.latencyMs, DEPLOYED_CONCURRENCY);
    const oursRuns = repeated(ours);
    const naiveRuns = repeated(naive);
    const customRuns = repeated(custom);
    const customBound = relayBoundMs(
      records,
      options.latencyMs,
      DEPLOYED_CONCURRENCY,
      MAX_CUSTOM_BUS_ENTRIES,
    );
    timing.push({
      key: shape.key,
      label: shape.label,
      events: records.reduce((sum, r) => sum + r.events.length, 0),
      longestChain: Math.max(...chains.values()),
      boundMs: bound,
      boundSerialMs: relayBoundMs(records, options.latencyMs, 1),
      ours: oursRuns,
      naive: naiveRuns,
      oursOverNaive: pairedRatio(oursRuns, naiveRuns),
      oursOverBound: median(ours) / bound,
      custom: customRuns,
      customBoundMs: customBound,
      customBoundSerialMs: relayBoundMs(records, options.latencyMs, 1, MAX_CUSTOM_BUS_ENTRIES),
      customOverClassic: pairedRatio(customRuns, oursRuns),
      customOverBound: median(custom) / customBound,
    });
  }

  const overhead: RelayOverheadFigure[] = [];
  for (const shape of shapes) {
    const perRecord = async (kind: RelayKind) => {
      const times: number[] = [];
      for (let i = 0; i < options.overheadIterations; i++)
        times.push(await timeBatch(kind, shape.batch, 0));
      return (median(times) * 1000) / shape.batch.records.length;
    };
    const ours: number[] = [];
    const naive: number[] = [];
    const custom: number[] = [];
    for (let r = 0; r < options.repeats; r++) {
      ours.push(await perRecord('ours'));
      naive.push(await perRecord('naive'));
      custom.push(await perRecord('custom'));
    }
    const oursRuns = repeated(ours);
    const naiveRuns = repeated(naive);
    const customRuns = repeated(custom);
    overhead.push({
      key: shape.key,
      label: shape.label,
      ours: oursRuns,
      naive: naiveRuns,
      oursOverNaive: pairedRatio(oursRuns, naiveRuns),
      custom: customRuns,
      customOverClassic: pairedRatio(customRuns, oursRuns),
    });
    options.log?.(
      `  overhead ${shape.key}: ours ${oursRuns.median.toFixed(1)} µs/record, naive ${naiveRuns.median.toFixed(1)}, custom bus ${customRuns.median.toFixed(1)}`,
    );
  }
  return {
    latencyMs: options.latencyMs,
    timing,
    overhead,
    overheadIterations: options.overheadIterations,
  };
}
