import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAggregate, readAggregateRecords } from '../../cli/aggregate-records.js';
import { createClients, type OutboxClients } from '../../cli/clients.js';
import { CliError, explainError } from '../../cli/errors.js';
import { inspectAggregate, renderInspect } from '../../cli/inspect.js';
import { redriveDeadLetters, renderRedrive } from '../../cli/redrive.js';
import { renderReplay, replayAggregate } from '../../cli/replay.js';
import {
  errorContext,
  type OutboxResources,
  requireResource,
  resolveResources,
} from '../../cli/resources.js';
import { outboxStatus, renderStatus, type StatusReport } from '../../cli/status.js';
import { verifyDeployment } from '../../cli/verify.js';
import {
  type OutboxRecord,
  OutboxStatus,
  outboxTableDefinition,
  pendingShardOf,
  type QuarantineMessage,
} from '../../lambdas/outbox/index.js';
import { OutboxStore } from '../../lambdas/outbox/outbox-store.js';
import { Quarantine } from '../../lambdas/outbox/quarantine.js';
import { TransactionalOutbox } from '../../lib/index.js';
import { freePort } from '../../local/ports.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { createTable } from '../../local/tables.js';
import { AwsCallRecorder, type RecordedAwsCall } from '../helpers/aws-call-recorder.js';
import { testApp } from '../helpers/cdk.js';
import { conditionsHold, type TemplateStatement } from '../helpers/iam-conditions.js';
import {
  type BusEvent,
  busEvents,
  call,
  eventsOf,
  orderBody,
  startTestRuntime,
  waitForEvents,
} from '../helpers/local-runtime.js';
import { anOutboxRecord } from '../helpers/outbox-records.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** A spawned CLI compiles with tsx first: seconds, more on a busy machine. */
const SPAWN_TIMEOUT_MS = 60_000;
const FAILURE = { code: 'InvalidArgument', message: 'Parameter Detail is not valid.' };

let runtime: LocalRuntime;
let env: NodeJS.ProcessEnv;
let resources: OutboxResources;
let clients: OutboxClients;
let dynamoDb: DynamoDBClient;
let tables = 0;
let queues = 0;

beforeAll(async () => {
  runtime = await startTestRuntime();
  env = {
    DYNAMODB_PORT: new URL(runtime.dynamoDbEndpoint).port,
    BUS_PORT: String(runtime.bus.port),
  };
  resources = await resolveResources({ local: true }, { env });
  clients = createClients(resources.target);
  dynamoDb = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 120_000);

afterAll(async () => {
  clients?.destroy();
  dynamoDb?.destroy();
  await runtime?.stop();
});

/** A fresh outbox table in DynamoDB Local that no poller reads: records stay as put. */
async function aTable(records: readonly OutboxRecord[] = []): Promise<string> {
  tables++;
  const name = `cli-outbox-${tables}`;
  await createTable(dynamoDb, name, outboxTableDefinition);
  for (const record of records)
    await clients.documentClient.send(new PutCommand({ TableName: name, Item: { ...record } }));
  return name;
}

/** A fresh queue URL on the local bus. */
function aQueue(): string {
  queues++;
  return `${runtime.busUrl}/queue/cli-dlq-${queues}`;
}

async function itemOf(tableName: string, record: OutboxRecord): Promise<Record<string, unknown>> {
  const { Item } = await clients.documentClient.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: record.pk, sk: record.sk },
      ConsistentRead: true,
    }),
  );
  if (Item === undefined) throw new Error(`no item ${record.pk}/${record.sk}`);
  return Item;
}

async function queueDepth(queueUrl: string): Promise<{ visible: number; hidden: number }> {
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    hidden: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

/**
 * What the relay does with a record EventBridge refuses: the record goes to the DLQ with
 * its payload and is marked FAILED. `compressed` forces the gzip+base64 form.
 */
async function quarantined(
  tableName: string,
  queueUrl: string,
  record: OutboxRecord,
  options: { compressed?: boolean; acceptedEventIds?: string[] } = {},
): Promise<void> {
  await clients.documentClient.send(new PutCommand({ TableName: tableName, Item: { ...record } }));
  await new Quarantine({
    sqs: clients.sqs,
    queueUrl,
    ...(options.compressed ? { maxMessageBytes: 3_000 } : {}),
  }).send(record, FAILURE, options.acceptedEventIds ?? []);
  const store = new OutboxStore({ client: clients.documentClient, tableName });
  expect(await store.markFailed(record, `${FAILURE.code}: ${FAILURE.message}`)).toBe('marked');
}

/** Creates an order and moves it on twice: three records, three events. */
async function anOrderWithThreeEvents(customer: string): Promise<{ id: string; pk: string }> {
  const created = await call(runtime, 'POST', '/orders', orderBody(customer));
  const id = created.body.id as string;
  expect((await call(runtime, 'POST', `/orders/${id}/confirm`)).status).toBe(200);
  expect((await call(runtime, 'POST', `/orders/${id}/ship`)).status).toBe(200);
  await waitForEvents(runtime, (events) => eventsOf(events, id).length >= 3);
  const pk = parseAggregate(`Order#${id}`).pk;
  // The relay marks a record right after PutEvents accepted it.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = await readAggregateRecords(clients.documentClient, 'outbox', pk);
    if (records.length === 3 && records.every((r) => r.status === OutboxStatus.delivered))
      return { id, pk };
    if (Date.now() > deadline) throw new Error(`records of ${pk} not delivered`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the real CLI (`npx tsx bin/dynamo-outbox.ts …`) against the runtime. */
function cli(
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'bin/dynamo-outbox.ts', ...args],
      { cwd: REPO, env: { ...process.env, ...env, ...extraEnv }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A shell word, single-quoted. */
const quoted = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs the real CLI on a terminal: `script` gives it a pseudo-terminal (stdin and stderr
 * are TTYs), and `typed` is what the operator types at its prompt. The terminal merges
 * stdout and stderr into `output`.
 */
function cliOnTerminal(
  args: readonly string[],
  typed: string,
): Promise<{ code: number; output: string }> {
  const command = ['node_modules/.bin/tsx', 'bin/dynamo-outbox.ts', ...args].map(quoted).join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: stdout.replaceAll('\r', '') });
      },
    );
    child.stdin?.end(typed);
  });
}

/** A DLQ message that claims to be the relay's, about `record`. */
async function sendForged(queueUrl: string, record: OutboxRecord): Promise<void> {
  const message: QuarantineMessage = {
    kind: 'dynamo-outbox.poison-record',
    quarantinedAt: '2026-12-01T10:00:00.000Z',
    failure: FAILURE,
    acceptedEventIds: [],
    record,
  };
  await clients.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }),
  );
}

describe('resources', () => {
  it('finds local mode from DYNAMODB_PORT and BUS_PORT, with its table, bus and DLQ', () => {
    expect(resources).toEqual({
      target: {
        kind: 'local',
        region: 'us-east-1',
        dynamoDbEndpoint: runtime.dynamoDbEndpoint,
        busEndpoint: runtime.busUrl,
      },
      tableName: runtime.outboxTableName,
      eventBusName: 'orders-bus',
      dlqUrl: `${runtime.busUrl}/queue/outbox-dlq`,
      origin: 'local mode',
    });
  });

  it('reads the stack outputs, flags first', async () => {
    const outputs = [
      { OutputKey: 'OutboxTableName', OutputValue: 'Orders-OutboxTable-1' },
      { OutputKey: 'EventBusName', OutputValue: 'orders' },
      { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'https://sqs.example/1/dlq' },
      { OutputKey: 'RelayFunctionName', OutputValue: 'Orders-Relay-1' },
    ];
    const found = await resolveResources(
      { stack: 'Orders', region: 'eu-west-1', bus: 'other-bus' },
      { cloudFormation: () => ({ send: async () => ({ Stacks: [{ Outputs: outputs }] }) }) },
    );

    expect(found).toEqual({
      target: { kind: 'aws', region: 'eu-west-1' },
      tableName: 'Orders-OutboxTable-1',
      eventBusName: 'other-bus',
      dlqUrl: 'https://sqs.example/1/dlq',
      relayFunctionName: 'Orders-Relay-1',
      origin: 'stack Orders',
    });
  });

  it('says which flag is missing', async () => {
    const none = await resolveResources({});

    expect(() => requireResource(none, 'dlqUrl')).toThrow(
      'no dead-letter queue URL: pass --dlq-url, --stack <name> (output DeadLetterQueueUrl) or --local',
    );
    await expect(resolveResources({ local: true, stack: 'x' })).rejects.toThrow(
      'use either --local or --stack',
    );
  });
});

describe('errors', () => {
  it('names a missing table', async () => {
    const error = await outboxStatus(
      { tableName: 'no-such-table', relay: { kind: 'local', env: {} }, pendingShards: 1 },
      clients,
    ).catch((e: unknown) => e);

    expect(explainError(error, errorContext({ ...resources, tableName: 'no-such-table' }))).toMatch(
      /^table no-such-table not found/,
    );
  });
});

describe('status', () => {
  it('counts pending records and the oldest age per shard, the DLQ depth and the local relay settings', async () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
    const tableName = await aTable([
      anOutboxRecord({ aggregate: 'Order#s-1', seq: 1, createdAt: ago(600) }),
      anOutboxRecord({ aggregate: 'Order#s-1', seq: 2, createdAt: ago(300) }),
      anOutboxRecord({ aggregate: 'Order#s-2', seq: 1, createdAt: ago(60) }),
      anOutboxRecord({ aggregate: 'Order#s-3', seq: 1, status: OutboxStatus.delivered }),
    ]);
    const queueUrl = aQueue();
    for (const seq of [1, 2])
      await new Quarantine({ sqs: clients.sqs, queueUrl }).send(
        anOutboxRecord({ aggregate: 'Order#s-9', seq }),
        FAILURE,
        [],
      );

    const report = await outboxStatus(
      {
        tableName,
        dlqUrl: queueUrl,
        relay: { kind: 'local', env: { POLLER_PARALLELISM: '4' } },
        pendingShards: 16,
      },
      { ...clients, clock: () => now },
    );

    const expected = new Map<number, { pending: number; age: number }>();
    for (const [aggregate, pending, age] of [
      ['Order#s-1', 2, 600],
      ['Order#s-2', 1, 60],
    ] as const) {
      const shard = pendingShardOf(aggregate);
      const seen = expected.get(shard);
      expected.set(shard, {
        pending: (seen?.pending ?? 0) + pending,
        age: Math.max(seen?.age ?? 0, age),
      });
    }
    expect(report.pending.total).toBe(3);
    expect(report.pending.oldestAgeSeconds).toBe(600);
    expect(report.pending.oldestCreatedAt).toBe(ago(600));
    expect(report.pending.shards).toHaveLength(16);
    for (const shard of report.pending.shards) {
      const want = expected.get(shard.shard);
      expect(shard.pending).toBe(want?.pending ?? 0);
      expect(shard.oldestAgeSeconds).toBe(want?.age);
    }
    expect(report.dlq).toEqual({ url: queueUrl, messages: 2, inFlight: 0 });
    expect(report.relay).toEqual({
      kind: 'local-stream-poller',
      parallelism: 4,
      batchSize: 100,
      batchingWindowMs: 0,
    });
    const text = renderStatus(report);
    expect(text).toContain('pending:');
    expect(text).toContain('10m 0s');
    expect(text).toContain('2 message(s)');
    expect(text).toContain('relay: local stream poller (POLLER_PARALLELISM 4, BATCH_SIZE 100');
  });

  it('reports an empty outbox, and a DLQ it was not told about', async () => {
    const tableName = await aTable();

    const report = await outboxStatus(
      { tableName, relay: { kind: 'lambda' }, pendingShards: 4 },
      clients,
    );

    expect(report.pending).toEqual({
      total: 0,
      shards: [0, 1, 2, 3].map((shard) => ({ shard, pending: 0 })),
    });
    expect(report.dlq).toMatchObject({ reason: expect.stringContaining('--dlq-url') });
    expect(report.relay).toMatchObject({ kind: 'unknown' });
    expect(renderStatus(report)).toContain('oldest pending:    none');
  });
});

describe('inspect', () => {
  it('shows the chain of a real order with statuses and events, in sequence order', async () => {
    const { id, pk } = await anOrderWithThreeEvents('cli-inspect');
    const events = eventsOf(await busEvents(runtime), id);

    const report = await inspectAggregate(
      { tableName: 'outbox', aggregate: parseAggregate(pk) },
      clients,
    );

    expect(report.aggregate).toBe(`Order#${id}`);
    expect(report.counts).toEqual({ PENDING: 0, DELIVERED: 3, FAILED: 0 });
    expect(
      report.records.map((r) => [
        r.sequence,
        r.prevSeq,
        r.status,
        r.events.map((e) => e.detailType),
      ]),
    ).toEqual([
      [1, 0, 'DELIVERED', ['OrderCreated']],
      [2, 1, 'DELIVERED', ['OrderConfirmed']],
      [3, 2, 'DELIVERED', ['OrderShipped']],
    ]);
    expect(report.records.flatMap((r) => r.events.map((e) => e.eventId))).toEqual(
      events.map((e) => e.detail.eventId),
    );
    expect(report.records[0]?.expiresAt).toMatch(/^\d{4}-/);
    expect(report.records[0]?.events[0]?.detail).toMatchObject({ aggregateId: id, sequence: 1 });
    expect(renderInspect(report)).toContain('3 record(s): 3 delivered, 0 pending, 0 failed');
  });

  it('marks a pending record, a failed one and an expired predecessor', async () => {
    const tableName = await aTable([
      anOutboxRecord({ aggregate: 'Order#i-1', seq: 3, prevSeq: 2, status: 'DELIVERED' }),
      { ...anOutboxRecord({ aggregate: 'Order#i-1', seq: 4 }), status: 'FAILED', failure: 'x' },
      anOutboxRecord({ aggregate: 'Order#i-1', seq: 5 }),
    ]);

    const report = await inspectAggregate(
      { tableName, aggregate: parseAggregate('Order#i-1') },
      clients,
    );

    expect(report.records.map((r) => [r.sequence, r.status, r.predecessorMissing])).toEqual([
      [3, 'DELIVERED', true],
      [4, 'FAILED', undefined],
      [5, 'PENDING', undefined],
    ]);
    expect(report.records[2]?.pendingShard).toBe(pendingShardOf('Order#i-1'));
    expect(renderInspect(report)).toContain('[predecessor 2 expired]');
  });

  it('fails clearly for an aggregate with no records, or a malformed one', async () => {
    await expect(
      inspectAggregate({ tableName: 'outbox', aggregate: parseAggregate('Order#nope') }, clients),
    ).rejects.toThrow(/no outbox records of Order#nope in table outbox/);
    expect(() => parseAggregate('Order')).toThrow(CliError);
    expect(() => parseAggregate('#1')).toThrow('--aggregate must be <aggregateType>#<aggregateId>');
  });
});

describe('replay', () => {
  let order: { id: string; pk: string };
  const replayedSince = async (count: number): Promise<BusEvent[]> =>
    eventsOf((await busEvents(runtime)).slice(count), order.id);

  beforeAll(async () => {
    order = await anOrderWithThreeEvents('cli-replay');
  }, 60_000);

  it('re-publishes the delivered events with their eventIds, in order', async () => {
    const original = eventsOf(await busEvents(runtime), order.id);
    const before = (await busEvents(runtime)).length;

    const report = await replayAggregate(
      { tableName: 'outbox', eventBusName: 'orders-bus', aggregate: parseAggregate(order.pk) },
      clients,
    );

    const again = await replayedSince(before);
    expect(report.records).toBe(3);
    expect(report.events.map((e) => e.eventId)).toEqual(original.map((e) => e.detail.eventId));
    expect(again.map((e) => [e.detail.sequence, e.detail.eventId, e.detailType])).toEqual(
      original.map((e) => [e.detail.sequence, e.detail.eventId, e.detailType]),
    );
    expect(again.every((e) => e.eventBusName === 'orders-bus')).toBe(true);
    expect(renderReplay(report)).toContain('re-published 3 event(s) of 3 delivered record(s)');
  });

  it('starts at --from-seq', async () => {
    const before = (await busEvents(runtime)).length;

    const report = await replayAggregate(
      {
        tableName: 'outbox',
        eventBusName: 'orders-bus',
        aggregate: parseAggregate(order.pk),
        fromSeq: 2,
      },
      clients,
    );

    expect(report.events.map((e) => e.sequence)).toEqual([2, 3]);
    expect((await replayedSince(before)).map((e) => e.detail.sequence)).toEqual([2, 3]);
  });

  it('publishes nothing on a dry run', async () => {
    const before = (await busEvents(runtime)).length;

    const report = await replayAggregate(
      {
        tableName: 'outbox',
        eventBusName: 'orders-bus',
        aggregate: parseAggregate(order.pk),
        dryRun: true,
      },
      clients,
    );

    expect(report.events).toHaveLength(3);
    expect(await replayedSince(before)).toEqual([]);
    expect(renderReplay(report)).toContain('would re-publish 3 event(s)');
  });

  it('fails if it re-publishes a delivered record whose events name another aggregate', async () => {
    const honest = anOutboxRecord({ aggregate: 'Order#r-2', seq: 1, status: 'DELIVERED' });
    const foreign = anOutboxRecord({ aggregate: 'Order#r-2', seq: 2, status: 'DELIVERED' });
    const [event] = foreign.events;
    if (event === undefined) throw new Error('an event expected');
    const envelope = { ...JSON.parse(event.detail), aggregateType: 'Payment', aggregateId: 'p-1' };
    const tableName = await aTable([
      honest,
      { ...foreign, events: [{ ...event, detail: JSON.stringify(envelope) }] },
    ]);
    const before = (await busEvents(runtime)).length;

    const report = await replayAggregate(
      { tableName, eventBusName: 'orders-bus', aggregate: parseAggregate('Order#r-2') },
      clients,
    );

    expect(report.events.map((e) => e.sequence)).toEqual([1]);
    expect(report.skipped).toEqual([
      {
        sequence: 2,
        status: 'DELIVERED',
        refused: "events[0] names aggregate Payment#p-1, not the record's key Order#r-2",
      },
    ]);
    const published = (await busEvents(runtime)).slice(before);
    expect(published.map((e) => e.detail.eventId)).toEqual([honest.events[0]?.eventId]);
    expect(renderReplay(report)).toContain('skipped record 2: DELIVERED (refused: events[0]');
  });

  it('replays delivered events only, from inside a record, skipping pending and failed records', async () => {
    const tableName = await aTable([
      anOutboxRecord({ aggregate: 'Order#r-1', seq: 1, status: 'DELIVERED' }),
      anOutboxRecord({ aggregate: 'Order#r-1', prevSeq: 1, events: 2, status: 'DELIVERED' }),
      { ...anOutboxRecord({ aggregate: 'Order#r-1', seq: 4 }), status: 'FAILED' },
      anOutboxRecord({ aggregate: 'Order#r-1', seq: 5 }),
    ]);
    const before = (await busEvents(runtime)).length;

    const report = await replayAggregate(
      {
        tableName,
        eventBusName: 'orders-bus',
        aggregate: parseAggregate('Order#r-1'),
        fromSeq: 3,
      },
      clients,
    );

    expect(report.events).toEqual([
      { sequence: 3, eventId: 'Order#r-1/3/1', detailType: 'OrderChanged' },
    ]);
    expect(report.skipped).toEqual([
      { sequence: 4, status: 'FAILED' },
      { sequence: 5, status: 'PENDING' },
    ]);
    const published = (await busEvents(runtime)).slice(before);
    expect(published.map((e) => e.detail.eventId)).toEqual(['Order#r-1/3/1']);
  });
});

describe('redrive', () => {
  const record = (aggregate: string, events = 1) => anOutboxRecord({ aggregate, events });
  const published = async (since: number, aggregate: string): Promise<string[]> =>
    (await busEvents(runtime))
      .slice(since)
      .filter((e) => `${e.detail.aggregateType}#${e.detail.aggregateId}` === aggregate)
      .map((e) => e.detail.eventId);

  it('lists what it would do on a dry run, changes nothing and releases the messages', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const plain = record('Order#d-1');
    const large = anOutboxRecord({ aggregate: 'Order#d-2', detailBytes: 4_000 });
    await quarantined(tableName, queueUrl, plain);
    await quarantined(tableName, queueUrl, large, { compressed: true });
    const inQueue = runtime.bus.dlqMessages().filter((m) => queueUrl.endsWith(`/${m.queue}`));
    expect(inQueue.map((m) => (m.body as { kind: string }).kind)).toEqual([
      'dynamo-outbox.poison-record',
      'dynamo-outbox.poison-record.gzip',
    ]);
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, dryRun: true },
      clients,
    );

    expect(report).toMatchObject({ dryRun: true, received: 2, redriven: 0, failed: 0 });
    expect(report.items.map((i) => [i.aggregate, i.tableStatus, i.action, i.outcome])).toEqual([
      ['Order#d-1', 'FAILED', 'publish', 'dry-run'],
      ['Order#d-2', 'FAILED', 'publish', 'dry-run'],
    ]);
    expect(report.items[0]?.quarantinedFor).toBe(`${FAILURE.code}: ${FAILURE.message}`);
    expect((await itemOf(tableName, plain)).status).toBe('FAILED');
    expect((await itemOf(tableName, large)).status).toBe('FAILED');
    expect(await busEvents(runtime)).toHaveLength(before);
    expect(await queueDepth(queueUrl)).toEqual({ visible: 2, hidden: 0 });
    expect(renderRedrive(report)).toContain('nothing changed');
  });

  it("publishes the table's events again, marks the records DELIVERED and deletes the messages (gzip form too)", async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const plain = record('Order#p-1', 2);
    const large = anOutboxRecord({ aggregate: 'Order#p-2', detailBytes: 4_000 });
    await quarantined(tableName, queueUrl, plain, {
      acceptedEventIds: [plain.events[0]?.eventId ?? ''],
    });
    await quarantined(tableName, queueUrl, large, { compressed: true });
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, mode: 'publish' },
      { ...clients, clock: () => new Date('2026-11-25T10:00:00.000Z') },
    );

    expect(report).toMatchObject({ received: 2, redriven: 2, failed: 0 });
    expect(report.items.map((i) => [i.aggregate, i.action, i.events, i.outcome])).toEqual([
      ['Order#p-1', 'publish', 2, 'done'],
      ['Order#p-2', 'publish', 1, 'done'],
    ]);
    // The table's events, all of them: the message's word that one was accepted before the
    // failure is not trusted (a repeat keeps its eventId; a skip could lose the event).
    expect(await published(before, 'Order#p-1')).toEqual(plain.events.map((e) => e.eventId));
    expect(report.items[0]?.detail).toContain('1 were accepted before the failure');
    expect(await published(before, 'Order#p-2')).toEqual([large.events[0]?.eventId]);
    expect(await itemOf(tableName, plain)).toMatchObject({
      status: 'DELIVERED',
      deliveredAt: '2026-11-25T10:00:00.000Z',
      expiresAt: Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 7 * 86_400,
      failure: `${FAILURE.code}: ${FAILURE.message}`,
    });
    expect((await itemOf(tableName, large)).status).toBe('DELIVERED');
    expect(await queueDepth(queueUrl)).toEqual({ visible: 0, hidden: 0 });
  });

  it('sets a record back to PENDING in its shard, for the sweeper', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const poison = record('Order#q-1');
    await quarantined(tableName, queueUrl, poison);
    expect((await itemOf(tableName, poison)).pendingShard).toBeUndefined();
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, dlqUrl: queueUrl, mode: 'pending' },
      clients,
    );

    expect(report.items.map((i) => [i.action, i.outcome])).toEqual([['set-pending', 'done']]);
    expect(await itemOf(tableName, poison)).toMatchObject({
      status: 'PENDING',
      pendingShard: pendingShardOf('Order#q-1'),
    });
    const status: StatusReport = await outboxStatus(
      { tableName, relay: { kind: 'local', env: {} }, pendingShards: 16 },
      clients,
    );
    expect(status.pending.total).toBe(1);
    expect(await busEvents(runtime)).toHaveLength(before);
    expect(await queueDepth(queueUrl)).toEqual({ visible: 0, hidden: 0 });
  });

  it('only deletes the message of a record delivered meanwhile, and keeps what it cannot read', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const done = record('Order#k-1');
    await quarantined(tableName, queueUrl, done);
    await clients.documentClient.send(
      new PutCommand({ TableName: tableName, Item: { ...done, status: 'DELIVERED' } }),
    );
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'garbage' }));

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl },
      clients,
    );

    expect(report).toMatchObject({ received: 2, redriven: 1, failed: 1 });
    expect(report.items.map((i) => [i.action, i.outcome])).toEqual([
      ['delete-message', 'done'],
      ['keep', 'failed'],
    ]);
    expect(report.items[1]?.detail).toContain('not a quarantine message');
    // The kept message is visible again for the next run.
    expect(await queueDepth(queueUrl)).toEqual({ visible: 1, hidden: 0 });
  });

  it('fails if a forged DLQ message with altered events gets anything published', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const genuine = record('Order#x-1', 2);
    await clients.documentClient.send(
      new PutCommand({ TableName: tableName, Item: { ...genuine } }),
    );
    const store = new OutboxStore({ client: clients.documentClient, tableName });
    expect(await store.markFailed(genuine, `${FAILURE.code}: ${FAILURE.message}`)).toBe('marked');
    const [first, second] = genuine.events;
    if (first === undefined || second === undefined) throw new Error('two events expected');
    // The record's key and event ids, other data; and an extra event: both look like the relay's.
    await sendForged(queueUrl, {
      ...genuine,
      events: [{ ...first, detail: JSON.stringify({ orderId: 'x-1', refund: 1_000_000 }) }, second],
    });
    await sendForged(queueUrl, {
      ...genuine,
      events: [first, second, { ...second, eventId: 'forged', sequence: 3 }],
    });
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, mode: 'publish' },
      clients,
    );

    expect(report.items.map((i) => [i.tableStatus, i.action, i.outcome, i.events])).toEqual([
      ['FAILED', 'keep', 'failed', 0],
      ['FAILED', 'keep', 'failed', 0],
    ]);
    expect(report.items[0]?.detail).toContain(
      "the message's events differ from the table's record",
    );
    expect(await busEvents(runtime)).toHaveLength(before);
    expect((await itemOf(tableName, genuine)).status).toBe('FAILED');
    // The forgeries stay in the queue, for someone to look at.
    expect(await queueDepth(queueUrl)).toEqual({ visible: 2, hidden: 0 });
  });

  it('fails if the events of a record absent from the table are published without --allow-absent', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    await new Quarantine({ sqs: clients.sqs, queueUrl }).send(record('Order#a-1'), FAILURE, []);
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl },
      clients,
    );

    expect(report.items.map((i) => [i.tableStatus, i.action, i.outcome])).toEqual([
      ['ABSENT', 'keep', 'failed'],
    ]);
    expect(report.items[0]?.detail).toContain('--allow-absent');
    expect(await published(before, 'Order#a-1')).toEqual([]);
    expect(await queueDepth(queueUrl)).toEqual({ visible: 1, hidden: 0 });
  });

  it("publishes an absent record's events from the message with --allow-absent, and lists them loudly", async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const lost = record('Order#a-2');
    await new Quarantine({ sqs: clients.sqs, queueUrl }).send(lost, FAILURE, []);
    const before = (await busEvents(runtime)).length;

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, allowAbsent: true },
      clients,
    );

    expect(report.items.map((i) => [i.action, i.outcome])).toEqual([
      ['publish-unverified', 'done'],
    ]);
    expect(report.items[0]?.unverifiedEvents).toEqual([
      {
        sequence: 1,
        eventId: lost.events[0]?.eventId,
        source: lost.events[0]?.source,
        detailType: lost.events[0]?.detailType,
      },
    ]);
    expect(await published(before, 'Order#a-2')).toEqual([lost.events[0]?.eventId]);
    expect(renderRedrive(report)).toContain(
      'WARNING: PUBLISHED 1 event(s) of Order#a-2 taken from the dead-letter message alone',
    );
  });

  it('changes nothing when the plan is not confirmed, and releases the messages', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    const poison = record('Order#c-1');
    await quarantined(tableName, queueUrl, poison);
    const before = (await busEvents(runtime)).length;
    const previews: number[] = [];

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl },
      {
        ...clients,
        confirm: async (preview) => {
          previews.push(preview.received);
          return false;
        },
      },
    );

    expect(previews).toEqual([1]);
    expect(report).toMatchObject({ dryRun: true, declined: true, redriven: 0 });
    expect(report.items.map((i) => [i.action, i.outcome])).toEqual([['publish', 'dry-run']]);
    expect((await itemOf(tableName, poison)).status).toBe('FAILED');
    expect(await busEvents(runtime)).toHaveLength(before);
    expect(await queueDepth(queueUrl)).toEqual({ visible: 1, hidden: 0 });
  });

  it('handles at most --max messages', async () => {
    const tableName = await aTable();
    const queueUrl = aQueue();
    await quarantined(tableName, queueUrl, record('Order#m-1'));
    await quarantined(tableName, queueUrl, record('Order#m-2'));

    const report = await redriveDeadLetters(
      { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, max: 1 },
      clients,
    );

    expect(report.received).toBe(1);
    expect(await queueDepth(queueUrl)).toEqual({ visible: 1, hidden: 0 });
  });
});

describe('the dynamo-outbox command', () => {
  // One poison record in local mode's DLQ: status counts it, then redrive takes it out.
  beforeAll(async () => {
    await new Quarantine({
      sqs: clients.sqs,
      queueUrl: `${runtime.busUrl}/queue/outbox-dlq`,
    }).send(anOutboxRecord({ aggregate: 'Order#cli-1' }), FAILURE, []);
  });

  it(
    'prints the local status as JSON and exits 0',
    async () => {
      const { code, stdout, stderr } = await cli(['status', '--local', '--json'], {
        POLLER_PARALLELISM: '3',
      });

      expect(stderr).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as StatusReport;
      expect(report).toMatchObject({
        tableName: 'outbox',
        pending: { total: 0 },
        dlq: { url: `${runtime.busUrl}/queue/outbox-dlq`, messages: 1, inFlight: 0 },
        relay: { kind: 'local-stream-poller', parallelism: 3, batchSize: 100 },
      });
      expect(report.pending.shards).toHaveLength(16);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'redrives the local DLQ only when told to: a dry run without a terminal, then --yes, then --allow-absent',
    async () => {
      const before = (await busEvents(runtime)).length;

      const piped = await cli(['redrive', '--local']);
      expect(piped.code).toBe(1);
      expect(piped.stdout).toContain('account:           local mode (no AWS account)');
      expect(piped.stdout).toContain('not confirmed (publish mode): 1 message(s)');
      expect(piped.stderr).toContain(
        'dynamo-outbox: dry run only: stdin is not a terminal to confirm on, so nothing was changed; run again with --yes',
      );

      // The quarantined record is not in the local outbox table: nothing vouches for its events.
      const refused = await cli(['redrive', '--local', '--yes']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('refused: the record is not in the table');
      expect(refused.stderr).toContain(
        'dynamo-outbox: 1 message(s) could not be redriven and stay in the dead-letter queue',
      );
      expect(await busEvents(runtime)).toHaveLength(before);

      const redriven = await cli(['redrive', '--local', '--yes', '--allow-absent', '--json']);
      expect(redriven.code).toBe(0);
      expect(JSON.parse(redriven.stdout)).toMatchObject({
        target: { account: 'local mode', region: 'us-east-1', eventBusName: 'orders-bus' },
        mode: 'publish',
        received: 1,
        redriven: 1,
        items: [
          {
            aggregate: 'Order#cli-1',
            tableStatus: 'ABSENT',
            action: 'publish-unverified',
            unverifiedEvents: [{ eventId: 'Order#cli-1/1/0', sequence: 1 }],
          },
        ],
      });
      expect((await busEvents(runtime)).slice(before).map((e) => e.detail.eventId)).toEqual([
        'Order#cli-1/1/0',
      ]);
    },
    SPAWN_TIMEOUT_MS * 3,
  );

  describe('replay', () => {
    let order: { id: string; pk: string };
    const republished = async (since: number): Promise<number[]> =>
      eventsOf((await busEvents(runtime)).slice(since), order.id).map((e) => e.detail.sequence);

    beforeAll(async () => {
      order = await anOrderWithThreeEvents('cli-confirm');
    }, 60_000);

    it(
      'fails if it publishes without a terminal and without --yes: a dry run that says how to act',
      async () => {
        const before = (await busEvents(runtime)).length;

        const piped = await cli(['replay', '--local', '--aggregate', order.pk]);

        expect(piped.code).toBe(1);
        expect(piped.stdout).toContain('event bus:         orders-bus');
        expect(piped.stdout).toContain(
          `${order.pk}: not confirmed, nothing published; would re-publish 3 event(s)`,
        );
        expect(piped.stderr).toContain('dry run only');
        expect(await republished(before)).toEqual([]);
      },
      SPAWN_TIMEOUT_MS,
    );

    it(
      'asks on a terminal, showing account, region, bus and counts, and publishes nothing on a no',
      async () => {
        const before = (await busEvents(runtime)).length;

        const { code, output } = await cliOnTerminal(
          ['replay', '--local', '--aggregate', order.pk],
          'n\n',
        );

        expect(code).toBe(1);
        expect(output).toContain('account:           local mode (no AWS account)');
        expect(output).toContain('region:            us-east-1');
        expect(output).toContain(
          `Re-publish 3 event(s) of ${order.pk} to bus orders-bus in account local mode, region us-east-1? [y/N]`,
        );
        expect(output).toContain('dynamo-outbox: not confirmed: nothing was changed');
        expect(await republished(before)).toEqual([]);
      },
      SPAWN_TIMEOUT_MS,
    );

    it(
      'publishes on a yes at the prompt',
      async () => {
        const before = (await busEvents(runtime)).length;

        const { code, output } = await cliOnTerminal(
          ['replay', '--local', '--aggregate', order.pk],
          'y\n',
        );

        expect(code).toBe(0);
        expect(output).toContain('re-published 3 event(s) of 3 delivered record(s)');
        expect(await republished(before)).toEqual([1, 2, 3]);
      },
      SPAWN_TIMEOUT_MS,
    );

    it(
      'publishes at most --max events with --yes, and says where to go on',
      async () => {
        const before = (await busEvents(runtime)).length;

        const { code, stdout } = await cli([
          'replay',
          '--local',
          '--aggregate',
          order.pk,
          '--yes',
          '--max',
          '2',
        ]);

        expect(code).toBe(0);
        expect(stdout).toContain('stopped at --max: the rest goes out with --from-seq 3');
        expect(await republished(before)).toEqual([1, 2]);
      },
      SPAWN_TIMEOUT_MS,
    );
  });

  it(
    'fails with a clear message and exit code 1 on a missing option or an unreachable endpoint',
    async () => {
      const [missing, unreachable] = await Promise.all([
        cli(['inspect', '--local']),
        freePort().then((port) =>
          cli(['status', '--local', '--json'], { DYNAMODB_PORT: String(port) }),
        ),
      ]);

      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("required option '--aggregate <type#id>' not specified");
      expect(unreachable.code).toBe(1);
      expect(unreachable.stdout).toBe('');
      expect(unreachable.stderr).toMatch(
        /^dynamo-outbox: cannot reach DynamoDB Local at 127\.0\.0\.1:\d+ \(ECONNREFUSED\); is `npm start` running\?/,
      );
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe('the operator policy (grantOperate)', () => {
  /** One IAM request a recorded call makes: action, resource (as the template names it), keys. */
  interface IamRequest {
    readonly action: string;
    readonly resource: unknown;
    readonly context: Readonly<Record<string, readonly unknown[] | undefined>>;
    readonly call: string;
  }

  const SERVICE_PREFIX: Readonly<Record<string, string>> = {
    DynamoDB: 'dynamodb',
    SQS: 'sqs',
    EventBridge: 'events',
    Lambda: 'lambda',
    CloudFormation: 'cloudformation',
    CloudWatch: 'cloudwatch',
  };
  /** Transaction items and the item action each needs ("Using IAM with transactions"). */
  const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    ConditionCheck: 'ConditionCheckItem',
  };
  /** Batch operations are authorized by the single-message action (SQS batch actions). */
  const SQS_BATCH = /Batch$/;

  let statements: readonly TemplateStatement[];
  let resources: { table: unknown; index: unknown; dlq: unknown; bus: unknown };
  let recorded: readonly RecordedAwsCall[];

  /** The partition key of a transaction item, native or marshalled. */
  const pkOf = (item: Record<string, unknown> | undefined): unknown => {
    const pk = item?.pk as { S?: string } | string | undefined;
    return typeof pk === 'object' ? pk?.S : pk;
  };

  /** The IAM requests of a call, on the template's resources of this outbox. */
  function requestsOf(call: RecordedAwsCall): IamRequest[] {
    const prefix = SERVICE_PREFIX[call.service];
    if (prefix === undefined) throw new Error(`unmapped service ${call.service}`);
    const name = `${call.service} ${call.operation}`;
    const on = (operation: string, resource: unknown, context = {}): IamRequest => ({
      action: `${prefix}:${operation}`,
      resource,
      context,
      call: name,
    });
    if (call.service === 'DynamoDB' && call.operation === 'TransactWriteItems') {
      const items = (call.input.TransactItems ?? []) as Record<string, Record<string, unknown>>[];
      return items.flatMap((item) =>
        Object.entries(TRANSACT_ACTIONS)
          .filter(([kind]) => item[kind] !== undefined)
          .map(([kind, action]) =>
            on(action, resources.table, {
              'dynamodb:LeadingKeys': [
                pkOf((item[kind]?.Item ?? item[kind]?.Key) as Record<string, unknown>),
              ],
            }),
          ),
      );
    }
    if (call.service === 'DynamoDB')
      return [
        on(
          call.operation,
          call.input.IndexName === undefined ? resources.table : resources.index,
          call.operation === 'PutItem'
            ? { 'dynamodb:LeadingKeys': [pkOf(call.input.Item as Record<string, unknown>)] }
            : {},
        ),
      ];
    if (call.service === 'SQS') return [on(call.operation.replace(SQS_BATCH, ''), resources.dlq)];
    if (call.service === 'EventBridge') return [on(call.operation, resources.bus)];
    return [on(call.operation, '*')];
  }

  /** Whether an Allow statement of the operator's policies covers the request. */
  const allowed = (request: IamRequest) =>
    statements.some(
      (s) =>
        s.Effect === 'Allow' &&
        [s.Action].flat().includes(request.action) &&
        [(s as { Resource?: unknown }).Resource]
          .flat()
          .some((r) => r === '*' || JSON.stringify(r) === JSON.stringify(request.resource)) &&
        conditionsHold(s, request.context),
    );

  beforeAll(async () => {
    // The template: an outbox and an operator role given grantOperate().
    const stack = new Stack(testApp(), 'Orders');
    const outbox = new TransactionalOutbox(stack, 'Outbox');
    const operator = new Role(stack, 'Operator', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    });
    outbox.grantOperate(operator);
    const template = Template.fromStack(stack);
    const id = (construct: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(construct.node.defaultChild as never);
    const table = { 'Fn::GetAtt': [id(outbox.table as never), 'Arn'] };
    resources = {
      table,
      index: { 'Fn::Join': ['', [table, '/index/pending-by-age']] },
      dlq: { 'Fn::GetAtt': [id(outbox.deadLetterQueue), 'Arn'] },
      bus: { 'Fn::GetAtt': [id(outbox.eventBus as never), 'Arn'] },
    };
    statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter(
        (p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: id(operator) }]),
      )
      .flatMap(
        (p) =>
          (p.Properties?.PolicyDocument as { Statement?: TemplateStatement[] } | undefined)
            ?.Statement ?? [],
      );

    // The commands, on local mode: every path that calls something (a pending record for
    // status, a record to publish and one to keep for redrive, a delivered order to replay).
    const tableName = await aTable([anOutboxRecord({ aggregate: 'Order#o-1', seq: 1 })]);
    const queueUrl = aQueue();
    await quarantined(tableName, queueUrl, record('Order#o-2'));
    await new Quarantine({ sqs: clients.sqs, queueUrl }).send(record('Order#o-3'), FAILURE, []);
    const order = await anOrderWithThreeEvents('cli-operator');
    const recorder = AwsCallRecorder.install();
    try {
      await recorder.run('operator', async () => {
        await outboxStatus(
          { tableName, dlqUrl: queueUrl, relay: { kind: 'local', env: {} }, pendingShards: 16 },
          clients,
        );
        await inspectAggregate({ tableName, aggregate: parseAggregate('Order#o-1') }, clients);
        await replayAggregate(
          { tableName: 'outbox', eventBusName: 'orders-bus', aggregate: parseAggregate(order.pk) },
          { ...clients, confirm: async () => true },
        );
        await redriveDeadLetters(
          { tableName, eventBusName: 'orders-bus', dlqUrl: queueUrl, waitTimeSeconds: 0 },
          { ...clients, confirm: async () => true },
        );
        const verified = await verifyDeployment(
          {
            tableName: 'outbox',
            eventBusName: 'orders-bus',
            dlqUrl: queueUrl,
            local: true,
            target: 'local mode',
            timeoutMs: 20_000,
          },
          clients,
        );
        expect(verified.canary?.status).toBe('DELIVERED');
      });
    } finally {
      recorder.uninstall();
    }
    recorded = recorder.calls();
  }, 120_000);

  const record = (aggregate: string) => anOutboxRecord({ aggregate });

  it('allows every call the commands make', () => {
    const requests = recorded.flatMap(requestsOf);

    expect(requests.filter((r) => !allowed(r)).map((r) => `${r.call} → ${r.action}`)).toEqual([]);
    // The paths ran: reads, redrive's publish, mark, delete and release, the canary's write.
    expect(new Set(requests.map((r) => r.action))).toEqual(
      new Set([
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:DescribeTable',
        'dynamodb:DescribeTimeToLive',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'events:DescribeEventBus',
        'events:PutEvents',
      ]),
    );
  });

  it('grants nothing but those calls and the few that only a deployed outbox answers', () => {
    // Local mode has no stack, event source mapping, alarms, backups or stream-failure queue.
    const awsOnly = [
      'cloudformation:DescribeStacks',
      'cloudformation:ListStackResources',
      'lambda:ListEventSourceMappings',
      'cloudwatch:DescribeAlarms',
      'dynamodb:DescribeContinuousBackups',
    ];
    const used = new Set(recorded.flatMap(requestsOf).map((r) => r.action));

    const granted = statements.flatMap((s) => [s.Action].flat());

    expect(granted.filter((a) => !used.has(a) && !awsOnly.includes(a))).toEqual([]);
  });

  it('fails if the canary grant would let an operator write an outbox record', () => {
    const forged: IamRequest = {
      action: 'dynamodb:PutItem',
      resource: resources.table,
      context: { 'dynamodb:LeadingKeys': ['Order#0193'] },
      call: 'DynamoDB PutItem',
    };

    expect(allowed(forged)).toBe(false);
  });
});
