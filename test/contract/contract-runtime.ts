import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import {
  type CustomBusDefinition,
  type EventBusServer,
  startEventBusServer,
} from '../../local/event-bus-server.js';
import { freePort } from '../../local/ports.js';
import { toLambdaRecord } from '../../local/stream-poller.js';
import { createTable } from '../../local/tables.js';
import { LocalResourceNames } from './local-resource-names.js';
import type { StackTemplate } from './stack-template.js';
import { tableDefinitionOf } from './template-table.js';

const TABLE_TYPES = ['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table'];
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Where the SDK clients the handlers create at import find the local services. */
const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ENDPOINT_URL_SQS',
  // Our eventbridgev2 client reads it at each request, as the official client would.
  'AWS_ENDPOINT_URL_EVENTBRIDGEV2',
] as const;

/**
 * The services a contract run needs, on loopback: DynamoDB Local with every table of the
 * template (shaped as the template deploys it, named by {@link LocalResourceNames}) and the
 * local EventBridge/SQS endpoint, the Custom Event Bus's RPC v2 CBOR route included. The
 * real handlers reach them through the standard `AWS_ENDPOINT_URL_*` variables.
 *
 * @example
 * const runtime = await ContractRuntime.start(template);
 * const relay = await runtime.loadHandler('../../lambdas/relay/handler.js', relayId);
 */
export class ContractRuntime {
  private readonly savedEndpoints = new Map<string, string | undefined>();

  private constructor(
    readonly names: LocalResourceNames,
    private readonly template: StackTemplate,
    private readonly dynamoDb: DynamoDbLocal,
    private readonly raw: DynamoDBClient,
    /** The test's own client, for fixtures and assertions (its calls are not recorded). */
    readonly documentClient: DynamoDBDocumentClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArns: ReadonlyMap<string, string>,
    private readonly busPort: number,
    private currentBus: EventBusServer,
  ) {}

  /** Starts DynamoDB Local and a bus that knows none of the template's buses. */
  static async start(template: StackTemplate): Promise<ContractRuntime> {
    const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
    const clientConfig = {
      endpoint: dynamoDb.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    };
    const raw = new DynamoDBClient(clientConfig);
    const busPort = await freePort();
    const bus = await startEventBusServer({ port: busPort, eventBuses: [] });
    const names = new LocalResourceNames(template, bus.url);
    const streamArns = new Map<string, string>();
    for (const id of TABLE_TYPES.flatMap((type) => template.idsOfType(type))) {
      const definition = tableDefinitionOf(template.resource(id));
      const streamArn = await createTable(raw, names.tableName(id), definition);
      if (streamArn !== undefined) streamArns.set(id, streamArn);
    }
    const runtime = new ContractRuntime(
      names,
      template,
      dynamoDb,
      raw,
      DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
      new DynamoDBStreamsClient(clientConfig),
      streamArns,
      busPort,
      bus,
    );
    runtime.pointSdkAt(dynamoDb.endpoint, bus.url);
    return runtime;
  }

  /** The local EventBridge/SQS endpoint in service now. */
  get bus(): EventBusServer {
    return this.currentBus;
  }

  /**
   * Replaces the bus by one on the same port that knows these bus names and has these
   * Custom Event Buses (named by {@link LocalResourceNames.customBusName}): what a handler
   * sees when a bus that did not exist is created.
   *
   * @throws Error if the local bus gives a Custom Event Bus another ARN than the one the
   * functions' environment names
   */
  async restartBus(
    knownBuses: readonly string[],
    customBuses: readonly CustomBusDefinition[] = [],
  ): Promise<EventBusServer> {
    await this.currentBus.close();
    this.currentBus = await startEventBusServer({
      port: this.busPort,
      eventBuses: knownBuses,
      customBuses,
    });
    for (const { name } of customBuses) {
      const expected = this.names.customBusLocalArn(name);
      if (this.currentBus.customBusArn(name) !== expected)
        throw new Error(
          `the local bus named ${name} ${this.currentBus.customBusArn(name)}, not ${expected}`,
        );
    }
    return this.currentBus;
  }

  /**
   * Imports a handler module as Lambda would load the function: with exactly the
   * environment the template gives it (tokens replaced by local names), no variable of the
   * test run or of another function. Handlers read their configuration at import.
   */
  async loadHandler<T>(specifier: string, functionId: string): Promise<T> {
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (!isRuntimeVariable(name)) delete process.env[name];
    }
    Object.assign(process.env, this.names.environmentOf(functionId));
    try {
      return (await import(specifier)) as T;
    } finally {
      for (const name of Object.keys(process.env)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  }

  /**
   * Every record of a table's stream so far, as Lambda hands them to a function (newest
   * last), read from the start of every shard.
   */
  async streamRecords(tableId: string): Promise<DynamoDBRecord[]> {
    const streamArn = this.streamArns.get(tableId);
    if (streamArn === undefined) throw new Error(`${this.template.pathOf(tableId)} has no stream`);
    const { StreamDescription } = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = ShardIterator;
      while (iterator !== undefined) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        records.push(...(page.Records ?? []).map((r) => toLambdaRecord(r, streamArn)));
        // DynamoDB Local keeps an open shard's iterator: stop at the first empty page.
        iterator = (page.Records ?? []).length === 0 ? undefined : page.NextShardIterator;
      }
    }
    return records;
  }

  /** Stops everything it started and restores the SDK endpoint variables. */
  async stop(): Promise<void> {
    for (const [name, value] of this.savedEndpoints) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.streams.destroy();
    this.raw.destroy();
    await this.currentBus.close();
    await this.dynamoDb.stop();
  }

  private pointSdkAt(dynamoDbEndpoint: string, busUrl: string): void {
    const values = [dynamoDbEndpoint, busUrl, busUrl, busUrl];
    ENDPOINT_VARIABLES.forEach((name, i) => {
      this.savedEndpoints.set(name, process.env[name]);
      process.env[name] = values[i];
    });
  }
}

/**
 * Variables of the process rather than of the function: what Lambda's runtime provides
 * (region, credentials), the SDK endpoints of local mode, and the test run's quiet
 * Powertools settings.
 */
function isRuntimeVariable(name: string): boolean {
  return (
    /^(AWS_|NODE_|VITEST|TEST$|PATH$|HOME$|TMPDIR$|TZ$)/.test(name) ||
    name === 'POWERTOOLS_LOG_LEVEL' ||
    name === 'POWERTOOLS_METRICS_DISABLED'
  );
}
