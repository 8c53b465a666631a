import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LocalRuntimeError } from './errors.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';

// `npm start`: the whole pipeline on this machine. Settings come from the environment
// (PORT, BUS_PORT, DYNAMODB_PORT, POLLER_PARALLELISM, BATCH_SIZE, BATCHING_WINDOW_MS) and
// `--persist DIR` keeps DynamoDB Local's data between runs.

const port = (name: string, fallback: number) =>
  z.coerce
    .number()
    .int(`${name} must be an integer`)
    .min(0, `${name} must be 0..65535`)
    .max(65_535, `${name} must be 0..65535`)
    .default(fallback);
const envSchema = z.object({
  PORT: port('PORT', 3000),
  BUS_PORT: port('BUS_PORT', 4010),
  DYNAMODB_PORT: port('DYNAMODB_PORT', 8000),
  POLLER_PARALLELISM: z.coerce
    .number()
    .int()
    .min(1, 'POLLER_PARALLELISM must be 1..10')
    .max(10, 'POLLER_PARALLELISM must be 1..10')
    .default(1),
  BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1, 'BATCH_SIZE must be 1..10000')
    .max(10_000, 'BATCH_SIZE must be 1..10000')
    .default(100),
  BATCHING_WINDOW_MS: z.coerce.number().int().min(0).max(300_000).default(0),
  OUTBOX_BUS: z
    .enum(['classic', 'custom'], { message: 'OUTBOX_BUS must be classic or custom' })
    .default('classic'),
});

const say = (line: string) => process.stdout.write(`${line}\n`);
let runtime: LocalRuntime | undefined;
let stopping = false;

async function shutdown(code: number, reason: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`\n${reason}; stopping…`);
    await runtime?.stop();
  }
  process.exit(code);
}

async function main(): Promise<void> {
  // The SDK warns that releases after January 2027 need Node 22; the pinned ones run here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      persist: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    say(
      'usage: npm start [-- --persist DIR] [--verbose]\nenv: PORT BUS_PORT DYNAMODB_PORT POLLER_PARALLELISM BATCH_SIZE BATCHING_WINDOW_MS OUTBOX_BUS (classic|custom)',
    );
    return;
  }
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success)
    throw new LocalRuntimeError(parsed.error.issues.map((i) => i.message).join('; '));
  const env = parsed.data;

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void shutdown(0, `received ${signal}`));
  process.on(
    'uncaughtException',
    (error) => void shutdown(1, `crashed: ${error.stack ?? error.message}`),
  );
  process.on('unhandledRejection', (error) => void shutdown(1, `crashed: ${String(error)}`));
  // Last resort: never leave Java behind, whatever ends this process.
  process.on('exit', () => runtime?.dynamoDb.process.kill('SIGKILL'));

  runtime = await startLocalRuntime({
    port: env.PORT,
    busPort: env.BUS_PORT,
    dynamoDbPort: env.DYNAMODB_PORT,
    pollerParallelism: env.POLLER_PARALLELISM,
    batchSize: env.BATCH_SIZE,
    batchingWindowMs: env.BATCHING_WINDOW_MS,
    bus: env.OUTBOX_BUS,
    ...(values.persist ? { persistDir: values.persist } : {}),
    verbose: values.verbose,
    printEvents: true,
    log: say,
  });
  runtime.dynamoDb.process.once(
    'exit',
    (code) => void shutdown(1, `DynamoDB Local exited unexpectedly (code ${code})`),
  );

  say(`
dynamo-outbox local mode is running
  API        ${runtime.apiUrl}          POST /orders, GET /orders/{id}, POST /orders/{id}/confirm|cancel|ship
  bus        ${runtime.busUrl}          GET /events, POST|DELETE /faults, GET /dlq
             ${busLine(runtime)}
  DynamoDB   ${runtime.dynamoDbEndpoint}   tables ${runtime.ordersTableName}, ${runtime.outboxTableName}
  relay      stream poller, ${env.POLLER_PARALLELISM} lane(s) per shard

Try:
  curl -s -X POST ${runtime.apiUrl}/orders -H 'content-type: application/json' \\
    -d '{"customerId":"c-1","items":[{"sku":"BOOK-1","quantity":2,"unitPrice":1250}]}'
  curl -s ${runtime.busUrl}/events        (or: npm run tail)

Ctrl-C stops everything.
`);
}

/** Which bus the relay publishes to, in one line. */
function busLine(running: LocalRuntime): string {
  return running.customBusArn === undefined
    ? 'classic EventBridge bus orders-bus (OUTBOX_BUS=custom for the Custom Event Bus)'
    : `Custom Event Bus ${running.customBusArn}: event groups, de-duplication, FIFO subscriber`;
}

main().catch(async (error: unknown) => {
  const message =
    error instanceof LocalRuntimeError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`dynamo-outbox: ${message}\n`);
  await runtime?.stop();
  process.exit(1);
});
