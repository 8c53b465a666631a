import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OutboxConfigError, OutboxValidationError } from '../../../lambdas/outbox/errors.js';
import { OutboxWriter, pendingShardOf } from '../../../lambdas/outbox/index.js';
import { writerOptionsFromEnvironment } from '../../../lambdas/outbox/writer-environment.js';
import { aCreateInput, anEvent, ORDER_ID } from '../../helpers/outbox-fixtures.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(TransactWriteCommand).resolves({});
});

describe('writerOptionsFromEnvironment', () => {
  it('reads the table, the shard count and the entry size limit the construct sets', () => {
    const options = writerOptionsFromEnvironment({
      OUTBOX_TABLE_NAME: 'outbox',
      OUTBOX_PENDING_SHARDS: '64',
      OUTBOX_MAX_ENTRY_BYTES: '262144',
    });

    expect(options).toEqual({ tableName: 'outbox', pendingShards: 64, maxEntryBytes: 262_144 });
  });

  it('defaults to 16 shards and 1 MB entries, the construct defaults', () => {
    expect(writerOptionsFromEnvironment({ OUTBOX_TABLE_NAME: 'outbox' })).toEqual({
      tableName: 'outbox',
      pendingShards: 16,
      maxEntryBytes: 1_048_576,
    });
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['the table name is missing', {}, 'OUTBOX_TABLE_NAME: is required'],
    ['the table name is empty', { OUTBOX_TABLE_NAME: '' }, 'OUTBOX_TABLE_NAME: must not be empty'],
    [
      'the shard count is above what the sweeper queries',
      { OUTBOX_TABLE_NAME: 'o', OUTBOX_PENDING_SHARDS: '1001' },
      'OUTBOX_PENDING_SHARDS: must be at most 1000',
    ],
    [
      'the shard count is not an integer',
      { OUTBOX_TABLE_NAME: 'o', OUTBOX_PENDING_SHARDS: '1.5' },
      'OUTBOX_PENDING_SHARDS: must be an integer',
    ],
    [
      'the entry size is above 1 MB',
      { OUTBOX_TABLE_NAME: 'o', OUTBOX_MAX_ENTRY_BYTES: '2000000' },
      'OUTBOX_MAX_ENTRY_BYTES: must be at most 1048576',
    ],
  ])('fails if %s, naming the variable', (_why, env, message) => {
    expect(() => writerOptionsFromEnvironment(env)).toThrow(OutboxConfigError);
    expect(() => writerOptionsFromEnvironment(env)).toThrow(message);
  });
});

describe('OutboxWriter.fromEnvironment', () => {
  it('writes to the table and pending shard the environment names', async () => {
    const writer = OutboxWriter.fromEnvironment(
      { client },
      { OUTBOX_TABLE_NAME: 'outbox-from-env', OUTBOX_PENDING_SHARDS: '3' },
    );

    await writer.write(aCreateInput());

    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const outboxPut = items.map((i) => i.Put).find((p) => p?.TableName === 'outbox-from-env');
    expect(outboxPut?.Item?.pendingShard).toBe(pendingShardOf(`Order#${ORDER_ID}`, 3));
  });

  it('refuses an event larger than the entry size limit the environment names', () => {
    const writer = OutboxWriter.fromEnvironment(
      { client },
      { OUTBOX_TABLE_NAME: 'outbox', OUTBOX_MAX_ENTRY_BYTES: '2048' },
    );

    const big = aCreateInput({ events: [anEvent({ detail: { note: 'x'.repeat(4_000) } })] });

    expect(() => writer.prepare(big)).toThrow(OutboxValidationError);
  });

  it('fails if pendingShards exceeds what the sweeper can query', () => {
    expect(() => new OutboxWriter({ client, tableName: 'outbox', pendingShards: 1_001 })).toThrow(
      'pendingShards must be at most 1000',
    );
  });
});

describe("the outbox's event sources", () => {
  const env = (sources: string) => ({ OUTBOX_TABLE_NAME: 'outbox', OUTBOX_EVENT_SOURCES: sources });

  it('reads the sources the construct sets, and * as any source', () => {
    expect(
      writerOptionsFromEnvironment(env('["com.example.orders","com.example.returns"]')),
    ).toMatchObject({
      eventSources: ['com.example.orders', 'com.example.returns'],
    });
    expect(writerOptionsFromEnvironment(env('*'))).not.toHaveProperty('eventSources');
  });

  it.each(['com.example.orders', '[]', '[""]', '{"source":"x"}'])(
    'fails if OUTBOX_EVENT_SOURCES is %s, naming the variable',
    (value) => {
      expect(() => writerOptionsFromEnvironment(env(value))).toThrow(
        "OUTBOX_EVENT_SOURCES: must be '*' or a non-empty JSON array of sources",
      );
    },
  );

  it('fails if an event has a source the bus would refuse, naming it, before any call', () => {
    const writer = OutboxWriter.fromEnvironment({ client }, env('["com.example.orders"]'));
    const input = aCreateInput({
      events: [anEvent(), anEvent({ source: 'com.example.order' })],
    });

    expect(() => writer.prepare(input)).toThrow(OutboxValidationError);
    expect(() => writer.prepare(input)).toThrow(
      "events[1].source: 'com.example.order' is not a source of this outbox: 'com.example.orders'",
    );
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('writes events of a listed source', async () => {
    const writer = OutboxWriter.fromEnvironment({ client }, env('["com.example.orders"]'));

    await writer.write(aCreateInput());

    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('fails if it is given an empty list of sources', () => {
    expect(() => new OutboxWriter({ client, tableName: 'outbox', eventSources: [] })).toThrow(
      'eventSources must not be empty',
    );
  });
});
