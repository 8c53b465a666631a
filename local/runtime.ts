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
import { OUTBOX_STREAM_FILTER_PATTERN, outboxTableDefinition } from '../lambdas/outbox/index.js';
import { shipmentsTableDefinition } from '../lambdas/shipping/shipments-table.js';
import { SHIPPING_SUBSCRIPTION } from '../lambdas/shipping/subscription.js';
import type { SweepReport } from '../lambdas/sweeper/index.js';
import { loadApiHandlers, startApiServer } from './api-server.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { LocalRuntimeError } from './errors.js';
import { type EventBusServer, startEventBusServer } from './event-bus-server.js';
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
  /** The example consumer (shipping), fed by the bus like its rule and SQS buffer. */
  readonly shipping: LocalConsumer;
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
  // The handler modules create their SDK clients at import, for the first runtime's
  // endpoints: a second runtime in the same process would talk to the first one's ports.
  if (started)
    throw new LocalRuntimeError(
      'one local runtime per process: start another process for another runtime',
    );
  started = true;
  const log = options.log ?? (() => undefined);
  const port = options.port ?? 3000;
  const busPort = options.busPort ?? 4010;
  const dynamoDbPort = options.dynamoDbPort ?? 8000;
  if (port !== 0) await assertPortFree(port, 'the API (PORT)');
  if (busPort !== 0) await assertPortFree(busPort, 'the local bus (BUS_PORT)');

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`stopping: ${(error as Error).message}`));
    }
  };
  try {
    const bus = await startEventBusServer({
      port: busPort,
      // The only bus DescribeEventBus knows besides `default`; PutEvents takes any name.
      eventBuses: [EVENT_BUS_NAME],
      ...(options.printEvents ? { log } : {}),
    });
    cleanups.push(() => bus.close());
    const dbOptions = {
      port: dynamoDbPort,
      ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    };
    let dynamoDb = await startDynamoDbLocal(dbOptions);
    cleanups.push(() => dynamoDb.stop());
    log(
      `DynamoDB Local on ${dynamoDb.endpoint}${options.persistDir ? ` (data in ${options.persistDir})` : ' (in memory)'}`,
    );

    // What Lambda's environment would hold; the SDK reads the endpoints from it.
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
      AWS_ENDPOINT_URL_SQS: bus.url,
      ORDERS_TABLE_NAME: TABLES.orders,
      OUTBOX_TABLE_NAME: TABLES.outbox,
      EVENT_BUS_NAME,
      SHIPMENTS_TABLE_NAME: TABLES.shipments,
      INBOX_TABLE_NAME: TABLES.shippingInbox,
      ORDER_POLICY: SHIPPING_SUBSCRIPTION.orderPolicy,
      DLQ_URL: `${bus.url}/queue/outbox-dlq`,
      GRACE_SECONDS: String(options.sweeperGraceSeconds ?? 300),
      POWERTOOLS_LOG_LEVEL: options.silent ? 'SILENT' : options.verbose ? 'INFO' : 'ERROR',
      POWERTOOLS_METRICS_DISABLED: options.verbose ? 'false' : 'true',
    });
    const clientConfig = {
      endpoint: dynamoDb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const dynamo = new DynamoDBClient(clientConfig);
    cleanups.push(async () => dynamo.destroy());
    await createTable(dynamo, TABLES.orders, ordersTableDefinition);
    const streamArn = await createTable(dynamo, TABLES.outbox, outboxTableDefinition);
    await createTable(dynamo, TABLES.shipments, shipmentsTableDefinition);
    await createTable(dynamo, TABLES.shippingInbox, inboxTableDefinition);
    if (streamArn === undefined) throw new LocalRuntimeError('the outbox table has no stream');

    const handlers = await loadApiHandlers();
    // The example consumer, behind its rule and SQS buffer, as the Orders stack deploys it.
    const shippingHandler = (await import('../lambdas/shipping/handler.js'))
      .handler as unknown as SqsHandler;
    const shipping = new LocalConsumer({
      name: 'shipping',
      pattern: {
        source: [...SHIPPING_SUBSCRIPTION.sources],
        'detail-type': [...SHIPPING_SUBSCRIPTION.detailTypes],
      },
      handler: shippingHandler,
      log,
    });
    const unsubscribe = bus.onEvent((event) => shipping.offer(event));
    cleanups.push(async () => {
      unsubscribe();
      await shipping.stop();
    });
    const relay = (await import('../lambdas/relay/handler.js')).handler as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<DynamoDBBatchResponse>;
    const sweeper = (await import('../lambdas/sweeper/handler.js')).handler as (
      event: ScheduledEvent,
      context: Context,
    ) => Promise<SweepReport>;

    const api = await startApiServer({ port, handlers });
    cleanups.push(() => api.close());
    const streams = new DynamoDBStreamsClient(clientConfig);
    cleanups.push(async () => streams.destroy());
    const sqs = new SQSClient({ ...clientConfig, endpoint: bus.url });
    cleanups.push(async () => sqs.destroy());
    const poller = new StreamPoller({
      streams,
      streamArn,
      handler: relay,
      filter: OUTBOX_STREAM_FILTER_PATTERN,
      parallelism: options.pollerParallelism ?? 1,
      // As the construct's event source mapping: bisect on error, records kept for a day.
      bisectBatchOnError: true,
      maxRecordAgeMs: RELAY_MAX_RECORD_AGE_MS,
      // Lambda sends the invocation record (metadata only) to the on-failure queue.
      onFailure: (failure) => {
        log(onFailureLine(failure));
        sqs
          .send(
            new SendMessageCommand({
              QueueUrl: `${bus.url}/queue/${STREAM_FAILURE_QUEUE}`,
              MessageBody: JSON.stringify(failure),
            }),
          )
          .catch((error: unknown) =>
            log(`relay on-failure destination unreachable: ${(error as Error).message}`),
          );
      },
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

    // The sweeper on a timer, like its schedule; one run at a time.
    const sweepNow = () => sweeper(scheduledEvent(), lambdaContext('outbox-sweeper', 60_000));
    const timer = new SweepTimer(sweepNow, options.sweepIntervalMs ?? 60_000, log);
    timer.start();
    cleanups.push(() => timer.stop());

    return {
      apiUrl: api.url,
      busUrl: bus.url,
      dynamoDbEndpoint: dynamoDb.endpoint,
      ordersTableName: TABLES.orders,
      outboxTableName: TABLES.outbox,
      bus,
      poller,
      shipping,
      shipmentsTableName: TABLES.shipments,
      get dynamoDb() {
        return dynamoDb;
      },
      sweepNow,
      restartDynamoDb: async () => {
        if (options.persistDir === undefined)
          throw new LocalRuntimeError(
            'restartDynamoDb needs persistDir: in-memory data would be lost',
          );
        await dynamoDb.stop();
        dynamoDb = await startDynamoDbLocal(dbOptions);
        log(`DynamoDB Local restarted on ${dynamoDb.endpoint}`);
      },
      stop: () => stop(),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One readable line for what the poller sent to its on-failure destination. */
function onFailureLine(failure: StreamFailureRecord): string {
  const { condition } = failure.requestContext;
  const { batchSize, startSequenceNumber, endSequenceNumber } = failure.DDBStreamBatchInfo;
  return `relay on-failure destination: ${condition}, ${batchSize} record(s) ${startSequenceNumber}..${endSequenceNumber} (they stay PENDING for the sweeper)`;
}
