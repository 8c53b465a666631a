import { AwsServiceError } from '../../local/bus/aws-operation.js';
import type { BusLog } from '../../local/bus/bus-log.js';
import { EventBus, type EventBusOptions } from '../../local/bus/event-bus.js';
import { FaultInjector } from '../../local/bus/fault-injector.js';
import type { PutEventsEntry } from '../../local/bus/put-events-rules.js';
import { QueueStore } from '../../local/bus/queue-store.js';
import { FIXED_NOW } from './outbox-fixtures.js';

/** A clock a test moves by hand; starts at FIXED_NOW. */
export class ManualClock {
  private now = FIXED_NOW.getTime();

  readonly read = (): Date => new Date(this.now);

  advance(ms: number): void {
    this.now += ms;
  }
}

/** A log that keeps its lines for assertions. */
export function aRecordingLog(): BusLog & { readonly lines: string[] } {
  const lines: string[] = [];
  return Object.assign((line: string) => void lines.push(line), { lines });
}

/** A classic bus with the local runtime's defaults (1 MiB, us-east-1, account 0…0). */
export function aClassicBus(overrides: Partial<EventBusOptions> = {}): EventBus {
  return new EventBus({
    maxRequestBytes: 1024 * 1024,
    knownBuses: [],
    region: 'us-east-1',
    accountId: '000000000000',
    log: () => undefined,
    clock: () => new Date(FIXED_NOW),
    ...overrides,
  });
}

/** Local queues on a clock (a manual one by default). */
export function aQueueStore(options: { clock?: () => Date; log?: BusLog } = {}): QueueStore {
  return new QueueStore({
    clock: options.clock ?? new ManualClock().read,
    log: options.log ?? (() => undefined),
  });
}

/** A fault injector drawing from `random` (never drawn from by default: it throws). */
export function aFaultInjector(
  options: { random?: () => number; log?: BusLog } = {},
): FaultInjector {
  const random =
    options.random ??
    (() => {
      throw new Error('the injector drew a random number with no fault in force');
    });
  return new FaultInjector(random, options.log ?? (() => undefined));
}

/** A valid PutEvents entry of aggregate Order#o-1. */
export function aBusEntry(
  sequence: number,
  overrides: Partial<PutEventsEntry> = {},
): PutEventsEntry {
  return {
    Source: 'com.example.orders',
    DetailType: 'OrderCreated',
    Detail: JSON.stringify({ aggregateType: 'Order', aggregateId: 'o-1', sequence }),
    EventBusName: 'orders-bus',
    ...overrides,
  };
}

/** What a call throws, as an AwsServiceError (fails the test if it throws nothing or another error). */
export function awsErrorThrownBy(call: () => unknown): AwsServiceError {
  try {
    call();
  } catch (error) {
    if (error instanceof AwsServiceError) return error;
    throw error;
  }
  throw new Error('expected an AwsServiceError, nothing was thrown');
}
