import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { BusKind } from '../../lambdas/outbox/index.js';
import type { LocalEvent } from '../../local/event-bus-server.js';
import { freePort } from '../../local/ports.js';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.js';
import { seededRandom } from '../../local/seeded-random.js';
import type { BusEvent } from '../helpers/local-runtime.js';

/** How hard to shake the pipeline. */
export interface ChaosOptions {
  /** The bus the relay publishes to; the faults are the same on both. */
  readonly bus: BusKind;
  /** HTTP commands to send. */
  readonly commands: number;
  /** Orders to spread them over (created as the run goes). */
  readonly aggregates: number;
  /** Commands in flight at once. */
  readonly concurrency: number;
  /** Lanes per stream shard (ParallelizationFactor). */
  readonly pollerParallelism: number;
  /** Per-entry PutEvents failures (throttles and internal failures). */
  readonly entryFailRate: number;
  /** Whole PutEvents requests answered with HTTP 500. */
  readonly requestFailRate: number;
  /** PutEvents accepted but answered with 500: the relay dies between PutEvents and marking. */
  readonly lostResponseRate: number;
  /** Stream records dropped, as if aged out: only the sweeper can deliver them. */
  readonly dropStreamRecordRate: number;
  /** Restarts of DynamoDB Local (persisted data) during the run. */
  readonly restarts: number;
  readonly seed: number;
  /** How long delivery may take to converge after the last command. */
  readonly convergenceTimeoutMs: number;
  readonly log?: (line: string) => void;
}

/** What a FIFO subscriber of the Custom Event Bus handed its target. */
export interface DeliveryReport {
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly orderViolations: number;
}

/** What a run proved. */
export interface ChaosReport {
  readonly bus: BusKind;
  readonly commandsSent: number;
  /** Writes the database holds: creates plus committed transitions. */
  readonly commandsCommitted: number;
  readonly responses: Readonly<Record<string, number>>;
  readonly eventsExpected: number;
  readonly eventsAccepted: number;
  readonly eventsLost: number;
  readonly phantomEvents: number;
  readonly orderViolations: number;
  readonly duplicates: number;
  readonly duplicatePercent: number;
  /** Duplicates of events whose PutEvents answer the bus lost on purpose (`lostResponseRate`). */
  readonly duplicatesAfterLostResponse: number;
  /** Custom Event Bus only: what a FIFO subscriber of every event delivered. */
  readonly fifoDelivery?: DeliveryReport;
  readonly recordsStillPending: number;
  readonly restarts: number;
  /** 5xx answers and dropped connections the client retried (DynamoDB Local restarting). */
  readonly serverErrorsRetried: number;
  readonly streamRecordsDropped: number;
  readonly sweeps: number;
  readonly seconds: number;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  bus: 'classic',
  commands: 400,
  aggregates: 40,
  concurrency: 8,
  pollerParallelism: 1,
  entryFailRate: 0.3,
  requestFailRate: 0.1,
  lostResponseRate: 0.05,
  dropStreamRecordRate: 0.05,
  restarts: 1,
  seed: 1,
  convergenceTimeoutMs: 90_000,
};

/**
 * Drives the local runtime with concurrent commands over many aggregates while injecting
 * faults at every step of the pipeline, then checks the outcome against the database,
 * which is the truth: what committed must be on the bus, exactly once at least, in order
 * per aggregate; nothing else may be.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const persistDir = mkdtempSync(join(tmpdir(), 'dynamo-outbox-chaos-'));
  const started = Date.now();
  let dropped = 0;
  const runtime = await startLocalRuntime({
    port: 0,
    busPort: 0,
    dynamoDbPort: await freePort(),
    persistDir,
    silent: true,
    pollerParallelism: options.pollerParallelism,
    bus: options.bus,
    // Fail fast into the sweeper's hands: skipped batches stay PENDING.
    maxRetries: 5,
    sweeperGraceSeconds: 2,
    sweepIntervalMs: 500,
    dropStreamRecordRate: options.dropStreamRecordRate,
    random: () => {
      const r = random();
      if (r < options.dropStreamRecordRate) dropped++;
      return r;
    },
  });
  let sweeps = 0;
  // On the Custom Event Bus, a FIFO subscriber of every event: what a consumer would get.
  const delivered: LocalEvent[] = [];
  const observer =
    runtime.customBusArn === undefined
      ? undefined
      : runtime.bus.subscribe(runtime.customBusArn, {
          name: 'chaos-observer',
          target: async (events) => void delivered.push(...events),
        });
  try {
    runtime.bus.setFaults({
      failRate: options.entryFailRate,
      errorCode: 'ThrottlingException',
      requestFailRate: options.requestFailRate,
      lostResponseRate: options.lostResponseRate,
    });
    const responses: Record<string, number> = {};
    // Server errors (mostly while DynamoDB Local restarts) that the client retried.
    const serverErrors = new Map<string, number>();
    const ids: string[] = [];
    let sent = 0;
    const restartAt = new Set(
      Array.from({ length: options.restarts }, (_, i) =>
        Math.floor(((i + 1) * options.commands) / (options.restarts + 1)),
      ),
    );
    const restarting: Promise<void>[] = [];

    const worker = async () => {
      while (sent < options.commands) {
        const n = sent++;
        if (restartAt.has(n)) {
          log(`restarting DynamoDB Local at command ${n}`);
          restarting.push(runtime.restartDynamoDb());
        }
        const status = await command(runtime, ids, options.aggregates, random, serverErrors);
        const bucket = status === 0 ? 'network' : `${Math.floor(status / 100)}xx`;
        responses[bucket] = (responses[bucket] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await Promise.all(restarting);
    runtime.bus.clearFaults();
    log(`commands sent; waiting for delivery to converge`);

    // Converge: the relay catches up, the sweeper takes what the stream lost.
    const deadline = Date.now() + options.convergenceTimeoutMs;
    let truth = await readTruth(runtime);
    while (truth.pending > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await runtime.sweepNow().then(
        () => sweeps++,
        () => undefined,
      );
      truth = await readTruth(runtime);
    }
    await observer?.whenIdle();
    const events = runtime.bus.accepted() as unknown as BusEvent[];
    const lostIds = new Set(runtime.bus.lostResponseEventIds());
    const lostEventIds = new Set(
      events.filter((e) => lostIds.has(e.id)).map((e) => e.detail.eventId),
    );
    return {
      bus: options.bus,
      ...judge(truth, events, lostEventIds),
      ...(runtime.customBusArn === undefined
        ? {}
        : { fifoDelivery: judgeDelivery(truth, delivered as unknown as BusEvent[]) }),
      commandsSent: sent,
      responses,
      restarts: options.restarts,
      serverErrorsRetried: [...serverErrors.values()].reduce((sum, n) => sum + n, 0),
      streamRecordsDropped: dropped,
      sweeps,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await runtime.stop();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

/** One random command: create, a transition (possibly not allowed), a bad request, or an idempotent retry. */
async function command(
  runtime: LocalRuntime,
  ids: string[],
  aggregates: number,
  random: () => number,
  serverErrors: Map<string, number>,
): Promise<number> {
  const pick = random();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let path = '/orders';
  let body: string | undefined = JSON.stringify({
    customerId: `c-${Math.floor(random() * 1000)}`,
    items: [{ sku: 'SKU-1', quantity: 1 + Math.floor(random() * 3), unitPrice: 500 }],
  });
  if (ids.length > 0 && (ids.length >= aggregates || pick < 0.7)) {
    const id = ids[Math.floor(random() * ids.length)] as string;
    const action = (['confirm', 'cancel', 'ship'] as const)[Math.floor(random() * 3)] as string;
    path = `/orders/${id}/${action}`;
    body = action === 'cancel' && random() < 0.5 ? JSON.stringify({ reason: 'chaos' }) : undefined;
    if (random() < 0.1) headers['if-match'] = `"${1 + Math.floor(random() * 3)}"`;
  } else if (pick < 0.8 && ids.length > 0) {
    body = JSON.stringify({ customerId: '', items: [] }); // rejected: 400
  }
  if (random() < 0.1) headers['idempotency-key'] = `k-${Math.floor(random() * 20)}`;
  // Like a well-behaved client: a server error or a dropped connection (DynamoDB Local
  // restarting) is retried with backoff. The retry may repeat a command that did commit;
  // the database, not the responses, decides what counts.
  let status = 0;
  for (let attempt = 1; attempt <= 8; attempt++) {
    let failure: string | undefined;
    try {
      const response = await fetch(`${runtime.apiUrl}${path}`, {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      status = response.status;
      if (status === 201) {
        const id = (JSON.parse(text) as { id: string }).id;
        if (!ids.includes(id)) ids.push(id);
      }
      if (status >= 500) failure = `${status} ${text.slice(0, 300)}`;
    } catch (error) {
      status = 0;
      failure = `network ${(error as Error).message}`;
    }
    if (failure === undefined) return status;
    serverErrors.set(failure, (serverErrors.get(failure) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** Math.min(attempt, 4)));
  }
  return status;
}

interface Truth {
  /** Committed events per order: its lastEventSeq. */
  readonly lastEventSeq: Map<string, number>;
  /** Sum of versions: every committed write. */
  readonly writes: number;
  /** Event ids the outbox committed. */
  readonly committedEventIds: Set<string>;
  readonly pending: number;
}

async function readTruth(runtime: LocalRuntime): Promise<Truth> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: runtime.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const lastEventSeq = new Map<string, number>();
    let writes = 0;
    for await (const page of paginateScan(
      { client },
      { TableName: runtime.ordersTableName, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) {
        lastEventSeq.set(String(item.id), Number(item.lastEventSeq));
        writes += Number(item.version);
      }
    }
    const committedEventIds = new Set<string>();
    let pending = 0;
    for await (const page of paginateScan(
      { client },
      { TableName: runtime.outboxTableName, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) {
        if (item.recordType !== 'OUTBOX') continue;
        if (item.status === 'PENDING') pending++;
        for (const event of (item.events as { eventId: string }[]) ?? [])
          committedEventIds.add(event.eventId);
      }
    }
    return { lastEventSeq, writes, committedEventIds, pending };
  } catch {
    return {
      lastEventSeq: new Map(),
      writes: 0,
      committedEventIds: new Set(),
      pending: Number.POSITIVE_INFINITY,
    };
  } finally {
    client.destroy();
  }
}

/** What the FIFO subscriber delivered, against the database: lost, repeated, out of order. */
function judgeDelivery(truth: Truth, delivered: readonly BusEvent[]): DeliveryReport {
  const verdict = judge(truth, delivered, new Set());
  return {
    delivered: delivered.length,
    lost: verdict.eventsLost,
    duplicates: verdict.duplicates,
    orderViolations: verdict.orderViolations,
  };
}

function judge(truth: Truth, events: readonly BusEvent[], lostEventIds: ReadonlySet<string>) {
  const firstSeen = new Map<string, number[]>();
  const seen = new Set<string>();
  let phantomEvents = 0;
  let duplicatesAfterLostResponse = 0;
  for (const event of events) {
    const { aggregateId, sequence, eventId } = event.detail;
    const last = truth.lastEventSeq.get(aggregateId);
    if (last === undefined || sequence > last || !truth.committedEventIds.has(eventId))
      phantomEvents++;
    const key = `${aggregateId}/${sequence}`;
    if (seen.has(key)) {
      if (lostEventIds.has(eventId)) duplicatesAfterLostResponse++;
      continue;
    }
    seen.add(key);
    firstSeen.set(aggregateId, [...(firstSeen.get(aggregateId) ?? []), sequence]);
  }
  let eventsExpected = 0;
  let eventsLost = 0;
  for (const [id, last] of truth.lastEventSeq) {
    eventsExpected += last;
    for (let seq = 1; seq <= last; seq++) if (!seen.has(`${id}/${seq}`)) eventsLost++;
  }
  let orderViolations = 0;
  for (const sequences of firstSeen.values()) {
    for (let i = 1; i < sequences.length; i++)
      if ((sequences[i] as number) <= (sequences[i - 1] as number)) orderViolations++;
  }
  const duplicates = events.length - seen.size;
  return {
    commandsCommitted: truth.writes,
    eventsExpected,
    eventsAccepted: events.length,
    eventsLost,
    phantomEvents,
    orderViolations,
    duplicates,
    duplicatePercent: seen.size === 0 ? 0 : Math.round((duplicates / seen.size) * 1000) / 10,
    duplicatesAfterLostResponse,
    recordsStillPending: truth.pending,
  };
}

/** The report as a small table. */
export function formatChaosReport(title: string, report: ChaosReport): string {
  const rows: [string, string | number][] = [
    ['commands sent', report.commandsSent],
    [
      'responses',
      Object.entries(report.responses)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['commands committed', report.commandsCommitted],
    ['events expected', report.eventsExpected],
    ['events accepted (with duplicates)', report.eventsAccepted],
    ['events lost', report.eventsLost],
    ['phantom events', report.phantomEvents],
    ['order violations', report.orderViolations],
    ['duplicates', `${report.duplicates} (${report.duplicatePercent} %)`],
    ['  of events whose answer was lost', report.duplicatesAfterLostResponse],
    ...(report.fifoDelivery === undefined
      ? []
      : ([
          ['FIFO subscriber: delivered', report.fifoDelivery.delivered],
          ['FIFO subscriber: lost', report.fifoDelivery.lost],
          ['FIFO subscriber: duplicates', report.fifoDelivery.duplicates],
          ['FIFO subscriber: order violations', report.fifoDelivery.orderViolations],
        ] as [string, number][])),
    ['records still PENDING', report.recordsStillPending],
    ['DynamoDB Local restarts', report.restarts],
    ['server errors retried by the client', report.serverErrorsRetried],
    ['stream records dropped', report.streamRecordsDropped],
    ['seconds', report.seconds],
  ];
  return [`chaos: ${title}`, ...rows.map(([k, v]) => `  ${k.padEnd(34)} ${v}`)].join('\n');
}
