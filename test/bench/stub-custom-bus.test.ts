import { PutEventsCommand as ClassicPutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { StubCustomBus, StubEventBus } from '../../bench/stubs.js';
import { buildRecords } from '../../bench/workloads.js';
import {
  DescribeEventBusCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '../../lambdas/eventbridge-v2/index.js';
import { toCustomBusEntry } from '../../lambdas/outbox/custom-bus-publisher.js';
import type { OutboxRecord } from '../../lambdas/outbox/outbox-record.js';
import { toPutEventsEntry } from '../../lambdas/outbox/put-events-entry.js';

/** Records of `aggregates` aggregates, `perAggregate` single-event commands each, interleaved. */
const records = (aggregates: number, perAggregate = 1): OutboxRecord[] =>
  buildRecords(
    Array.from({ length: aggregates * perAggregate }, (_, i) => ({
      aggregate: i % aggregates,
      events: [undefined],
    })),
  );

/** The custom-bus entries of the records' events, in record order. */
const entriesOf = (rs: readonly OutboxRecord[]): PutEventsRequestEntry[] =>
  rs.flatMap((r) => r.events.map((event) => toCustomBusEntry({ aggregateKey: r.pk, event })));

const put = (bus: StubCustomBus, entries: PutEventsRequestEntry[], arn = bus.arn) =>
  bus.client.send(new PutEventsCommand({ EventBusArn: arn, Entries: entries }));

describe('StubCustomBus', () => {
  it('describes itself as an ACTIVE bus and counts the call', async () => {
    const bus = new StubCustomBus();

    const output = await bus.client.send(new DescribeEventBusCommand({ EventBusArn: bus.arn }));

    expect(output).toMatchObject({ EventBusArn: bus.arn, State: 'ACTIVE' });
    expect(bus.describes).toBe(1);
  });

  it('publishes every entry of a call with its own sequence number', async () => {
    const bus = new StubCustomBus();
    const rs = records(100);

    const output = await put(bus, entriesOf(rs));

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(100);
    expect(output.Entries?.every((e) => e.SuccessCode === 'PUBLISHED')).toBe(true);
    expect(new Set(output.Entries?.map((e) => e.SequenceNumber)).size).toBe(100);
    expect(bus.calls).toHaveLength(1);
    expect(() => bus.verify(rs)).not.toThrow();
  });

  it('fails if a call holds more than 100 entries', async () => {
    const bus = new StubCustomBus();

    await expect(put(bus, entriesOf(records(101)))).rejects.toMatchObject({
      name: 'InvalidInputException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(bus.calls).toHaveLength(0);
  });

  it('fails if a call is over the byte limit by the entry-size formula', async () => {
    const bus = new StubCustomBus({ maxRequestBytes: 1_000 });

    await expect(put(bus, entriesOf(records(3)))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
  });

  it('fails if the call names another bus', async () => {
    const bus = new StubCustomBus();
    const other = bus.arn.replace('orders-bus', 'other-bus');

    await expect(put(bus, entriesOf(records(1)), other)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      bus.client.send(new DescribeEventBusCommand({ EventBusArn: other })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('fails verification if an event is missing', async () => {
    const bus = new StubCustomBus();
    const rs = records(3);
    await put(bus, entriesOf(rs.slice(0, 2)));

    expect(() => bus.verify(rs)).toThrow('2 events published, 3 expected');
  });

  it("fails verification if an aggregate's events arrive out of order", async () => {
    const bus = new StubCustomBus();
    const rs = records(1, 2);
    const [first, second] = entriesOf(rs);
    await put(bus, [second as PutEventsRequestEntry]);
    await put(bus, [first as PutEventsRequestEntry]);

    expect(() => bus.verify(rs)).toThrow('sequence 2 after 0');
  });

  it("fails verification if an aggregate's events go to another event group", async () => {
    const bus = new StubCustomBus();
    const rs = records(1, 2);
    const [first, second] = entriesOf(rs) as [PutEventsRequestEntry, PutEventsRequestEntry];
    await put(bus, [first]);
    await put(bus, [
      { ...second, SystemMetadata: { ...second.SystemMetadata, EventGroupId: 'x' } },
    ]);

    expect(() => bus.verify(rs)).toThrow("event group 'x' is not the aggregate's own");
  });

  it('fails verification if a call holds two events of one event group', async () => {
    const bus = new StubCustomBus();
    const rs = records(1, 2);
    await put(bus, entriesOf(rs));

    expect(() => bus.verify(rs)).toThrow('two events of event group');
  });

  it('fails verification if the deduplication id is not the event id', async () => {
    const bus = new StubCustomBus();
    const rs = records(1);
    const [entry] = entriesOf(rs) as [PutEventsRequestEntry];
    await put(bus, [
      { ...entry, SystemMetadata: { ...entry.SystemMetadata, DeduplicationId: 'd' } },
    ]);

    expect(() => bus.verify(rs)).toThrow('DeduplicationId is not the eventId');
  });
});

describe('StubEventBus', () => {
  it("fails verification if an aggregate's events arrive out of order, as the custom bus does", async () => {
    const bus = new StubEventBus();
    const rs = records(1, 2);
    const entries = rs.flatMap((r) => r.events.map((e) => toPutEventsEntry(e, 'bus')));
    await bus.client.send(new ClassicPutEventsCommand({ Entries: entries.reverse() }));

    expect(() => bus.verify(rs)).toThrow('sequence 2 after 0');
  });
});
