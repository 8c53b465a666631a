import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
 * same stubs.
 */

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
    const expected = records.reduce((sum, r) => sum + r.events.length, 0);
    const lastSeq = new Map<string, number>();
    let count = 0;
    for (const call of this.calls) {
      for (const entry of call.entries) {
        count++;
        const envelope = JSON.parse(entry.Detail ?? '{}') as EventEnvelope;
        const aggregate = `${envelope.aggregateType}#${envelope.aggregateId}`;
        const previous = lastSeq.get(aggregate) ?? 0;
        if (envelope.sequence !== previous + 1)
          throw new Error(`${aggregate}: sequence ${envelope.sequence} after ${previous}`);
        lastSeq.set(aggregate, envelope.sequence);
      }
    }
    if (count !== expected) throw new Error(`${count} events published, ${expected} expected`);
  }
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
