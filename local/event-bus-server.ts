import { DEFAULT_MAX_REQUEST_BYTES } from '../lambdas/outbox/index.js';
import { AwsJsonRoute } from './bus/aws-json-protocol.js';
import { eventBridgeService, sqsService } from './bus/aws-json-services.js';
import { type BusLog, timestampedLog } from './bus/bus-log.js';
import { dlqRoute, eventsRoute, faultsRoute } from './bus/control-routes.js';
import { CUSTOM_BUS_NAME_PATTERN } from './bus/custom-bus-arn.js';
import { type CustomBusDefinition, CustomEventBus } from './bus/custom-event-bus.js';
import { EventBus, type EventListener, type LocalEvent } from './bus/event-bus.js';
import { BUS_NAME_PATTERN } from './bus/event-bus-names.js';
import { EventJournal } from './bus/event-journal.js';
import { eventBridgeV2Service } from './bus/eventbridge-v2-service.js';
import { FaultInjector } from './bus/fault-injector.js';
import type { Faults, FaultsInput } from './bus/faults.js';
import { FifoSubscriber, type FifoSubscriberOptions } from './bus/fifo-subscriber.js';
import { LoopbackServer } from './bus/loopback-server.js';
import { type DlqMessage, QueueStore } from './bus/queue-store.js';
import { Router } from './bus/router.js';
import { RpcV2CborRoute } from './bus/rpcv2-cbor-protocol.js';
import { LocalRuntimeError } from './errors.js';

/**
 * The local EventBridge-compatible endpoint of local mode: one loopback HTTP server in
 * front of small parts, each in `local/bus/` with its own state:
 * - {@link EventBus} (`event-bus.ts`): AWS JSON 1.1 `AWSEvents.PutEvents` and
 *   `AWSEvents.DescribeEventBus` as the real `EventBridgeClient` sends them, validated like
 *   EventBridge, accepted events kept for `GET /events`. Like EventBridge it is unkind:
 *   PutEvents accepts entries for any bus name; only DescribeEventBus tells them apart.
 * - {@link QueueStore} (`queue-store.ts`): the relay's dead-letter queue and the CLI's side
 *   of it, AWS JSON 1.0 `AmazonSQS.SendMessage`, `ReceiveMessage` (visibility timeouts),
 *   `DeleteMessage`, `ChangeMessageVisibility`, `GetQueueAttributes`; `GET /dlq`.
 * - {@link CustomEventBus} (`custom-event-bus.ts`): the enhanced Custom Event Bus
 *   (eventbridgev2) over Smithy RPC v2 CBOR (`rpcv2-cbor-protocol.ts`): buses created at
 *   start and addressed by ARN, PutEvents with EventGroupId/DeduplicationId, the
 *   de-duplication window, SequenceNumbers, retention; {@link FifoSubscriber}
 *   (`fifo-subscriber.ts`) delivers its events in order per group, with replay.
 * - {@link FaultInjector} (`fault-injector.ts`): `/faults` injects per-entry failures,
 *   whole-request 500s and latency into PutEvents (both buses), so the relay's retry paths
 *   run locally.
 * - `aws-json-protocol.ts`: the `x-amz-target` dispatch, error bodies, and the empty-body
 *   413 past `maxBodyBytes` that AWS's front end answers.
 * - {@link EventJournal} (`event-journal.ts`): the events both buses accepted, in order.
 * - {@link Router} (`router.ts`): loopback-only (a foreign `Host` or `Origin` gets 403),
 *   then `/events`, `/dlq`, `/faults`, then the protocols (`POST /service/…` RPC v2 CBOR,
 *   `POST /` AWS JSON), else 404.
 *
 * A POST must say its body is JSON or CBOR (`application/json` on `/faults`, the AWS
 * protocol's `application/x-amz-json-1.x` on `/`, `application/cbor` on `/service/…`),
 * which no HTML form or simple cross-site request can send; anything else gets 415.
 */

export type { CustomBusDefinition, CustomBusEvent } from './bus/custom-event-bus.js';
export type { EventListener, LocalEvent } from './bus/event-bus.js';
export {
  type Faults,
  type FaultsInput,
  faultsSchema,
  INJECTABLE_ENTRY_ERRORS,
  type InjectableEntryError,
  MAX_FAULT_LATENCY_MS,
  NO_FAULTS,
} from './bus/faults.js';
export type {
  DeadLetterRecord,
  DeliveredEvent,
  FifoSubscriber,
  FifoSubscriberOptions,
  SubscriberTarget,
} from './bus/fifo-subscriber.js';
export type { DlqMessage } from './bus/queue-store.js';
export { type SqsMessageAttribute, sqsMessageAttributesMd5 } from './bus/sqs-md5.js';

/** Options of {@link startEventBusServer}. */
export interface EventBusServerOptions {
  /** 0 lets the OS pick a free port. */
  readonly port: number;
  /** Loopback address to listen on: `127.0.0.1`, `::1` or `localhost`. @default '127.0.0.1' */
  readonly host?: string;
  /** PutEvents request size limit by the documented entry-size formula. @default 1,048,576 */
  readonly maxRequestBytes?: number;
  /**
   * Largest raw request body (bytes on the wire) of an AWS call; a larger one is answered
   * HTTP 413 with an empty body, as AWS's front end does.
   * @default - max(8 × maxRequestBytes, 1 MiB) + 64 KiB: JSON escaping can make the wire
   * body several times the formula size
   */
  readonly maxBodyBytes?: number;
  /**
   * The buses DescribeEventBus knows (names); `default` is always known. PutEvents accepts
   * any name regardless, as EventBridge does.
   * @default - only `default`
   */
  readonly eventBuses?: readonly string[];
  /**
   * Enhanced Custom Event Buses (eventbridgev2) to create, each addressed by the ARN
   * {@link EventBusServer.customBusArn} returns. @default - none
   */
  readonly customBuses?: readonly CustomBusDefinition[];
  /** The custom buses' de-duplication window (shorten it in tests). @default 300,000 (5 minutes) */
  readonly dedupWindowMs?: number;
  /** Region of the event-bus ARNs DescribeEventBus answers and accepts. @default 'us-east-1' */
  readonly region?: string;
  /** Account of the event-bus ARNs DescribeEventBus answers and accepts. @default '000000000000' */
  readonly accountId?: string;
  /** Receives one readable line per accepted event (and per rejected entry or injected 500). */
  readonly log?: (line: string) => void;
  /** Source of randomness for fault injection (inject a seeded one in tests). @default Math.random */
  readonly random?: () => number;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** A running local bus. */
export interface EventBusServer {
  /** e.g. `http://127.0.0.1:4010`; what `EventBridgeClient`/`SQSClient` take as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Accepted events of every bus, in acceptance order (a copy); custom-bus events are {@link CustomBusEvent}s. */
  accepted(): LocalEvent[];
  /** The ARN of the custom bus of this name; throws a LocalRuntimeError when there is none. */
  customBusArn(name: string): string;
  /**
   * Starts a FIFO subscriber on the custom bus of this ARN (replaying retained events first
   * when its starting position says so); {@link close} stops it too.
   */
  subscribe(busArn: string, options: FifoSubscriberOptions): FifoSubscriber;
  /** Messages sent to any local queue and not deleted yet, in arrival order (a copy). */
  dlqMessages(): DlqMessage[];
  /** The faults in force. */
  faults(): Faults;
  /** Replaces the faults in force (absent fields: no fault); throws a ZodError on bad input. */
  setFaults(faults: FaultsInput): Faults;
  clearFaults(): void;
  /**
   * The ids of the events accepted by PutEvents requests whose answer was lost on purpose
   * (`lostResponseRate`), in order: what a retrying sender may repeat (a copy).
   */
  lostResponseEventIds(): string[];
  /** Registers a listener for accepted events; returns a function that removes it. */
  onEvent(listener: EventListener): () => void;
  /** Stops listening and closes every connection (keep-alive ones too). */
  close(): Promise<void>;
}

/**
 * Starts the local bus.
 *
 * @example
 * const bus = await startEventBusServer({ port: 4010, log: (line) => console.log(line) });
 * const eventBridge = new EventBridgeClient({ endpoint: bus.url });
 */
export async function startEventBusServer(options: EventBusServerOptions): Promise<EventBusServer> {
  validateOptions(options);
  const parts = busParts(options);
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const router = routerOf(parts, options.maxBodyBytes ?? defaultMaxBodyBytes(maxRequestBytes));
  const server = await LoopbackServer.listen(router, options.port, options.host ?? '127.0.0.1');
  return runningBus(server, parts);
}

/** The parts of the bus, each with its own state, sharing one clock, log and journal. */
interface BusParts {
  readonly clock: () => Date;
  readonly log: BusLog;
  readonly faults: FaultInjector;
  readonly journal: EventJournal;
  readonly classic: EventBus;
  readonly custom: CustomEventBus;
  readonly queues: QueueStore;
}

function busParts(options: EventBusServerOptions): BusParts {
  const clock = options.clock ?? (() => new Date());
  const log = timestampedLog(options.log ?? (() => undefined), clock);
  const faults = new FaultInjector(options.random ?? Math.random, log);
  const journal = new EventJournal(log);
  const shared = {
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    injectedFailure: () => faults.entryFailure(),
    journal,
    log,
    clock,
  };
  const classic = new EventBus({ ...shared, knownBuses: options.eventBuses ?? [] });
  const custom = new CustomEventBus({
    ...shared,
    buses: options.customBuses ?? [],
    ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
  });
  return { clock, log, faults, journal, classic, custom, queues: new QueueStore({ log, clock }) };
}

/** Local mode's own paths, then the protocols: RPC v2 CBOR first, since it must refuse a CBOR path carrying x-amz-target that AWS JSON would claim. */
function routerOf(parts: BusParts, maxBodyBytes: number): Router {
  const { journal, queues, faults, log, classic, custom } = parts;
  return new Router(
    [eventsRoute(journal), dlqRoute(queues), faultsRoute(faults, log)],
    [
      new RpcV2CborRoute(eventBridgeV2Service(custom, faults, log), { maxBodyBytes, log }),
      new AwsJsonRoute([eventBridgeService(classic, faults), sqsService(queues)], {
        maxBodyBytes,
        log,
      }),
    ],
  );
}

/** The handle of a listening bus; closing it closes the subscribers started through it. */
function runningBus(server: LoopbackServer, parts: BusParts): EventBusServer {
  const { journal, queues, faults, custom, clock, log } = parts;
  const subscribers = new Set<FifoSubscriber>();
  return {
    url: server.url,
    port: server.port,
    accepted: () => journal.accepted(),
    customBusArn: (name) => {
      const arn = custom.arnOf(name);
      if (arn !== undefined) return arn;
      throw new LocalRuntimeError(
        `no custom bus named ${JSON.stringify(name)}; customBuses creates them`,
      );
    },
    subscribe: (busArn, options) => {
      const events = custom.retainedEvents(busArn);
      if (events === undefined) throw new LocalRuntimeError(`no custom bus has the ARN ${busArn}`);
      const subscriber = new FifoSubscriber(options, { busArn, events, clock, log });
      subscribers.add(subscriber);
      return subscriber;
    },
    dlqMessages: () => queues.messages(),
    faults: () => faults.current(),
    setFaults: (input) => faults.set(input),
    clearFaults: () => faults.clear(),
    lostResponseEventIds: () => faults.lostResponseEventIds(),
    onEvent: (listener) => journal.onEvent(listener),
    close: async () => {
      const closed = server.close();
      faults.close(); // a PutEvents waiting out its latency must not hold the close
      await Promise.all([closed, ...[...subscribers].map((s) => s.close())]);
    },
  };
}

/** The default raw body cap: JSON escaping can make the wire body several times the formula size. */
function defaultMaxBodyBytes(maxRequestBytes: number): number {
  return Math.max(maxRequestBytes * 8, 1024 * 1024) + 64 * 1024;
}

/** Fails early, naming the bad value, on options the bus cannot work with. */
function validateOptions(options: EventBusServerOptions): void {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new LocalRuntimeError(`${name} must be a positive integer, got ${value}`);
  };
  positive('maxRequestBytes', options.maxRequestBytes);
  positive('maxBodyBytes', options.maxBodyBytes);
  positive('dedupWindowMs', options.dedupWindowMs);
  // It answers loopback hosts only (the router refuses others): listening elsewhere would
  // only expose it to the network.
  if (options.host !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(options.host))
    throw new LocalRuntimeError(
      `host must be a loopback address (127.0.0.1, ::1 or localhost), got ${options.host}`,
    );
  for (const name of options.eventBuses ?? [])
    if (!BUS_NAME_PATTERN.test(name))
      throw new LocalRuntimeError(
        `eventBuses holds ${JSON.stringify(name)}, which is not an event bus name (1..256 of A-Z a-z 0-9 . - _ /)`,
      );
  validateCustomBuses(options.customBuses ?? []);
}

/** Custom buses as CreateEventBus would take them: valid, unique names; retention 1..365 days. */
function validateCustomBuses(buses: readonly CustomBusDefinition[]): void {
  const names = new Set<string>();
  for (const { name, retentionDays } of buses) {
    if (!CUSTOM_BUS_NAME_PATTERN.test(name))
      throw new LocalRuntimeError(
        `customBuses holds ${JSON.stringify(name)}, which is not a bus name (1..256 of A-Z a-z 0-9 . - _, alphanumeric first)`,
      );
    if (names.has(name))
      throw new LocalRuntimeError(`customBuses names ${JSON.stringify(name)} twice`);
    names.add(name);
    if (
      retentionDays !== undefined &&
      (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 365)
    )
      throw new LocalRuntimeError(
        `retentionDays of custom bus ${name} must be a whole number from 1 to 365, got ${retentionDays}`,
      );
  }
}
