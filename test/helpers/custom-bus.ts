import type { BusLog } from '../../local/bus/bus-log.js';
import { customBusArn } from '../../local/bus/custom-bus-arn.js';
import type { CustomPutEventsEntry } from '../../local/bus/custom-bus-requests.js';
import {
  type CustomBusEvent,
  CustomEventBus,
  type CustomEventBusOptions,
} from '../../local/bus/custom-event-bus.js';
import { EventJournal } from '../../local/bus/event-journal.js';
import { type RetainedEvent, RetainedEvents } from '../../local/bus/retained-events.js';
import { ManualClock } from './local-bus.js';
import { FIXED_NOW } from './outbox-fixtures.js';

/** The local runtime's region and account. */
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
/** The ARN of the custom bus `orders` that {@link aCustomBus} creates by default. */
export const ORDERS_BUS_ARN = customBusArn(REGION, ACCOUNT, 'orders');

/** A custom bus `orders` on a manual clock, recording into its own journal. */
export function aCustomBus(
  overrides: Partial<Omit<CustomEventBusOptions, 'clock' | 'journal'>> = {},
  clock = new ManualClock(),
): { readonly bus: CustomEventBus; readonly journal: EventJournal; readonly clock: ManualClock } {
  const journal = new EventJournal(overrides.log ?? (() => undefined));
  const bus = new CustomEventBus({
    buses: [{ name: 'orders' }],
    region: REGION,
    accountId: ACCOUNT,
    maxRequestBytes: 1024 * 1024,
    log: () => undefined,
    ...overrides,
    journal,
    clock: clock.read,
  });
  return { bus, journal, clock };
}

/**
 * A PutEvents entry as the bus reads it off the wire: Order `aggregateId` event `sequence`,
 * grouped by the aggregate, de-duplicated by `<aggregateId>-<sequence>`.
 */
export function aCustomEntry(
  aggregateId: string,
  sequence: number,
  overrides: Partial<CustomPutEventsEntry> = {},
): CustomPutEventsEntry {
  return {
    Source: 'com.example.orders',
    DetailType: 'OrderCreated',
    Detail: JSON.stringify({ aggregateType: 'Order', aggregateId, sequence }),
    Time: { tag: 1, value: FIXED_NOW.getTime() / 1000 + sequence },
    SystemMetadata: {
      EventGroupId: `Order#${aggregateId}`,
      DeduplicationId: `${aggregateId}-${sequence}`,
    },
    ...overrides,
  };
}

/** An event store of retention `retentionDays` created at the clock's time. */
export function aRetainedStore(
  clock = new ManualClock(),
  options: { retentionDays?: number; log?: BusLog } = {},
): RetainedEvents {
  return new RetainedEvents({
    retentionMs: (options.retentionDays ?? 1) * 24 * 60 * 60 * 1000,
    createdAt: clock.read(),
    clock: clock.read,
    log: options.log ?? (() => undefined),
  });
}

let nextSequence = 1n;

/** A retained event of `group` (undefined: ungrouped) accepted at `ingestedAt` (ms). */
export function aRetainedEvent(
  group: string | undefined,
  label: string,
  ingestedAt: number = FIXED_NOW.getTime(),
): RetainedEvent {
  const sequenceNumber = String(10n ** 20n + nextSequence);
  nextSequence += 1n;
  const event: CustomBusEvent = {
    id: `event-${label}`,
    time: new Date(ingestedAt).toISOString(),
    source: 'com.example.orders',
    detailType: 'OrderCreated',
    detail: { label },
    eventBusName: 'orders',
    resources: [],
    ...(group === undefined ? {} : { eventGroupId: group }),
    sequenceNumber,
  };
  return { event, ingestedAt, deduplicationId: `dedup-${label}` };
}
