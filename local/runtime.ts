import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  ScheduledEvent,
} from 'aws-lambda';
import { inboxTableDefinition } from '../lambdas/consumer/inbox-schema.js';
import { ordersTableDefinition } from '../lambdas/orders/orders-table.js';
import {
  type BusKind,
  OUTBOX_STREAM_FILTER_PATTERN,
  outboxTableDefinition,
} from '../lambdas/outbox/index.js';
import { shipmentsTableDefinition } from '../lambdas/shipping/shipments-table.js';
import { SHIPPING_SUBSCRIPTION } from '../lambdas/shipping/subscription.js';
import type { SweepReport } from '../lambdas/sweeper/index.js';
import { type ApiHandlers, loadApiHandlers, startApiServer } from './api-server.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { LocalRuntimeError } from './errors.js';
import { type EventBusServer, startEventBusServer } from './event-bus-server.js';
import { FifoLocalConsumer } from './fifo-local-consumer.js';
import { lambdaContext } from './lambda-context.js';
import { LocalConsumer, type SqsHandler } from './local-consumer.js';
import { assertPortFree } from './ports.js';
import { type StreamFailureRecord, StreamPoller } from './stream-poller.js';
import { SweepTimer, scheduledEvent } from './sweep-timer.js';
import { createTable } from './tables.js';

/** Settings of the local runtime; every one has the default `npm start` uses. */
export interface LocalRuntimeOptions {
  /** The API. @default - 3000 */
  readonly port?: number;
  /** The local EventBridge (and DLQ) endpoint. @default - 4010 */
  readonly busPort?: number;
  /** DynamoDB Local. @default - 8000 */
  readonly dynamoDbPort?: number;
  /** Keep DynamoDB Local's data in this directory. @default - in memory */
  readonly persistDir?: string;
  /** Lanes per stream shard, like ParallelizationFactor (1..10). @default - 1 */
  readonly pollerParallelism?: number;
  /** @default - 100 */
  readonly batchSize?: number;
  /** @default - 0 */
  readonly batchingWindowMs?: number;
  /** Retries of a failing batch before the poller skips it. @default - 20 */
  readonly maxRetries?: number;
  /** Where progress lines go. @default - nowhere */
  readonly log?: (line: string) => void;
  /** Print every accepted event. @default - false */
  readonly printEvents?: boolean;
  /** Structured logs of the handlers (Powertools). @default - false: errors only */
  readonly verbose?: boolean;
  /** No handler logs at all, errors included (chaos runs, where errors are the point). @default - false */
  readonly silent?: boolean;
  /** How often the sweeper runs, in ms. @default - 60,000 (as deployed) */
  readonly sweepIntervalMs?: number;
  /** How long a record stays PENDING before the sweeper takes it, in s. @default - 300 */
  readonly sweeperGraceSeconds?: number;
  /**
   * Share of outbox stream records the poller drops, as if they aged out of the stream's
   * 24 h retention: only the sweeper can deliver them (chaos tests). @default - 0
   */
  readonly dropStreamRecordRate?: number;
  /** Random source of the dropping. @default - Math.random */
  readonly random?: () => number;
  /**
   * The bus the relay publishes to: a classic EventBridge bus, or an enhanced Custom Event
   * Bus (eventbridgev2: event groups, de-duplication, FIFO subscribers). @default 'classic'
   */
  readonly bus?: BusKind;
  /** The Custom Event Bus's de-duplication window, in ms (tests shorten it). @default - 5 minutes, as AWS */
  readonly dedupWindowMs?: number;
}

/** A running local pipeline. */
export interface LocalRuntime {
  readonly apiUrl: string;
  readonly busUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly ordersTableName: string;
  readonly outboxTableName: string;
  readonly bus: EventBusServer;
  readonly poller: StreamPoller;
  /**
   * The example consumer (shipping): behind a rule and an SQS buffer on the classic bus,
   * behind a FIFO subscriber and an SQS FIFO queue on the Custom Event Bus.
   */
  readonly shipping: LocalConsumer | FifoLocalConsumer;
  /** The bus the relay publishes to. */
  readonly busKind: BusKind;
  /** The Custom Event Bus's ARN (`EVENT_BUS_ARN`); undefined on the classic bus. */
  readonly customBusArn: string | undefined;
  readonly shipmentsTableName: string;
  /** DynamoDB Local's process (replaced by a restart). */
  readonly dynamoDb: DynamoDbLocal;
  /** Runs the sweeper once, now (it also runs on its timer). */
  sweepNow(): Promise<SweepReport>;
  /** Stops DynamoDB Local and starts it again on the same port and data (needs `persistDir`). */
  restartDynamoDb(): Promise<void>;
  /** Stops everything it started, Java included; safe to call twice. */
  stop(): Promise<void>;
}

const TABLES = {
  orders: 'orders',
  outbox: 'outbox',
  shipments: 'shipments',
  shippingInbox: 'shipping-inbox',
} as const;
const EVENT_BUS_NAME = 'orders-bus';
/** Retention of the local Custom Event Bus: the construct's default. */
const CUSTOM_BUS_RETENTION_DAYS = 7;
/** The local twin of the construct's stream-failure queue (the relay's on-failure destination). */
export const STREAM_FAILURE_QUEUE = 'outbox-stream-failures';
/** The construct's default `maxRecordAge` (one day). */
const RELAY_MAX_RECORD_AGE_MS = 24 * 60 * 60 * 1000;
let started = false;

/**
 * Starts the whole pipeline on this machine: DynamoDB Local with the tables the construct
 * defines, the Orders API handlers behind a local HTTP server, a local EventBridge
 * endpoint, and a stream poller invoking the relay handler. No AWS account, no Docker, no
 * network beyond loopback.
 *
 * The handlers create their SDK clients from the environment at import, as in Lambda, so
 * one process runs one runtime.
 *
 * @example
 * const runtime = await startLocalRuntime({ port: 0, busPort: 0, dynamoDbPort: await freePort() });
 * // … HTTP calls to runtime.apiUrl, events at `${runtime.busUrl}/events`
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  claimProcess();
  const log = options.log ?? (() => undefined);
  const port = options.port ?? 3000;
  await assertPortsFree(port, options.busPort ?? 4010);
  const cleanups = new Cleanups(log);
  const context: StartContext = { options, log, cleanups };
  // Each step registers what undoes it; stop() (or a failed start) undoes them in reverse.
  try {
    const bus = await startBus(context);
    const busKind = options.bus ?? 'classic';
    const customBusArn = busKind === 'custom' ? bus.customBusArn(EVENT_BUS_NAME) : undefined;
    const dynamoDb = await startDynamoDb(context);
    setLambdaEnvironment(options, bus.url, dynamoDb.current.endpoint, customBusArn);
    const clientConfig = localClientConfig(dynamoDb.current.endpoint);
    const streamArn = await createTables(context, clientConfig);
    const handlers = await loadHandlers();
    const shipping =
      customBusArn === undefined
        ? wireShippingConsumer(context, bus, handlers.shipping)
        : subscribeShippingConsumer(context, bus, customBusArn, handlers.shipping);
    const api = await startApi(context, port, handlers.api);
    const poller = startPoller(context, { clientConfig, streamArn, relay: handlers.relay, bus });
    const sweepNow = startSweepTimer(context, handlers.sweeper);
    return {
      apiUrl: api.url,
      busUrl: bus.url,
      dynamoDbEndpoint: dynamoDb.current.endpoint,
      ordersTableName: TABLES.orders,
      outboxTableName: TABLES.outbox,
      bus,
      poller,
      shipping,
      busKind,
      customBusArn,
      shipmentsTableName: TABLES.shipments,
      get dynamoDb() {
        return dynamoDb.current;
      },
      sweepNow,
      restartDynamoDb: () => dynamoDb.restart(),
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/**
 * The handler modules create their SDK clients at import, for the first runtime's
 * endpoints: a second runtime in the same process would talk to the first one's ports.
 */
function claimProcess(): void {
  if (started)
    throw new LocalRuntimeError(
      'one local runtime per process: start another process for another runtime',
    );
  started = true;
}

/** Fails early, naming the setting, when the API's or the bus's port is taken (0: any free port). */
async function assertPortsFree(port: number, busPort: number): Promise<void> {
  if (port !== 0) await assertPortFree(port, 'the API (PORT)');
  if (busPort !== 0) await assertPortFree(busPort, 'the local bus (BUS_PORT)');
}

/** What the runtime started, stopped in reverse order; a failing step is logged, the others still run. */
class Cleanups {
  private readonly steps: (() => Promise<void>)[] = [];

  constructor(private readonly log: (line: string) => void) {}

  push(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs every step once, last pushed first; safe to call twice. */
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      await step().catch((error: unknown) => this.log(`stopping: ${(error as Error).message}`));
    }
  }
}

/** What every start step gets: the options, where lines go, and what to stop at the end. */
interface StartContext {
  readonly options: LocalRuntimeOptions;
  readonly log: (line: string) => void;
  readonly cleanups: Cleanups;
}

async function startBus({ options, log, cleanups }: StartContext): Promise<EventBusServer> {
  const bus = await startEventBusServer({
    port: options.busPort ?? 4010,
    // The only bus DescribeEventBus knows besides `default`; PutEvents takes any name.
    eventBuses: [EVENT_BUS_NAME],
    // The Custom Event Bus of `OUTBOX_BUS=custom`, retaining a week like the construct's.
    ...(options.bus === 'custom'
      ? { customBuses: [{ name: EVENT_BUS_NAME, retentionDays: CUSTOM_BUS_RETENTION_DAYS }] }
      : {}),
    ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
    ...(options.printEvents ? { log } : {}),
  });
  cleanups.push(() => bus.close());
  return bus;
}

/** DynamoDB Local's process, which a restart replaces (same port, same data). */
interface DynamoDbProcess {
  readonly current: DynamoDbLocal;
  restart(): Promise<void>;
}

async function startDynamoDb({ options, log, cleanups }: StartContext): Promise<DynamoDbProcess> {
  const { persistDir } = options;
  const dbOptions = { port: options.dynamoDbPort ?? 8000, ...(persistDir ? { persistDir } : {}) };
  let current = await startDynamoDbLocal(dbOptions);
  // Stops whichever process runs at the end, the restarted one included.
  cleanups.push(() => current.stop());
  log(
    `DynamoDB Local on ${current.endpoint}${persistDir ? ` (data in ${persistDir})` : ' (in memory)'}`,
  );
  return {
    get current() {
      return current;
    },
    restart: async () => {
      if (persistDir === undefined)
        throw new LocalRuntimeError(
          'restartDynamoDb needs persistDir: in-memory data would be lost',
        );
      await current.stop();
      current = await startDynamoDbLocal(dbOptions);
      log(`DynamoDB Local restarted on ${current.endpoint}`);
    },
  };
}

/** What Lambda's environment would hold; the SDK reads the endpoints from it. */
function setLambdaEnvironment(
  options: LocalRuntimeOptions,
  busUrl: string,
  dynamoDbEndpoint: string,
  customBusArn: string | undefined,
): void {
  Object.assign(process.env, {
    ...(customBusArn === undefined
      ? { EVENT_BUS_KIND: 'classic' }
      : { EVENT_BUS_KIND: 'custom', EVENT_BUS_ARN: customBusArn }),
    AWS_ENDPOINT_URL_EVENTBRIDGEV2: busUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: busUrl,
    AWS_ENDPOINT_URL_SQS: busUrl,
    ORDERS_TABLE_NAME: TABLES.orders,
    OUTBOX_TABLE_NAME: TABLES.outbox,
    EVENT_BUS_NAME,
    SHIPMENTS_TABLE_NAME: TABLES.shipments,
    INBOX_TABLE_NAME: TABLES.shippingInbox,
    ORDER_POLICY: SHIPPING_SUBSCRIPTION.orderPolicy,
    DLQ_URL: `${busUrl}/queue/outbox-dlq`,
    GRACE_SECONDS: String(options.sweeperGraceSeconds ?? 300),
    POWERTOOLS_LOG_LEVEL: options.silent ? 'SILENT' : options.verbose ? 'INFO' : 'ERROR',
    POWERTOOLS_METRICS_DISABLED: options.verbose ? 'false' : 'true',
  });
}

/** SDK client settings of the runtime's own clients: DynamoDB Local, dummy credentials. */
interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

function localClientConfig(dynamoDbEndpoint: string): LocalClientConfig {
  return {
    endpoint: dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** Creates the tables from the definitions the construct uses; the outbox stream's ARN. */
async function createTables(
  { cleanups }: StartContext,
  clientConfig: LocalClientConfig,
): Promise<string> {
  const dynamo = new DynamoDBClient(clientConfig);
  cleanups.push(async () => dynamo.destroy());
  await createTable(dynamo, TABLES.orders, ordersTableDefinition);
  const streamArn = await createTable(dynamo, TABLES.outbox, outboxTableDefinition);
  await createTable(dynamo, TABLES.shipments, shipmentsTableDefinition);
  await createTable(dynamo, TABLES.shippingInbox, inboxTableDefinition);
  if (streamArn === undefined) throw new LocalRuntimeError('the outbox table has no stream');
  return streamArn;
}

/** The handler modules, imported once the environment is set (they read it at import). */
interface Handlers {
  readonly api: ApiHandlers;
  readonly shipping: SqsHandler;
  readonly relay: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
  readonly sweeper: (event: ScheduledEvent, context: Context) => Promise<SweepReport>;
}

async function loadHandlers(): Promise<Handlers> {
  return {
    api: await loadApiHandlers(),
    shipping: (await import('../lambdas/shipping/handler.js')).handler as unknown as SqsHandler,
    relay: (await import('../lambdas/relay/handler.js')).handler as Handlers['relay'],
    sweeper: (await import('../lambdas/sweeper/handler.js')).handler as Handlers['sweeper'],
  };
}

/** The Orders API handlers behind a local API Gateway. */
async function startApi(
  { cleanups }: StartContext,
  port: number,
  handlers: ApiHandlers,
): Promise<{ readonly url: string }> {
  const api = await startApiServer({ port, handlers });
  cleanups.push(() => api.close());
  return api;
}

/** The example consumer, behind its rule and SQS buffer, as the Orders stack deploys it. */
function wireShippingConsumer(
  { log, cleanups }: StartContext,
  bus: EventBusServer,
  handler: SqsHandler,
): LocalConsumer {
  const shipping = new LocalConsumer({
    name: 'shipping',
    pattern: {
      source: [...SHIPPING_SUBSCRIPTION.sources],
      'detail-type': [...SHIPPING_SUBSCRIPTION.detailTypes],
    },
    handler,
    log,
  });
  const unsubscribe = bus.onEvent((event) => shipping.offer(event));
  cleanups.push(async () => {
    unsubscribe();
    await shipping.stop();
  });
  return shipping;
}

/** The example consumer behind its FIFO subscriber, as the Orders stack deploys it on a Custom Event Bus. */
function subscribeShippingConsumer(
  { log, cleanups }: StartContext,
  bus: EventBusServer,
  busArn: string,
  handler: SqsHandler,
): FifoLocalConsumer {
  const shipping = new FifoLocalConsumer(bus, busArn, {
    name: 'shipping',
    pattern: {
      source: [...SHIPPING_SUBSCRIPTION.sources],
      'detail-type': [...SHIPPING_SUBSCRIPTION.detailTypes],
    },
    handler,
    log,
  });
  cleanups.push(() => shipping.stop());
  return shipping;
}

/** The relay behind a stream poller configured as the construct's event source mapping. */
function startPoller(
  { options, log, cleanups }: StartContext,
  wiring: {
    readonly clientConfig: LocalClientConfig;
    readonly streamArn: string;
    readonly relay: Handlers['relay'];
    readonly bus: EventBusServer;
  },
): StreamPoller {
  const streams = new DynamoDBStreamsClient(wiring.clientConfig);
  cleanups.push(async () => streams.destroy());
  const sqs = new SQSClient({ ...wiring.clientConfig, endpoint: wiring.bus.url });
  cleanups.push(async () => sqs.destroy());
  const poller = new StreamPoller({
    streams,
    streamArn: wiring.streamArn,
    handler: wiring.relay,
    filter: OUTBOX_STREAM_FILTER_PATTERN,
    parallelism: options.pollerParallelism ?? 1,
    // As the construct's event source mapping: bisect on error, records kept for a day.
    bisectBatchOnError: true,
    maxRecordAgeMs: RELAY_MAX_RECORD_AGE_MS,
    onFailure: (failure) => sendToFailureQueue(failure, sqs, wiring.bus.url, log),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.batchingWindowMs === undefined
      ? {}
      : { batchingWindowMs: options.batchingWindowMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.dropStreamRecordRate
      ? { drop: () => (options.random ?? Math.random)() < (options.dropStreamRecordRate ?? 0) }
      : {}),
    log,
  });
  poller.start();
  cleanups.push(() => poller.stop());
  return poller;
}

/** Lambda sends the invocation record (metadata only) to the on-failure queue. */
function sendToFailureQueue(
  failure: StreamFailureRecord,
  sqs: SQSClient,
  busUrl: string,
  log: (line: string) => void,
): void {
  log(onFailureLine(failure));
  sqs
    .send(
      new SendMessageCommand({
        QueueUrl: `${busUrl}/queue/${STREAM_FAILURE_QUEUE}`,
        MessageBody: JSON.stringify(failure),
      }),
    )
    .catch((error: unknown) =>
      log(`relay on-failure destination unreachable: ${(error as Error).message}`),
    );
}

/** The sweeper on a timer, like its schedule, one run at a time; the function that runs it now. */
function startSweepTimer(
  { options, log, cleanups }: StartContext,
  sweeper: Handlers['sweeper'],
): () => Promise<SweepReport> {
  const sweepNow = () => sweeper(scheduledEvent(), lambdaContext('outbox-sweeper', 60_000));
  const timer = new SweepTimer(sweepNow, options.sweepIntervalMs ?? 60_000, log);
  timer.start();
  cleanups.push(() => timer.stop());
  return sweepNow;
}

/** One readable line for what the poller sent to its on-failure destination. */
function onFailureLine(failure: StreamFailureRecord): string {
  const { condition } = failure.requestContext;
  const { batchSize, startSequenceNumber, endSequenceNumber } = failure.DDBStreamBatchInfo;
  return `relay on-failure destination: ${condition}, ${batchSize} record(s) ${startSequenceNumber}..${endSequenceNumber} (they stay PENDING for the sweeper)`;
}
