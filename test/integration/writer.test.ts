import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersTableDefinition } from '../../lambdas/orders/orders-table.js';
import { AggregateNotFoundError, VersionConflictError } from '../../lambdas/outbox/errors.js';
import { OutboxWriter, outboxTableDefinition } from '../../lambdas/outbox/index.js';
import type { OutboxWriteInput } from '../../lambdas/outbox/write-input.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-dynamo.js';

// The writer's conditions against a real DynamoDB (Local): an expression DynamoDB rejects
// (an unused placeholder, a bad function) fails here, not in a mock.
let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;
let writer: OutboxWriter;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = dynamo.client;
  await dynamo.createTable('outbox', outboxTableDefinition);
  await dynamo.createTable('orders', ordersTableDefinition);
  writer = new OutboxWriter({ client, tableName: 'outbox' });
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
});

/** An order written before the service adopted the outbox: no version, no lastEventSeq. */
const legacyOrder = (id: string) =>
  client.send(new PutCommand({ TableName: 'orders', Item: { id, status: 'PENDING' } }));

const confirm = (id: string, expectedVersion: number, lastEventSeq = 0): OutboxWriteInput => ({
  aggregate: { type: 'Order', id },
  entity: {
    type: 'update',
    tableName: 'orders',
    key: { id },
    expectedVersion,
    lastEventSeq,
    set: { status: 'CONFIRMED' },
  },
  events: [{ source: 'com.example.orders', detailType: 'OrderConfirmed', detail: { id } }],
});

describe('OutboxWriter on DynamoDB Local, with entities that predate the outbox', () => {
  it('updates an entity without a version at expectedVersion 0, giving it version 1', async () => {
    await legacyOrder('legacy-1');

    const result = await writer.write(confirm('legacy-1', 0));

    expect(result).toMatchObject({ outcome: 'committed', version: 1, lastEventSeq: 1 });
    const { Item } = await client.send(
      new GetCommand({ TableName: 'orders', Key: { id: 'legacy-1' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ status: 'CONFIRMED', version: 1, lastEventSeq: 1 });
  });

  it('fails with VersionConflictError at expectedVersion 0 once the entity has a version', async () => {
    await legacyOrder('legacy-2');
    await writer.write(confirm('legacy-2', 0));

    const second = writer.write(confirm('legacy-2', 0));

    await expect(second).rejects.toThrow(VersionConflictError);
    await expect(writer.write(confirm('legacy-2', 0))).rejects.toMatchObject({
      expectedVersion: 0,
      actualVersion: 1,
    });
  });

  it('fails with VersionConflictError, found 0, when a version is expected of an entity without one', async () => {
    await legacyOrder('legacy-3');

    const write = writer.write(confirm('legacy-3', 1));

    await expect(write).rejects.toThrow('expected version 1, found 0');
  });

  it('fails with AggregateNotFoundError at expectedVersion 0 when there is no entity', async () => {
    const write = writer.write(confirm('never-written', 0));

    await expect(write).rejects.toThrow(AggregateNotFoundError);
  });
});
