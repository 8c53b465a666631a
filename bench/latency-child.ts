/**
 * One end-to-end latency run in local mode, in its own process (one local runtime per
 * process): starts the runtime on free ports, sends `POST /orders` at a fixed rate, and
 * times each order's `OrderCreated` from the 201 (the commit) to its acceptance by the
 * local bus (the bus server's `onEvent`, in this process, so both instants come from the
 * same monotonic clock). Then, as the dual-write baseline, times PutEvents calls made
 * straight to the same bus at the same rate.
 *
 * Usage (by bench/latency.ts): `node --import tsx bench/latency-child.ts '<options json>' <result file>`
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { freePort } from '../local/ports.js';
import { startLocalRuntime } from '../local/runtime.js';

/** What the parent asks for. */
export interface LatencyChildOptions {
  readonly commands: number;
  readonly ratePerSecond: number;
  /**
   * Commands sent before measuring, a few at a time as fast as they are answered: the
   * JITs (Node's and DynamoDB Local's JVM), connection pools, the first batches.
   */
  readonly warmup: number;
  /** Dual-write PutEvents calls, at the same rate. */
  readonly dualWrites: number;
}

/** One command's instants, in ms on this process's monotonic clock. */
export interface CommandSample {
  readonly sentAt: number;
  readonly committedAt: number;
  readonly onBusAt: number;
}

/** What the child writes to its result file. */
export interface LatencyChildResult {
  readonly samples: readonly CommandSample[];
  /** Commands whose answer was not 201, or whose event never arrived. */
  readonly failed: number;
  /** Dual write: ms from the PutEvents call to the bus accepting the event. */
  readonly dualWrite: readonly number[];
  /** Relay invocations and records they carried, during the measured window. */
  readonly invocations: number;
  readonly records: number;
  readonly wallMs: number;
}

const [optionsJson = '{}', resultFile] = process.argv.slice(2);
if (resultFile === undefined)
  throw new Error('usage: latency-child.ts <options json> <result file>');
const options = JSON.parse(optionsJson) as LatencyChildOptions;

const runtime = await startLocalRuntime({ port: 0, busPort: 0, dynamoDbPort: await freePort() });
const onBus = new Map<string, number>();
const waiters = new Map<string, () => void>();
const stopListening = runtime.bus.onEvent((event) => {
  const id = event.detail.aggregateId ?? event.detail.probeId;
  if (typeof id !== 'string' || onBus.has(id)) return;
  onBus.set(id, performance.now());
  waiters.get(id)?.();
});
const arrival = (id: string, timeoutMs: number) =>
  onBus.has(id)
    ? Promise.resolve(true)
    : Promise.race([
        new Promise<boolean>((resolve) => waiters.set(id, () => resolve(true))),
        sleep(timeoutMs).then(() => false),
      ]);

/** Calls `send(i)` for i = 0..count−1 at the fixed rate, without waiting for answers. */
async function atFixedRate<T>(count: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const interval = 1000 / options.ratePerSecond;
  const start = performance.now() + 20;
  const inFlight: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(i));
  }
  return Promise.all(inFlight);
}

/** Calls `send` `count` times, at most `concurrency` at once: no queue builds up. */
async function closedLoop(count: number, concurrency: number, send: () => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await send();
    }),
  );
}

const body = JSON.stringify({
  customerId: 'c-1',
  items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 1250 }],
});
async function createOrder(): Promise<CommandSample | undefined> {
  const sentAt = performance.now();
  const response = await fetch(`${runtime.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const committedAt = performance.now();
  const answer = (await response.json()) as { id?: unknown };
  if (response.status !== 201 || typeof answer.id !== 'string') return undefined;
  if (!(await arrival(answer.id, 60_000))) return undefined;
  return { sentAt, committedAt, onBusAt: onBus.get(answer.id) ?? Number.NaN };
}

const trace = (what: string) =>
  process.stderr.write(`[latency-child] ${what} at ${(performance.now() / 1000).toFixed(1)} s\n`);
try {
  const begin = performance.now();
  trace('runtime started');
  await closedLoop(options.warmup, 16, createOrder);
  trace('warm-up done');
  const before = { ...runtime.poller.stats };
  const results = await atFixedRate(options.commands, createOrder);
  const after = { ...runtime.poller.stats };
  trace('measured commands done');

  // The dual write: the command Lambda would call PutEvents right after its commit.
  const eventBridge = new EventBridgeClient({ endpoint: runtime.busUrl });
  const dualWrite = await atFixedRate(options.dualWrites, async (i) => {
    const probeId = `probe-${i}`;
    const start = performance.now();
    await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'com.example.orders',
            DetailType: 'OrderCreated',
            Detail: JSON.stringify({ probeId }),
            EventBusName: 'orders-bus',
          },
        ],
      }),
    );
    await arrival(probeId, 10_000);
    return (onBus.get(probeId) ?? Number.NaN) - start;
  });
  eventBridge.destroy();
  trace('dual write done');

  const samples = results.filter((s): s is CommandSample => s !== undefined);
  const result: LatencyChildResult = {
    samples,
    failed: results.length - samples.length,
    dualWrite,
    invocations: after.invocations - before.invocations,
    records:
      after.recordsRead - after.recordsFiltered - (before.recordsRead - before.recordsFiltered),
    wallMs: performance.now() - begin,
  };
  await writeFile(resultFile, JSON.stringify(result));
} finally {
  stopListening();
  await runtime.stop();
  trace('stopped');
}
// Keep-alive sockets and timers of the handlers must not hold the process open.
process.exit(0);
