import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type PutEventsRequestEntry as CustomBusEntry,
  DescribeEventBusCommand as DescribeCustomBusCommand,
  type EventBridgeV2Client,
  EventBridgeV2ServiceException,
  MAX_ENTRIES_PER_CALL as MAX_CUSTOM_BUS_ENTRIES,
  PutEventsCommand as PutCustomBusEventsCommand,
} from '../lambdas/eventbridge-v2/index.js';
import type { EventEnvelope } from '../lambdas/outbox/envelope.js';
import {
  keyString,
  MAX_PUT_EVENTS_ENTRIES,
  type OutboxRecord,
  putEventsEntrySize,
} from '../lambdas/outbox/index.js';

/**
 * In-process stand-ins for the AWS clients the relays call: plain objects with a `send`,
 * so that what is timed is the relay's own work plus the simulated latency, not a mocking
 * library. Both relays of the benchmarks (ours and the naive one) run against the very
 * same stubs; ours also runs against the Custom Event Bus stub, through its own adapter.
 */

/**
 * Checks the Details a bus accepted, in acceptance order: every event of the records
 * exactly once, and, per aggregate, in sequence order. Returns each Detail's aggregate.
 *
 * @throws Error describing the first problem found
 */
function verifyDelivery(
  details: Iterable<string | undefined>,
  records: readonly OutboxRecord[],
): string[] {
  const expected = records.reduce((sum, r) => sum + r.events.length, 0);
  const lastSeq = new Map<string, number>();
  const aggregates: string[] = [];
  for (const detail of details) {
    const envelope = JSON.parse(detail ?? '{}') as EventEnvelope;
    const aggregate = `${envelope.aggregateType}#${envelope.aggregateId}`;
    const previous = lastSeq.get(aggregate) ?? 0;
    if (envelope.sequence !== previous + 1)
      throw new Error(`${aggregate}: sequence ${envelope.sequence} after ${previous}`);
    lastSeq.set(aggregate, envelope.sequence);
    aggregates.push(aggregate);
  }
  if (aggregates.length !== expected)
    throw new Error(`${aggregates.length} events published, ${expected} expected`);
  return aggregates;
}

/** Settings of a {@link StubEventBus}. */
export interface StubEventBusOptions {
  /** Simulated round trip of every PutEvents call. @default 0 */
  readonly latencyMs?: number;
  /** PutEvents request limit by the documented entry-size formula. @default 1 MiB */
  readonly maxRequestBytes?: number;
}

/** One PutEvents call as the stub saw it. */
export interface StubCall {
  readonly entries: readonly PutEventsRequestEntry[];
  readonly bytes: number;
}

/**
 * An EventBridge bus: counts calls, entries and bytes, enforces the service limits (a
 * call breaking one is rejected, as EventBridge would), and accepts every entry.
 */
export class StubEventBus {
  readonly calls: StubCall[] = [];
  /** DescribeEventBus calls: one per relay instance (container), never per batch. */
  describes = 0;
  private readonly latencyMs: number;
  private readonly maxRequestBytes: number;
  private accepted = 0;

  constructor(options: StubEventBusOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.maxRequestBytes = options.maxRequestBytes ?? 1024 * 1024;
  }

  /** The client to hand to a relay. */
  readonly client = {
    send: (command: unknown) => this.send(command),
  } as unknown as EventBridgeClient;

  get events(): number {
    return this.calls.reduce((sum, call) => sum + call.entries.length, 0);
  }

  private async send(command: unknown) {
    // The relay proves the bus exists once per container, before its first batch: a
    // cold-start cost (one round trip), answered at once so batch timings stay warm ones.
    if (command instanceof DescribeEventBusCommand) {
      this.describes++;
      return { Name: command.input.Name, Arn: `arn:aws:events:::event-bus/${command.input.Name}` };
    }
    if (!(command instanceof PutEventsCommand))
      throw new Error(
        `the stub bus answers DescribeEventBus and PutEvents only, got ${String(command)}`,
      );
    const entries = command.input.Entries ?? [];
    const bytes = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
    if (entries.length === 0 || entries.length > MAX_PUT_EVENTS_ENTRIES)
      throw Object.assign(new Error(`${entries.length} entries`), { name: 'ValidationException' });
    if (bytes > this.maxRequestBytes)
      throw Object.assign(new Error(`${bytes} bytes`), { name: 'ValidationException' });
    this.calls.push({ entries, bytes });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return {
      FailedEntryCount: 0,
      Entries: entries.map(() => ({ EventId: `eb-${++this.accepted}` })),
    };
  }

  /**
   * Checks what was accepted: every event of the records exactly once, and, per
   * aggregate, in sequence order.
   *
   * @throws Error describing the first problem found
   */
  verify(records: readonly OutboxRecord[]): void {
    verifyDelivery(
      this.calls.flatMap((call) => call.entries.map((entry) => entry.Detail)),
      records,
    );
  }
}

/** Settings of a {@link StubCustomBus}. */
export interface StubCustomBusOptions {
  /** Simulated round trip of every PutEvents call. @default 0 */
  readonly latencyMs?: number;
  /**
   * Request limit by the classic entry-size formula: the Custom Event Bus documents none,
   * and the adapter keeps the classic one. @default 1 MiB
   */
  readonly maxRequestBytes?: number;
}

/** One eventbridgev2 PutEvents call as the stub saw it. */
export interface StubCustomCall {
  readonly entries: readonly CustomBusEntry[];
  readonly bytes: number;
}

/**
 * An ACTIVE Custom Event Bus (eventbridgev2), addressed by its ARN: counts calls, entries
 * and bytes, refuses a call over 100 entries or over the byte limit with the API's
 * `InvalidInputException` (it has no `ValidationException`), and publishes every entry
 * (`SuccessCode: PUBLISHED`, a new `SequenceNumber` each).
 */
export class StubCustomBus {
  /** The bus's ARN, in the format the API requires (`event-busv2/{name}/{25 chars}`). */
  readonly arn =
    'arn:aws:events:us-east-1:000000000000:event-busv2/orders-bus/bench00000000000000000bus';
  readonly calls: StubCustomCall[] = [];
  /** DescribeEventBus calls: one per relay instance (container), never per batch. */
  describes = 0;
  private readonly latencyMs: number;
  private readonly maxRequestBytes: number;
  private sequence = 0;

  constructor(options: StubCustomBusOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.maxRequestBytes = options.maxRequestBytes ?? 1024 * 1024;
  }

  /** The client to hand to a relay. */
  readonly client = {
    send: (command: unknown) => this.send(command),
  } as unknown as EventBridgeV2Client;

  get events(): number {
    return this.calls.reduce((sum, call) => sum + call.entries.length, 0);
  }

  private async send(command: unknown) {
    // Answered at once, as the classic stub's DescribeEventBus: a cold-start cost.
    if (command instanceof DescribeCustomBusCommand) {
      this.assertBus(command.input.EventBusArn);
      this.describes++;
      return { EventBusArn: this.arn, Name: 'orders-bus', State: 'ACTIVE' };
    }
    if (!(command instanceof PutCustomBusEventsCommand))
      throw new Error(
        `the stub custom bus answers DescribeEventBus and PutEvents only, got ${String(command)}`,
      );
    this.assertBus(command.input.EventBusArn);
    const entries = command.input.Entries ?? [];
    const bytes = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
    if (entries.length === 0 || entries.length > MAX_CUSTOM_BUS_ENTRIES)
      throw serviceError('InvalidInputException', 400, `${entries.length} entries`);
    if (bytes > this.maxRequestBytes)
      throw serviceError('InvalidInputException', 400, `${bytes} bytes`);
    this.calls.push({ entries, bytes });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return {
      FailedEntryCount: 0,
      Entries: entries.map(() => {
        const sequence = ++this.sequence;
        return {
          EventId: `ebv2-${sequence}`,
          SequenceNumber: String(sequence),
          SuccessCode: 'PUBLISHED',
        };
      }),
    };
  }

  /** eventbridgev2 addresses a bus by ARN only: any other ARN is a bus that does not exist. */
  private assertBus(arn: string | undefined): void {
    if (arn !== this.arn)
      throw serviceError('ResourceNotFoundException', 404, `event bus ${arn} not found`);
  }

  /**
   * Checks what was published: every event of the records exactly once, in sequence order
   * per aggregate; each in the event group of its aggregate (one group per aggregate, as a
   * FIFO subscriber orders per group), never two of a group in one call, with its `eventId`
   * as the deduplication id.
   *
   * @throws Error describing the first problem found
   */
  verify(records: readonly OutboxRecord[]): void {
    const aggregates = verifyDelivery(
      this.calls.flatMap((call) => call.entries.map((entry) => entry.Detail)),
      records,
    );
    const groupOf = new Map<string, string>();
    const aggregateOf = new Map<string, string>();
    let i = 0;
    for (const call of this.calls) {
      const groupsInCall = new Set<string>();
      for (const entry of call.entries) {
        const aggregate = aggregates[i++] ?? '';
        const { EventGroupId: group = '', DeduplicationId } = entry.SystemMetadata ?? {};
        const { eventId } = JSON.parse(entry.Detail ?? '{}') as EventEnvelope;
        if (DeduplicationId !== eventId)
          throw new Error(`${aggregate}: DeduplicationId is not the eventId ${eventId}`);
        if (
          group === '' ||
          (groupOf.get(aggregate) ?? group) !== group ||
          (aggregateOf.get(group) ?? aggregate) !== aggregate
        )
          throw new Error(`${aggregate}: event group '${group}' is not the aggregate's own`);
        if (groupsInCall.has(group))
          throw new Error(`${aggregate}: two events of event group '${group}' in one call`);
        groupsInCall.add(group);
        groupOf.set(aggregate, group);
        aggregateOf.set(group, aggregate);
      }
    }
  }
}

/** A service error as the eventbridgev2 client raises it. */
function serviceError(name: string, httpStatusCode: number, message: string): Error {
  return new EventBridgeV2ServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** Settings of a {@link StubOutboxTable}. */
export interface StubOutboxTableOptions {
  /** Simulated round trip of every DynamoDB call. @default 0 */
  readonly latencyMs?: number;
}

/**
 * The outbox table as the relays see it: consistent `BatchGetItem`s of statuses and
 * status updates (conditional on PENDING when the caller asks).
 */
export class StubOutboxTable {
  readonly statuses = new Map<string, string>();
  readonly counts = { batchGets: 0, updates: 0 };
  private readonly latencyMs: number;

  constructor(records: readonly OutboxRecord[] = [], options: StubOutboxTableOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    for (const record of records) this.statuses.set(keyString(record), record.status);
  }

  /** The client to hand to a relay. */
  readonly client = {
    send: (command: unknown) => this.send(command),
  } as unknown as DynamoDBDocumentClient;

  private async send(command: unknown) {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (command instanceof BatchGetCommand) {
      this.counts.batchGets++;
      const [table, request] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
      const responses = (request?.Keys ?? []).flatMap((key) => {
        const pk = String(key.pk);
        const sk = String(key.sk);
        const status = this.statuses.get(keyString({ pk, sk }));
        return status === undefined ? [] : [{ pk, sk, status }];
      });
      return { Responses: { [table ?? '']: responses }, UnprocessedKeys: {} };
    }
    if (command instanceof UpdateCommand) {
      this.counts.updates++;
      const input = command.input;
      const key = keyString({ pk: String(input.Key?.pk), sk: String(input.Key?.sk) });
      const names = input.ExpressionAttributeNames ?? {};
      const values = input.ExpressionAttributeValues ?? {};
      const current = this.statuses.get(key);
      // `#status = :from`, whatever the placeholders are called.
      const [, , expected = ''] = /^(#\w+) = (:\w+)$/.exec(input.ConditionExpression ?? '') ?? [];
      if (current === undefined || (expected !== '' && current !== values[expected]))
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
      const setPart =
        (input.UpdateExpression ?? '').replace(/^SET /, '').split(' REMOVE ')[0] ?? '';
      for (const assignment of setPart.split(', ')) {
        const [name = '', value = ''] = assignment.split(' = ');
        if (names[name] === 'status') this.statuses.set(key, String(values[value]));
      }
      return {};
    }
    throw new Error(`the stub table answers BatchGet and Update only, got ${String(command)}`);
  }
}

/** A dead-letter queue that must stay empty: no benchmark workload holds poison. */
export const unusedQueue = {
  send: async (command: unknown) => {
    if (command instanceof SendMessageCommand)
      throw new Error('a benchmark record was quarantined: the workload is broken');
    throw new Error(`unexpected SQS call ${String(command)}`);
  },
} as unknown as SQSClient;
