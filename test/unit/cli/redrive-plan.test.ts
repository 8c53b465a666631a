import { describe, expect, it } from 'vitest';
import { planRedrive } from '../../../cli/redrive-plan.js';
import {
  type OutboxRecord,
  pendingShardOf,
  type QuarantineMessage,
} from '../../../lambdas/outbox/index.js';
import { anOutboxRecord } from '../../helpers/outbox-records.js';

const FAILURE = { code: 'InvalidArgument', message: 'Parameter Detail is not valid.' };

/** A FAILED record as the relay leaves it: out of the pending index. */
function aFailedRecord(aggregate = 'Order#f-1', events = 2): OutboxRecord {
  const { pendingShard: _, ...record } = anOutboxRecord({ aggregate, events });
  return { ...record, status: 'FAILED', failure: `${FAILURE.code}: ${FAILURE.message}` };
}

/** The relay's message about `record`, or a forgery built from it. */
function aMessage(
  record: OutboxRecord,
  overrides: Partial<Pick<QuarantineMessage, 'acceptedEventIds'>> = {},
): QuarantineMessage {
  return {
    kind: 'dynamo-outbox.poison-record',
    quarantinedAt: '2026-12-01T10:00:00.000Z',
    failure: FAILURE,
    acceptedEventIds: [],
    ...overrides,
    record,
  };
}

const asItem = (record: OutboxRecord) => ({ ...record }) as Record<string, unknown>;

/** A record under one key whose first event's envelope names another aggregate. */
function withForeignEvent(record: OutboxRecord): OutboxRecord {
  const [first, ...rest] = record.events;
  if (first === undefined) throw new Error('an event expected');
  const envelope = { ...JSON.parse(first.detail), aggregateType: 'Payment', aggregateId: 'p-1' };
  return { ...record, events: [{ ...first, detail: JSON.stringify(envelope) }, ...rest] };
}

describe('planRedrive', () => {
  it("publishes the table's stored events of a FAILED record the message matches", () => {
    const stored = aFailedRecord();

    const plan = planRedrive(aMessage(stored), asItem(stored), { mode: 'publish' });

    expect(plan).toMatchObject({ action: 'publish', tableStatus: 'FAILED', record: stored });
    expect(plan.events).toEqual(stored.events);
  });

  it('publishes every stored event again, whatever the message says was accepted', () => {
    const stored = aFailedRecord();
    const claim = stored.events.map((e) => e.eventId);

    const plan = planRedrive(aMessage(stored, { acceptedEventIds: claim }), asItem(stored), {
      mode: 'publish',
    });

    expect(plan.events.map((e) => e.eventId)).toEqual(claim);
    expect(plan.detail).toContain('2 were accepted before the failure');
  });

  it('fails if a message with altered events would publish anything', () => {
    const stored = aFailedRecord();
    const [first, second] = stored.events;
    if (first === undefined || second === undefined) throw new Error('two events expected');
    const forgeries = [
      { ...stored, events: [{ ...first, detail: '{"orderId":"stolen"}' }, second] },
      { ...stored, events: [first, { ...second, eventId: 'forged' }] },
      { ...stored, events: [first, second, { ...second, eventId: 'extra', sequence: 3 }] },
      { ...stored, events: [{ ...first, source: 'com.example.payments' }, second] },
    ];

    const plans = forgeries.map((record) =>
      planRedrive(aMessage(record), asItem(stored), { mode: 'publish' }),
    );

    for (const plan of plans) {
      expect(plan).toMatchObject({ action: 'keep', tableStatus: 'FAILED', events: [] });
      expect(plan.detail).toContain("the message's events differ from the table's record");
    }
  });

  it('fails if a FAILED record whose events name another aggregate than its key is published', () => {
    // A writer allowed Order#* keys wrote a Payment event: the relay quarantined it (KeyMismatch).
    const stored = withForeignEvent(aFailedRecord('Order#k-1'));

    const plans = [
      planRedrive(aMessage(stored), asItem(stored), { mode: 'publish' }),
      planRedrive(aMessage(stored), asItem(stored), { mode: 'pending' }),
      planRedrive(aMessage(stored), undefined, { mode: 'publish', allowAbsent: true }),
    ];

    for (const plan of plans) {
      expect(plan).toMatchObject({ action: 'keep', events: [] });
      expect(plan.detail).toContain('events[0] names aggregate Payment#p-1');
    }
  });

  it('fails if a record absent from the table would be published without --allow-absent', () => {
    const message = aMessage(aFailedRecord('Order#gone'));

    const plan = planRedrive(message, undefined, { mode: 'publish' });

    expect(plan).toMatchObject({ action: 'keep', tableStatus: 'ABSENT', events: [] });
    expect(plan.detail).toContain('--allow-absent');
  });

  it("publishes an absent record's own events, flagged unverified, with --allow-absent", () => {
    const message = aMessage(aFailedRecord('Order#gone'));

    const plan = planRedrive(message, undefined, { mode: 'publish', allowAbsent: true });

    expect(plan).toMatchObject({ action: 'publish-unverified', tableStatus: 'ABSENT' });
    expect(plan.events).toEqual(message.record.events);
    expect(plan.detail).toMatch(/^UNVERIFIED/);
  });

  it('refuses an item that is not an outbox record', () => {
    const stored = aFailedRecord();

    const plan = planRedrive(
      aMessage(stored),
      { ...asItem(stored), recordType: 'IDEMPOTENCY' },
      { mode: 'publish' },
    );

    expect(plan).toMatchObject({ action: 'keep', tableStatus: 'NOT_AN_OUTBOX_RECORD' });
  });

  it('only deletes the message of a record delivered or pending again', () => {
    const stored = aFailedRecord();

    const delivered = planRedrive(
      aMessage(stored),
      { ...asItem(stored), status: 'DELIVERED' },
      {
        mode: 'publish',
      },
    );
    const pending = planRedrive(
      aMessage(stored),
      { ...asItem(stored), status: 'PENDING' },
      {
        mode: 'pending',
      },
    );

    expect([delivered.action, pending.action]).toEqual(['delete-message', 'delete-message']);
    expect([delivered.events, pending.events]).toEqual([[], []]);
  });

  it("sets PENDING in the table's shard, never in the shard a message names", () => {
    const stored = aFailedRecord('Order#s-1');
    const forged = { ...stored, pendingShard: 999 };

    const plan = planRedrive(aMessage(forged), asItem(stored), {
      mode: 'pending',
      pendingShards: 16,
    });

    expect(plan).toMatchObject({ action: 'set-pending', shard: pendingShardOf('Order#s-1', 16) });
  });

  it('keeps a message whose record is absent in pending mode, even with --allow-absent', () => {
    const plan = planRedrive(aMessage(aFailedRecord()), undefined, {
      mode: 'pending',
      allowAbsent: true,
    });

    expect(plan).toMatchObject({ action: 'keep', tableStatus: 'ABSENT' });
  });
});
