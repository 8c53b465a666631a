import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import { loadRelayConfig } from '../../../lambdas/relay/config.js';
import {
  PublishNotAuthorizedError,
  RelayConfigError,
  relayStreamBatch,
} from '../../../lambdas/relay/index.js';
import { SweepNotAuthorizedError, sweepPendingRecords } from '../../../lambdas/sweeper/index.js';
import {
  BUS_NAME,
  lambdaTime,
  type RelayHarness,
  recordsOf,
  relayHarness,
  sweeperOf,
} from '../../helpers/relay-harness.js';
import { insertOf, streamEvent } from '../../helpers/stream-events.js';

// PutEvents to a bus that does not exist answers with EventIds and no failure
// (aws/aws-cli#9186, aws/aws-sdk#186): the fake bus does the same, so only the relay's
// DescribeEventBus check stands between a typo and lost events.
let h: RelayHarness;
beforeEach(() => {
  h = relayHarness();
});
afterEach(() => h.restore());

const committed = (aggregate: string): OutboxRecord => {
  const [record] = recordsOf(aggregate, [2]);
  if (!record) throw new Error('no record');
  h.table.put(record);
  return record;
};

describe('the event bus check', () => {
  it('describes the bus once per container, then publishes without asking again', async () => {
    h.bus.existingBuses = new Set([BUS_NAME]);
    const first = committed('o-1');
    const second = committed('o-2');

    await relayStreamBatch(h.deps, streamEvent([insertOf(first)]), lambdaTime());
    await relayStreamBatch(h.deps, streamEvent([insertOf(second)]), lambdaTime());

    expect(h.bus.described).toEqual([BUS_NAME]);
    expect(h.bus.accepted).toHaveLength(4);
  });

  it('fails the batch if the bus does not exist, publishing and marking nothing', async () => {
    h.bus.existingBuses = new Set(['some-other-bus']);
    const record = committed('o-1');

    const relaying = relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

    await expect(relaying).rejects.toThrow(PublishNotAuthorizedError);
    await expect(relaying).rejects.toThrow(/event bus 'orders-bus' does not exist/);
    expect(h.bus.calls).toHaveLength(0);
    expect(h.table.statusOf(record)).toBe('PENDING');
    expect(h.dlq.messages).toHaveLength(0);
  });

  it('fails the sweep if the bus does not exist, leaving the records PENDING', async () => {
    h.bus.existingBuses = new Set();
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    const [base] = recordsOf('o-1', [1]);
    if (!base) throw new Error('no record');
    const record = { ...base, createdAt: new Date(now - 30 * 60_000).toISOString() };
    h.table.put(record);

    const sweeping = sweepPendingRecords(sweeperOf(h, { now: new Date(now) }), lambdaTime());

    await expect(sweeping).rejects.toThrow(SweepNotAuthorizedError);
    expect(h.bus.calls).toHaveLength(0);
    expect(h.table.statusOf(record)).toBe('PENDING');
  });

  it('fails loudly if the relay may not describe the bus, naming the missing permission', async () => {
    h.bus.describeFailure = () =>
      Object.assign(new Error('User is not authorized to perform: events:DescribeEventBus'), {
        name: 'AccessDeniedException',
        $fault: 'client',
      });
    const record = committed('o-1');

    const relaying = relayStreamBatch(h.deps, streamEvent([insertOf(record)]), lambdaTime());

    await expect(relaying).rejects.toThrow(/grant events:DescribeEventBus/);
    expect(h.bus.calls).toHaveLength(0);
  });

  it('retries the batch later if the look-up fails for a passing reason, and checks again', async () => {
    let failures = 1;
    h.bus.describeFailure = () =>
      failures-- > 0
        ? Object.assign(new Error('Service unavailable'), {
            name: 'InternalException',
            $fault: 'server',
          })
        : undefined;
    const record = committed('o-1');
    const event = streamEvent([insertOf(record)]);

    const first = await relayStreamBatch(h.deps, event, lambdaTime());
    const second = await relayStreamBatch(h.deps, event, lambdaTime());

    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(h.bus.described).toEqual([BUS_NAME, BUS_NAME]);
    expect(h.table.statusOf(record)).toBe('DELIVERED');
  });

  it('finds a bus created after a failed check', async () => {
    h.bus.existingBuses = new Set();
    const record = committed('o-1');
    const event = streamEvent([insertOf(record)]);
    await expect(relayStreamBatch(h.deps, event, lambdaTime())).rejects.toThrow();

    h.bus.existingBuses = new Set([BUS_NAME]);
    const result = await relayStreamBatch(h.deps, event, lambdaTime());

    expect(result.batchItemFailures).toEqual([]);
    expect(h.table.statusOf(record)).toBe('DELIVERED');
  });
});

describe('VERIFY_EVENT_BUS', () => {
  const env = {
    EVENT_BUS_NAME: 'orders-bus',
    OUTBOX_TABLE_NAME: 'outbox',
    DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq',
  };

  it('checks the bus unless told otherwise', () => {
    expect(loadRelayConfig(env).verifyEventBus).toBe(true);
    expect(loadRelayConfig({ ...env, VERIFY_EVENT_BUS: 'false' }).verifyEventBus).toBe(false);
  });

  it('fails if VERIFY_EVENT_BUS is neither true nor false', () => {
    expect(() => loadRelayConfig({ ...env, VERIFY_EVENT_BUS: 'yes' })).toThrow(RelayConfigError);
    expect(() => loadRelayConfig({ ...env, VERIFY_EVENT_BUS: 'yes' })).toThrow(
      /VERIFY_EVENT_BUS: must be true or false/,
    );
  });
});
