import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/relay/handler.js';
import { lambdaContext } from '../../helpers/api-events.js';
import { FakeDeadLetterQueue, FakeEventBus, FakeOutboxTable } from '../../helpers/fake-aws.js';
import { recordsOf } from '../../helpers/relay-harness.js';
import { insertOf, streamEvent } from '../../helpers/stream-events.js';

let table: FakeOutboxTable;
let bus: FakeEventBus;
let dlq: FakeDeadLetterQueue;
beforeEach(() => {
  table = new FakeOutboxTable();
  bus = new FakeEventBus();
  dlq = new FakeDeadLetterQueue();
});
afterEach(() => {
  table.mock.restore();
  bus.mock.restore();
  dlq.mock.restore();
});

describe('the relay handler', () => {
  it('relays a stream batch to the configured bus and reports no failure', async () => {
    const records = recordsOf('o-1', [1, 2]);
    table.put(...records);

    const result = await handler(streamEvent(records.map((r) => insertOf(r))), lambdaContext());

    expect(result).toEqual({ batchItemFailures: [] });
    expect(bus.sequencesOf('Order#o-1')).toEqual([1, 2, 3]);
    expect(bus.accepted.every((e) => e.entry.EventBusName === 'orders-bus')).toBe(true);
    for (const record of records) expect(table.statusOf(record)).toBe('DELIVERED');
  });
});
