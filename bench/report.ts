import type { ColdStartResult } from './cold-start.js';
import type { CommandCostModel, RelayDuration } from './cost-model.js';
import { bytes, ms, num, ratio, usd } from './format.js';
import { type LatencyResult, POLL_INTERVAL_MS, pollingFloorMs } from './latency.js';
import type { MachineInfo } from './machine.js';
import { CUSTOM_BUS_PRICE_NOTE, PRICE_NOTE } from './prices.js';
import type { PublishScenario } from './publish-efficiency.js';
import type { RelayTimeResult } from './relay-time.js';
import { renderMarkdown, renderText, type Table } from './table.js';
import { total, type WriteCostResult } from './write-cost.js';

/** Everything one run measured (a section is absent when it was not run). */
export interface BenchResults {
  readonly quick: boolean;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly wallSeconds: number;
  /** One-minute load average at the start of each section and at the end. */
  readonly loadAverage: readonly number[];
  readonly repeats: {
    readonly publish: number;
    readonly relay: number;
    readonly latency: number;
    readonly cold: number;
  };
  readonly publish?: readonly PublishScenario[];
  readonly relay?: RelayTimeResult;
  readonly writes?: WriteCostResult;
  readonly duration?: RelayDuration;
  readonly costs?: readonly CommandCostModel[];
  readonly latency?: LatencyResult;
  readonly cold?: ColdStartResult;
}

const perEvent = (value: number) => num(value, 3);

export function publishTable(scenarios: readonly PublishScenario[], repeats: number): Table {
  return {
    title: '1. Publish efficiency: PutEvents calls per event',
    columns: [
      'workload',
      'ours',
      'min (count)',
      'min (bytes)',
      'order-safe min',
      'naive relay',
      'ours ÷ min',
      'ours ÷ order-safe',
      'ours ÷ naive',
    ],
    rows: scenarios.map((s) => [
      s.label,
      perEvent(s.ours.median),
      perEvent(s.minByCount.median),
      perEvent(s.minByBytes.median),
      perEvent(s.minOrderSafe.median),
      perEvent(s.naive.median),
      ratio(s.oursOverMin),
      ratio(s.oursOverOrderSafe),
      ratio(s.oursOverNaive),
    ]),
    notes: [
      `Median of ${repeats} run(s), each with a new seed (interleaving and sizes); ratios are medians of per-run ratios.`,
      'Records built by OutboxWriter.prepare, cut into invocations as the event source mapping does (≤ 100 records, ≤ 6 MB payload), relayed by relayStreamBatch (PUBLISH_CONCURRENCY 4) over in-process stubs.',
      'min (count) = Σ per invocation ⌈events / 10⌉; min (bytes) = Σ ⌈entry bytes / request limit⌉ (no relay merges invocations). "ours ÷ min" divides by the larger of the two.',
      'order-safe min adds the longest per-aggregate chain: a relay that never puts two events of one aggregate in one call (so a partial failure cannot reorder them) needs that many calls.',
      'naive relay = the public samples: one PutEvents per stream record, in order, then mark.',
    ],
  };
}

export function publishCustomTable(scenarios: readonly PublishScenario[], repeats: number): Table {
  return {
    title: '1b. Publish efficiency on the Custom Event Bus: PutEvents calls per event',
    columns: [
      'workload',
      'ours, classic bus',
      'ours, custom bus',
      'min (count, 100)',
      'min (bytes)',
      'order-safe min (100)',
      'custom ÷ min',
      'custom ÷ order-safe',
      'custom ÷ classic',
    ],
    rows: scenarios.map((s) => [
      s.label,
      perEvent(s.ours.median),
      perEvent(s.custom.median),
      perEvent(s.customMinByCount.median),
      perEvent(s.minByBytes.median),
      perEvent(s.customMinOrderSafe.median),
      ratio(s.customOverMin),
      ratio(s.customOverOrderSafe),
      ratio(s.customOverClassic),
    ]),
    notes: [
      `The batches of table 1 (median of ${repeats} run(s)), relayed by the same relayStreamBatch with its publisher built by busPublisher({ kind: 'custom' }): CustomBusPublisher, up to 100 entries per call and one per aggregate (EventGroupId = the aggregate key), over an in-process eventbridgev2 stub of an ACTIVE Custom Event Bus.`,
      'min (count, 100) = Σ per invocation ⌈events / 100⌉; min (bytes) as in table 1 (the Custom Event Bus documents no request limit, so the adapter keeps the classic entry-size formula and limit); order-safe min (100) = Σ max(count, bytes, longest per-aggregate chain). "custom ÷ min" divides by the larger of the two minimums.',
      'custom ÷ classic = median of per-run ratios of ours on the two buses over the same batches.',
    ],
  };
}

export function relayTimeTable(result: RelayTimeResult, repeats: number): Table {
  return {
    title: `2. Relay time: one 100-record batch, PutEvents ${result.latencyMs} ms`,
    columns: [
      'batch',
      'ours',
      'naive relay',
      'bound (4 in flight)',
      'bound (1 in flight)',
      'ours ÷ naive',
      'ours ÷ bound',
    ],
    rows: result.timing.map((t) => [
      t.label,
      ms(t.ours.median),
      ms(t.naive.median),
      ms(t.boundMs),
      ms(t.boundSerialMs),
      ratio(t.oursOverNaive, 3),
      ratio(t.oursOverBound),
    ]),
    notes: [
      `Median of ${repeats} run(s); in-process stubs, each PutEvents call answered after ${result.latencyMs} ms, DynamoDB calls at 0 ms; both relays on the same stubs.`,
      "bound = latency × max(longest per-aggregate chain, ⌈⌈events / 10⌉ / calls in flight⌉): every call costs a round trip, an aggregate's events go one call after another, and at most 10 entries fit a call. Ours runs 4 calls in flight (PUBLISH_CONCURRENCY); the 1-in-flight bound is the one a serial relay faces.",
    ],
  };
}

export function overheadTable(result: RelayTimeResult, repeats: number): Table {
  return {
    title: "2b. The relay's own cost at zero latency (µs per record)",
    columns: ['batch', 'ours', 'naive relay', 'ours ÷ naive'],
    rows: result.overhead.map((o) => [
      o.label,
      `${num(o.ours.median, 1)} µs`,
      `${num(o.naive.median, 1)} µs`,
      ratio(o.oursOverNaive),
    ]),
    notes: [
      `Median over ${repeats} run(s) of the median of ${result.overheadIterations} batches each; stubs answer at once (no SDK serialization, no network): what remains is decoding, planning, publishing and marking logic.`,
    ],
  };
}

export function relayTimeCustomTable(result: RelayTimeResult, repeats: number): Table {
  const overhead = new Map(result.overhead.map((o) => [o.key, o]));
  return {
    title: `2c. Relay time on the Custom Event Bus: one 100-record batch, PutEvents ${result.latencyMs} ms`,
    columns: [
      'batch',
      'ours, classic bus',
      'ours, custom bus',
      'bound, custom (4 in flight)',
      'bound, custom (1 in flight)',
      'custom ÷ classic',
      'custom ÷ bound',
      'own cost, custom (0 ms)',
      'own cost, custom ÷ classic',
    ],
    rows: result.timing.map((t) => {
      const o = overhead.get(t.key);
      return [
        t.label,
        ms(t.ours.median),
        ms(t.custom.median),
        ms(t.customBoundMs),
        ms(t.customBoundSerialMs),
        ratio(t.customOverClassic, 3),
        ratio(t.customOverBound),
        o ? `${num(o.custom.median, 1)} µs` : '—',
        o ? ratio(o.customOverClassic) : '—',
      ];
    }),
    notes: [
      `Median of ${repeats} run(s), the three relays in rotating order; ours on the Custom Event Bus is the same relay with the custom-bus adapter (up to 100 entries per call, one per aggregate), over an eventbridgev2 stub answering each PutEvents after ${result.latencyMs} ms.`,
      'bound, custom = latency × max(longest per-aggregate chain, ⌈⌈events / 100⌉ / calls in flight⌉). own cost = µs per record at zero latency, measured as in table 2b.',
    ],
  };
}

export function writeCostTable(writes: WriteCostResult): Table {
  const units = (u: { table: number; indexes: number }) =>
    `${total(u)} (${u.table} + ${u.indexes} index)`;
  return {
    title: '3. Write cost: capacity units per command',
    columns: [
      'command',
      'largest entry',
      'items (bytes)',
      'WCU reported',
      'WCU by the rules',
      'floor',
      'ours ÷ floor',
      'reads (RCU)',
    ],
    rows: [
      ...writes.commands.map((c) => [
        c.label,
        bytes(c.entryBytes),
        c.items.map((i) => `${i.role} ${num(i.bytes)}`).join(', '),
        c.writeMeasured ? units(c.writeMeasured) : '—',
        units(c.writeComputed),
        `${c.writeFloor}`,
        ratio(
          total(
            writes.method === 'measured' && c.writeMeasured ? c.writeMeasured : c.writeComputed,
          ) / c.writeFloor,
        ),
        `${c.readMeasured ?? c.readComputed}`,
      ]),
      [
        'relay, per record: status read (BatchGetItem, consistent)',
        '',
        '',
        writes.relay.readMeasured === undefined ? '—' : `${num(writes.relay.readMeasured, 2)} RCU`,
        `${num(writes.relay.readComputed, 2)} RCU`,
        '0',
        '',
        '',
      ],
      [
        'relay, per record: mark DELIVERED (UpdateItem)',
        '',
        '',
        writes.relay.markMeasured ? units(writes.relay.markMeasured) : '—',
        units(writes.relay.markComputed),
        '0',
        '',
        '',
      ],
    ],
    notes: [
      `Method: ${writes.methodNote}. "By the rules" recomputes each figure from the item sizes (dynamoItemSize): a transaction costs 2 WCU per started KB per item (an update counts the larger of before and after), a plain write 1, a consistent read 1 per 4 KB (at least 1, also for a missing item).`,
      "floor = the transaction floor: 2 WCU per KB for the entity item and for one outbox item holding only the key and the events' data (no envelope, ids, status or pending-index attribute). The idempotency record is not in the floor.",
      writes.disagreements.length === 0
        ? 'DynamoDB Local and the rules agree on every figure.'
        : `DynamoDB Local and the rules disagree: ${writes.disagreements.join('; ')}.`,
      'The pending-index entry is charged 2 WCU per KB inside the transaction, as DynamoDB Local reports (the developer guide does not spell out the index rate of a transactional write: check ConsumedCapacity in an account), and its removal by the marking 1 WCU.',
    ],
  };
}

export function costTables(costs: readonly CommandCostModel[], duration: RelayDuration): Table[] {
  const create = costs.find((c) => c.key === 'create');
  const tables: Table[] = [];
  if (create)
    tables.push({
      title: `3b. Cost per million ${create.label} commands`,
      columns: ['line', 'ours', 'floor', 'dual write (reference)'],
      rows: [
        ...create.lines.map((l) => [l.item, usd(l.ours), usd(l.floor), usd(l.dualWrite)]),
        ['total', usd(create.ours), usd(create.floor), usd(create.dualWrite)],
      ],
      notes: [
        PRICE_NOTE,
        CUSTOM_BUS_PRICE_NOTE,
        `Relay invocations at the batch size measured in local mode (${num(duration.batchSize, 1)} records per invocation at the rate of section 4, batching window 0); relay duration measured in-process on a ${duration.recordsTimed}-record batch with 20 ms PutEvents and 5 ms DynamoDB round trips (ours ${ms(duration.oursMs)}, naive ${ms(duration.naiveMs)}), billed per ms at 512 MB; floor duration = the bound of section 2 (${ms(duration.boundMs)}).`,
        "Floor = the transaction floor, PutEvents and the relay's invocations at the bound duration: what any outbox on Streams → EventBridge pays. Ours adds the pending index (for the sweeper), the status read (ordering and de-duplication) and the marking (so the sweeper knows what was delivered).",
        'Dual write = PutItem of the entity (1 WCU per KB) then PutEvents from the command Lambda: cheaper, and loses or invents events on a crash between the two (see the README).',
        'Not counted (same for every design, or fixed per month): stream reads by Lambda (free), TTL deletes (free), storage and PITR, API Gateway, the command Lambdas, CloudWatch, the sweeper (one run a minute, whatever the traffic).',
      ],
    });
  tables.push({
    title: '3c. Cost per million commands, by command',
    columns: ['command', 'ours', 'floor', 'ours ÷ floor', 'dual write (reference)'],
    rows: costs.map((c) => [
      c.label,
      usd(c.ours),
      usd(c.floor),
      ratio(c.ours / c.floor),
      usd(c.dualWrite),
    ]),
    notes: [
      'Same model as 3b; the relay duration per record is the 1-event figure for every command.',
    ],
  });
  return tables;
}

export function latencyTable(latency: LatencyResult): Table {
  const row = (label: string, figures: readonly { median: number }[]): string[] => [
    label,
    ...figures.map((f) => ms(f.median)),
  ];
  return {
    title: `4. End-to-end latency in local mode (${num(latency.ratePerSecond)} commands/s)`,
    columns: ['series', 'p50', 'p95', 'p99'],
    rows: [
      row('ours: API commit (201) → event on the bus', latency.commitToBus.percentiles),
      row('ours: request sent → event on the bus', latency.requestToBus.percentiles),
      row('the API itself: request sent → 201', latency.requestToCommit.percentiles),
      row('dual write: PutEvents after the commit → on the bus', latency.dualWrite.percentiles),
      [
        `polling floor (a poll every ${POLL_INTERVAL_MS} ms)`,
        ms(pollingFloorMs(0.5)),
        ms(pollingFloorMs(0.95)),
        ms(pollingFloorMs(0.99)),
      ],
      ['ours ÷ dual write', ...latency.oursOverDualWrite.map((r) => ratio(r, 0))],
      [
        'ours − polling floor',
        ...latency.commitToBus.percentiles.map((p, i) =>
          ms(p.median - pollingFloorMs([0.5, 0.95, 0.99][i] ?? 0)),
        ),
      ],
    ],
    notes: [
      `${latency.runs} run(s) of ${num(latency.commandsPerRun)} POST /orders at a fixed rate, each run in a fresh process with a fresh local runtime (DynamoDB Local, the API, the stream poller, the relay, the local bus) after a warm-up; percentiles by nearest rank, median over runs. ${latency.failed} command(s) failed.`,
      'Both instants on one monotonic clock: the 201 as the client receives it, the event as the local bus accepts it (its onEvent listener, in the same process).',
      `Relay invocations in the measured window: ${num(latency.invocations)} per run, ${num(latency.batchSize.median, 1)} records each (median).`,
      "The polling floor is the wait for the next stream poll alone (uniform over the interval); Lambda's event source mapping also polls a shard 4 times a second.",
    ],
  };
}

export function bundleTable(cold: ColdStartResult): Table {
  const share = (l: ColdStartResult['lambdas'][number], origin: string) =>
    bytes(l.ours.composition.find((o) => o.origin === origin)?.bytes ?? 0);
  return {
    title: '5. Cold start: bundle size',
    columns: [
      'Lambda',
      'bundle',
      'source map',
      'zipped',
      'of which zod',
      'project code',
      'bare handler',
      'SDK packages imported',
    ],
    rows: cold.lambdas.map((l) => [
      l.name,
      bytes(l.ours.jsBytes),
      bytes(l.ours.mapBytes),
      bytes(l.ours.zippedBytes),
      share(l, 'zod'),
      share(l, 'project code'),
      bytes(l.bare.jsBytes),
      l.ours.externals.map((p) => p.replace('@aws-sdk/', '')).join(', '),
    ]),
    notes: [
      'Bundled with esbuild as lib/node-function.ts configures NodejsFunction: ESM, target node24, minified, linked source map, mainFields module/main, the createRequire banner, @aws-sdk/* external (the runtime provides the SDK). zipped = deflate of the script and its map, about what the asset zip holds.',
      'bare handler = a handler that imports the same SDK packages and creates their clients at module scope, bundled the same way.',
    ],
  };
}

export function coldStartTable(cold: ColdStartResult): Table {
  return {
    title: '5b. Cold start: module init (import of the bundle in a fresh process)',
    columns: [
      'Lambda',
      'ours',
      'bare, same imports',
      'ours ÷ bare',
      'CPU ours',
      'CPU bare',
      'ours ÷ bare (CPU)',
      'bare, used clients only',
      'ours ÷ that',
    ],
    rows: cold.lambdas.map((l) => [
      l.name,
      ms(l.oursInit.wall.median),
      ms(l.bareInit.wall.median),
      ratio(l.wallRatio),
      ms(l.oursInit.cpu.median),
      ms(l.bareInit.cpu.median),
      ratio(l.cpuRatio),
      l.usedOnly ? ms(l.usedOnly.init.wall.median) : '(same)',
      l.usedOnly ? ratio(l.usedOnly.wallRatio) : '',
    ]),
    notes: [
      `Wall-clock time of \`await import(bundle)\` in a fresh \`node\` process, and the CPU time (user + system, all threads) it used; NODE_OPTIONS=--enable-source-maps as deployed; dummy environment, no network; median of ${cold.processes} processes per bundle, round-robin over all bundles; ratios are medians of per-round ratios. The SDK loads from node_modules, as it would from the Lambda runtime.`,
      '"used clients only" = a bare handler importing just the SDK clients the Lambda creates (the Orders Lambdas create DynamoDB clients only).',
      `Local Node ${process.version} on a shared VM, not Lambda's Node 24 in Firecracker: compare with the baselines, not in absolute terms.`,
    ],
  };
}

/** Every table of the run, in order. */
export function allTables(results: BenchResults): Table[] {
  const tables: Table[] = [];
  if (results.publish)
    tables.push(
      publishTable(results.publish, results.repeats.publish),
      publishCustomTable(results.publish, results.repeats.publish),
    );
  if (results.relay)
    tables.push(
      relayTimeTable(results.relay, results.repeats.relay),
      overheadTable(results.relay, results.repeats.relay),
      relayTimeCustomTable(results.relay, results.repeats.relay),
    );
  if (results.writes) tables.push(writeCostTable(results.writes));
  if (results.costs && results.duration)
    tables.push(...costTables(results.costs, results.duration));
  if (results.latency) tables.push(latencyTable(results.latency));
  if (results.cold) tables.push(bundleTable(results.cold), coldStartTable(results.cold));
  return tables;
}

/** The table on stdout. */
export function renderStdout(results: BenchResults): string {
  const head = `dynamo-outbox benchmarks${results.quick ? ' (--quick: small counts, a smoke test)' : ''} — ${results.machine.date}, Node ${results.machine.node}, ${results.machine.cores} × ${results.machine.cpu}`;
  return [head, '', ...allTables(results).map((t) => `${renderText(t)}\n`)].join('\n');
}

/** Observations worth a reader's attention, derived from the figures. */
export function findings(results: BenchResults): string[] {
  const out: string[] = [];
  const b = results.publish?.find((s) => s.key === 'b');
  if (b && b.ours.median > b.minOrderSafe.median)
    out.push(
      `Interleaved aggregates (workload b) cost ${ratio(b.oursOverOrderSafe)} the order-safe minimum: when a batch holds two records of one aggregate, the second can only go once the first was accepted, and the publisher fills calls in the order the chains first appear in the batch, so a second event whose first went out late ends up in a part-filled call. In the same run, handing OrderedPublisher the same batches with the longest chains first took ${perEvent(b.longestFirst.median)} calls per event (order-safe minimum ${perEvent(b.minOrderSafe.median)}): sorting the chains in the relay would close the gap.`,
    );
  const c = results.publish?.find((s) => s.key === 'c');
  if (c)
    out.push(
      `One hot aggregate gets no batching at all (${perEvent(c.ours.median)} calls per event, like the naive relay): by design, a call never carries two events of one aggregate, so that a partial failure cannot reorder them. The same holds for relay time: a 100-record hot batch takes 100 round trips.`,
    );
  const buses = busComparison(results);
  if (buses) out.push(buses);
  const cold = results.cold?.lambdas;
  const zod = cold?.[0]?.ours.composition.find((o) => o.origin === 'zod');
  if (cold?.[0] && zod)
    out.push(
      `zod is ${bytes(zod.bytes)} of the ${bytes(cold[0].ours.jsBytes)} ${cold[0].name} bundle (${num((zod.bytes / cold[0].ours.jsBytes) * 100)} %); the project's own code is ${bytes(cold[0].ours.composition.find((o) => o.origin === 'project code')?.bytes ?? 0)}. The Lambdas validate with \`zod/mini\`, which esbuild trims to the functions they use, and its English messages (lambdas/outbox/zod.ts); classic \`zod\` is not tree-shaken and would put all of its ~440 KB in every bundle.`,
    );
  const stray = cold?.find((l) => l.usedOnly);
  if (stray?.usedOnly) {
    const unused = stray.ours.externals.filter(
      (p) => !stray.usedOnly?.packages.includes(p) && p !== '@aws-sdk/util-dynamodb',
    );
    out.push(
      `The Orders Lambdas import ${unused.map((p) => `\`${p}\``).join(' and ')} without using them: lambdas/outbox/index.ts re-exports createOutboxDelivery, whose module imports those clients, and esbuild must keep an external import. Importing only the DynamoDB clients, a bare handler initialises in ${ms(stray.usedOnly.init.wall.median)} instead of ${ms(stray.bareInit.wall.median)} (${stray.name}, median).`,
    );
  }
  const latency = results.latency;
  if (latency) {
    const p50 = latency.commitToBus.percentiles[0]?.median ?? 0;
    out.push(
      `End to end, the stream poll dominates: the median wait for the next poll alone is ${ms(pollingFloorMs(0.5))}, and ours is ${ms(p50)} at p50. The relay's own share is small (section 2b); lowering latency means polling more often (Lambda's mapping does not allow it) or publishing from the command Lambda as a fast path, with the outbox as the guarantee.`,
    );
  }
  const writes = results.writes?.commands.find((c) => c.key === 'create');
  const mark = results.writes?.relay.markMeasured ?? results.writes?.relay.markComputed;
  if (writes?.writeMeasured && mark) {
    const outboxBytes = writes.items.find((i) => i.role === 'outbox record')?.bytes ?? 0;
    out.push(
      `Of the ${total(writes.writeMeasured)} WCU a POST /orders transaction costs, ${writes.writeMeasured.indexes} go to the pending-index entry (a ${num(writes.items.find((i) => i.role === 'pending-index entry')?.bytes ?? 0)}-byte keys-only GSI entry, charged at the transactional rate) and ${2 * Math.ceil(outboxBytes / 1024)} to the ${num(outboxBytes)}-byte outbox record; the marking adds ${total(mark)} more (${mark.indexes} of them removing the index entry). The index and the marking exist for the sweeper; together they are ${num(((writes.writeMeasured.indexes + total(mark)) / (total(writes.writeMeasured) + total(mark))) * 100)} % of the write units.`,
    );
  }
  return out;
}

/** The Custom Event Bus against the classic bus, from sections 1 and 2 (whichever ran). */
function busComparison(results: BenchResults): string | undefined {
  const a = results.publish?.find((s) => s.key === 'a');
  const c = results.publish?.find((s) => s.key === 'c');
  const spread = results.relay?.timing.find((t) => t.key === 'spread');
  const hot = results.relay?.timing.find((t) => t.key === 'hot');
  const wide: string[] = [];
  if (a)
    wide.push(
      `over many aggregates (workload a) ours makes ${perEvent(a.custom.median)} PutEvents calls per event against ${perEvent(a.ours.median)} (${ratio(a.customOverClassic)}; the 100-entry count minimum is ${perEvent(a.customMinByCount.median)})`,
    );
  if (spread)
    wide.push(
      `a 100-aggregate batch at ${results.relay?.latencyMs} ms per call takes ${ms(spread.custom.median)} against ${ms(spread.ours.median)} (${ratio(spread.customOverClassic, 3)}; bound ${ms(spread.customBoundMs)})`,
    );
  const narrow: string[] = [];
  if (c)
    narrow.push(
      `${perEvent(c.custom.median)} PutEvents calls per event against ${perEvent(c.ours.median)}`,
    );
  if (hot)
    narrow.push(`${ms(hot.custom.median)} against ${ms(hot.ours.median)} for a 100-record batch`);
  const sentences: string[] = [];
  if (wide.length > 0)
    sentences.push(
      `Custom Event Bus against classic bus (ours on both, same batches): ${wide.join('; ')}.`,
    );
  if (narrow.length > 0)
    sentences.push(
      `One hot aggregate, custom against classic: ${narrow.join(', and ')}. A call still carries at most one event of an aggregate, so 100 entries per call help only across aggregates.`,
    );
  return sentences.length === 0 ? undefined : sentences.join(' ');
}

/** RESULTS.md. */
export function renderMarkdownReport(results: BenchResults, chartFile: string | undefined): string {
  const m = results.machine;
  const lines = [
    '# Benchmarks',
    '',
    'Generated by `bench/run.ts`; every figure is a median over repeated runs, next to its baseline from the same run, and the ratio between them. No test asserts on these numbers.',
    '',
    `- Command: \`${results.command}\``,
    `- Date: ${m.date}; wall time ${num(results.wallSeconds)} s`,
    `- Machine: ${m.cores} × ${m.cpu}, ${m.memoryGb} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.java} (DynamoDB Local)`,
    `- One-minute load average at each section's start and at the end: ${results.loadAverage.map((l) => num(l, 1)).join(', ')} (on ${m.cores} vCPUs; above ${m.cores}, other work shared the machine and timings include that contention)`,
    `- Repeats: publish ${results.repeats.publish}, relay time ${results.repeats.relay}, latency ${results.repeats.latency} runs, cold start ${results.repeats.cold} processes`,
    '',
  ];
  const found = findings(results);
  if (found.length > 0) lines.push('## Findings', '', ...found.map((f) => `- ${f}`), '');
  for (const table of allTables(results)) {
    lines.push(renderMarkdown(table, 2), '');
    if (table.title.startsWith('4.') && chartFile)
      lines.push(`![Latency percentiles](${chartFile})`, '');
  }
  lines.push(
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench            # the full run: writes bench/RESULTS.md and bench/latency.svg',
    'npm run bench -- --quick # small counts, prints the table only (a smoke test)',
    '```',
    '',
  );
  return lines.join('\n');
}
