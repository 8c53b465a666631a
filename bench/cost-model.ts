import { PRICES } from './prices.js';
import { DEPLOYED_CONCURRENCY, relayBoundMs } from './relay-time.js';
import { naiveRelay, ourRelay } from './relays.js';
import { median } from './stats.js';
import { lambdaBatches } from './stream-batches.js';
import { StubEventBus, StubOutboxTable } from './stubs.js';
import { buildRecords } from './workloads.js';
import { type CommandCost, total, type WriteCostResult } from './write-cost.js';

/**
 * Issue 7, figure 3 (continued): the cost per million commands of the example service,
 * from the measured units, the measured relay batch size and relay duration, next to
 * the floor and, for reference, the dual write the outbox replaces.
 */

/** The relay Lambda's memory, as the construct deploys it (`relayMemorySize`). */
export const RELAY_MEMORY_GB = 512 / 1024;
/** Simulated round trips for the relay's duration. */
export const DURATION_LATENCY = { putEventsMs: 20, dynamoDbMs: 5 } as const;

/** The relay's duration for one invocation of the measured batch size. */
export interface RelayDuration {
  readonly batchSize: number;
  readonly recordsTimed: number;
  readonly oursMs: number;
  readonly naiveMs: number;
  readonly boundMs: number;
}

/**
 * Times our relay (and the naive one) on a batch of `batchSize` records of distinct
 * orders, with 20 ms PutEvents and 5 ms DynamoDB round trips.
 */
export async function measureRelayDuration(
  batchSize: number,
  repeats: number,
): Promise<RelayDuration> {
  const count = Math.max(1, Math.round(batchSize));
  const records = buildRecords(
    Array.from({ length: count }, (_, aggregate) => ({ aggregate, events: [undefined] })),
  );
  const [batch] = lambdaBatches(records);
  if (batch === undefined) throw new Error('no batch');
  const time = async (kind: 'ours' | 'naive') => {
    const setup = {
      bus: new StubEventBus({ latencyMs: DURATION_LATENCY.putEventsMs }),
      table: new StubOutboxTable(records, { latencyMs: DURATION_LATENCY.dynamoDbMs }),
      concurrency: DEPLOYED_CONCURRENCY,
    };
    const relay = kind === 'ours' ? ourRelay(setup) : naiveRelay(setup);
    const start = performance.now();
    await relay(batch.event);
    return performance.now() - start;
  };
  const ours: number[] = [];
  const naive: number[] = [];
  for (let r = 0; r < repeats; r++) {
    ours.push(await time('ours'));
    naive.push(await time('naive'));
  }
  return {
    batchSize,
    recordsTimed: count,
    oursMs: median(ours),
    naiveMs: median(naive),
    boundMs: relayBoundMs(records, DURATION_LATENCY.putEventsMs, DEPLOYED_CONCURRENCY),
  };
}

/** One line of the cost table: dollars per million commands. */
export interface CostLine {
  readonly item: string;
  readonly ours: number;
  readonly floor: number;
  readonly dualWrite: number;
  /** How the quantity was obtained. */
  readonly basis: string;
}

/** The cost of one command kind, per million commands. */
export interface CommandCostModel {
  readonly key: CommandCost['key'];
  readonly label: string;
  readonly lines: readonly CostLine[];
  readonly ours: number;
  readonly floor: number;
  readonly dualWrite: number;
}

const M = 1e6;

/** Dollars per million commands of each kind, line by line. */
export function costModel(
  writes: WriteCostResult,
  duration: RelayDuration,
): readonly CommandCostModel[] {
  const { relay } = writes;
  const measuredOr = <T>(measured: T | undefined, computed: T): T =>
    writes.method === 'measured' && measured !== undefined ? measured : computed;
  const perInvocation = 1 / duration.batchSize;
  const gbSeconds = (ms: number) => (Math.ceil(ms) / 1000) * RELAY_MEMORY_GB;
  return writes.commands.map((command) => {
    const write = total(measuredOr(command.writeMeasured, command.writeComputed));
    const reads = measuredOr(command.readMeasured, command.readComputed);
    const statusReads = measuredOr(relay.readMeasured, relay.readComputed);
    const mark = total(measuredOr(relay.markMeasured, relay.markComputed));
    const entity = command.items.find((i) => i.role.startsWith('entity'))?.bytes ?? 0;
    const chunks = command.events * Math.ceil(command.entryBytes / PRICES.eventBridgeChunkBytes);
    const wru = (units: number) => units * PRICES.dynamoWriteRequestUnit * M;
    const rru = (units: number) => units * PRICES.dynamoReadRequestUnit * M;
    const lines: CostLine[] = [
      {
        item: `command transaction (${write} WRU; floor ${command.writeFloor})`,
        ours: wru(write),
        floor: wru(command.writeFloor),
        dualWrite: wru(Math.ceil(entity / 1024)),
        basis: 'DynamoDB WRU',
      },
      {
        item: `command reads (${reads} RRU)`,
        ours: rru(reads),
        floor: rru(reads),
        dualWrite: rru(reads),
        basis: 'DynamoDB RRU',
      },
      {
        item: `relay status read (${statusReads} RRU)`,
        ours: rru(statusReads),
        floor: 0,
        dualWrite: 0,
        basis: 'DynamoDB RRU',
      },
      {
        item: `relay marking DELIVERED (${mark} WRU)`,
        ours: wru(mark),
        floor: 0,
        dualWrite: 0,
        basis: 'DynamoDB WRU',
      },
      {
        item: `PutEvents (${chunks} event chunk${chunks === 1 ? '' : 's'})`,
        ours: chunks * PRICES.eventBridgeEvent * M,
        floor: chunks * PRICES.eventBridgeEvent * M,
        dualWrite: chunks * PRICES.eventBridgeEvent * M,
        basis: 'EventBridge',
      },
      {
        item: `relay invocations (1 per ${duration.batchSize.toFixed(1)} commands)`,
        ours: perInvocation * PRICES.lambdaRequest * M,
        floor: perInvocation * PRICES.lambdaRequest * M,
        dualWrite: 0,
        basis: 'Lambda requests',
      },
      {
        item: `relay duration (${Math.ceil(duration.oursMs)} ms; floor ${Math.ceil(duration.boundMs)} ms, 512 MB)`,
        ours: perInvocation * gbSeconds(duration.oursMs) * PRICES.lambdaGbSecondArm * M,
        floor: perInvocation * gbSeconds(duration.boundMs) * PRICES.lambdaGbSecondArm * M,
        dualWrite: 0,
        basis: 'Lambda GB-s',
      },
    ];
    const sum = (pick: (l: CostLine) => number) => lines.reduce((s, l) => s + pick(l), 0);
    return {
      key: command.key,
      label: command.label,
      lines,
      ours: sum((l) => l.ours),
      floor: sum((l) => l.floor),
      dualWrite: sum((l) => l.dualWrite),
    };
  });
}
