import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { EventEnvelope } from '../../lambdas/outbox/envelope.js';
import {
  keyString,
  MAX_PUT_EVENTS_ENTRIES,
  type OutboxRecord,
  putEventsEntrySize,
  type QuarantineMessage,
} from '../../lambdas/outbox/index.js';

/** Raised by the fake table like DynamoDB raises a failed condition. */
export class ConditionalCheckFailedException extends Error {
  constructor() {
    super('The conditional request failed');
    this.name = 'ConditionalCheckFailedException';
  }
}

/**
 * An in-memory outbox table behind a mocked document client: answers the relay's
 * consistent BatchGets and applies its conditional status updates, like DynamoDB would.
 */
export class FakeOutboxTable {
  readonly items = new Map<string, Record<string, unknown>>();
  readonly mock = mockClient(DynamoDBDocumentClient);
  /** Decides whether an UpdateCommand fails (as a crash between publish and mark). */
  failUpdate: (key: { pk: string; sk: string }) => boolean = () => false;
  /** Called before each BatchGet is answered: lets a test change the table meanwhile. */
  beforeRead: () => void = () => undefined;

  constructor() {
    this.mock.on(BatchGetCommand).callsFake(async (input: BatchGetCommand['input']) => {
      this.beforeRead();
      const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      const responses = (request?.Keys ?? []).flatMap((key) => {
        const item = this.items.get(keyString({ pk: String(key.pk), sk: String(key.sk) }));
        return item === undefined ? [] : [{ pk: item.pk, sk: item.sk, status: item.status }];
      });
      return { Responses: { [table ?? '']: responses }, UnprocessedKeys: {} };
    });
    this.mock
      .on(UpdateCommand)
      .callsFake(async (input: UpdateCommand['input']) => this.update(input));
    this.mock.on(QueryCommand).callsFake(async (input: QueryCommand['input']) => this.query(input));
  }

  /**
   * The two queries the sweeper makes: the pending index by shard (optionally before a
   * cutoff, or just counting), and one aggregate's PENDING records up to a sort key.
   */
  private query(input: QueryCommand['input']): {
    Items?: Record<string, unknown>[];
    Count: number;
  } {
    const values = input.ExpressionAttributeValues ?? {};
    const items = [...this.items.values()];
    let matches: Record<string, unknown>[];
    if (input.IndexName !== undefined) {
      matches = items
        .filter((item) => item.pendingShard === values[':shard'])
        .filter(
          (item) =>
            values[':cutoff'] === undefined || String(item.createdAt) < String(values[':cutoff']),
        )
        .sort(
          (a, b) =>
            String(a.createdAt).localeCompare(String(b.createdAt)) ||
            String(a.pk).localeCompare(String(b.pk)),
        )
        .map((item) => ({
          pk: item.pk,
          sk: item.sk,
          createdAt: item.createdAt,
          pendingShard: item.pendingShard,
        }));
    } else {
      matches = items
        .filter((item) => item.pk === values[':pk'] && String(item.sk) <= String(values[':maxSk']))
        .filter((item) => item.status === values[':pending'])
        .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    }
    if (input.ScanIndexForward === false) matches.reverse();
    if (input.Limit !== undefined) matches = matches.slice(0, input.Limit);
    return input.Select === 'COUNT'
      ? { Count: matches.length }
      : { Items: matches.map((m) => structuredClone(m)), Count: matches.length };
  }

  /** Puts records as the writer would have committed them. */
  put(...records: readonly OutboxRecord[]): void {
    for (const record of records)
      this.items.set(
        keyString(record),
        structuredClone(record) as unknown as Record<string, unknown>,
      );
  }

  statusOf(record: { pk: string; sk: string }): unknown {
    return this.items.get(keyString(record))?.status;
  }

  get(record: { pk: string; sk: string }): Record<string, unknown> | undefined {
    return this.items.get(keyString(record));
  }

  private update(input: UpdateCommand['input']): Record<string, never> {
    const key = { pk: String(input.Key?.pk), sk: String(input.Key?.sk) };
    if (this.failUpdate(key))
      throw Object.assign(new Error('injected crash before marking'), { name: 'InjectedCrash' });
    const item = this.items.get(keyString(key));
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const condition = /^#(\w+) = :(\w+)$/.exec(input.ConditionExpression ?? '');
    if (condition) {
      const [, name = '', value = ''] = condition;
      if (item === undefined || item[names[`#${name}`] ?? ''] !== values[`:${value}`])
        throw new ConditionalCheckFailedException();
    }
    if (item === undefined) throw new ConditionalCheckFailedException();
    const [setPart = '', removePart = ''] = (input.UpdateExpression ?? '').split(' REMOVE ');
    for (const assignment of setPart.replace(/^SET /, '').split(', ')) {
      const [name = '', value = ''] = assignment.split(' = ');
      item[names[name] ?? name] = values[value];
    }
    for (const name of removePart.split(', ').filter(Boolean)) delete item[names[name] ?? name];
    return {};
  }
}

/** One event EventBridge accepted, in acceptance order. */
export interface AcceptedEvent {
  readonly eventId: string;
  readonly aggregate: string;
  readonly sequence: number;
  readonly entry: PutEventsRequestEntry;
}

/** A rule the fake bus checks on every call; a broken one fails the test run. */
export interface CallViolation {
  readonly call: number;
  readonly reason: string;
}

/**
 * An EventBridge bus behind a mocked client: validates every PutEvents call against the
 * service limits and the outbox's rules, answers per entry through `outcome`, and keeps
 * the accepted events in acceptance order.
 */
export class FakeEventBus {
  readonly mock = mockClient(EventBridgeClient);
  readonly accepted: AcceptedEvent[] = [];
  readonly violations: CallViolation[] = [];
  readonly calls: PutEventsRequestEntry[][] = [];
  /** Per-entry answer: undefined accepts, a code rejects. */
  outcome: (entry: PutEventsRequestEntry, envelope: EventEnvelope) => string | undefined = () =>
    undefined;
  /** Whole-request failure: return an error to throw it. */
  requestFailure: (entries: readonly PutEventsRequestEntry[]) => Error | undefined = () =>
    undefined;

  /**
   * The buses that exist. As in AWS, PutEvents accepts entries for any bus name
   * (aws/aws-cli#9186); only DescribeEventBus tells a missing bus apart.
   * @default - every name exists
   */
  existingBuses: ReadonlySet<string> | undefined;
  /** Every bus name DescribeEventBus was asked about, in order. */
  readonly described: string[] = [];
  /** DescribeEventBus failure other than a missing bus: return an error to throw it. */
  describeFailure: () => Error | undefined = () => undefined;

  constructor(readonly maxRequestBytes: number = 1024 * 1024) {
    this.mock
      .on(PutEventsCommand)
      .callsFake(async (input: PutEventsCommand['input']) => this.putEvents(input.Entries ?? []));
    this.mock
      .on(DescribeEventBusCommand)
      .callsFake(async (input: DescribeEventBusCommand['input']) =>
        this.describeEventBus(input.Name ?? 'default'),
      );
  }

  private describeEventBus(name: string): { Name: string; Arn: string } {
    this.described.push(name);
    const failure = this.describeFailure();
    if (failure) throw failure;
    if (this.existingBuses !== undefined && !this.existingBuses.has(name))
      throw Object.assign(new Error(`Event bus ${name} does not exist.`), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    return { Name: name, Arn: `arn:aws:events:us-east-1:123456789012:event-bus/${name}` };
  }

  /** The sequences accepted for an aggregate, in acceptance order (with repeats). */
  sequencesOf(aggregate: string): number[] {
    return this.accepted.filter((e) => e.aggregate === aggregate).map((e) => e.sequence);
  }

  private putEvents(entries: readonly PutEventsRequestEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    const call = this.calls.push([...entries]);
    const envelopes = entries.map((e) => JSON.parse(e.Detail ?? '{}') as EventEnvelope);
    const aggregates = envelopes.map((e) => `${e.aggregateType}#${e.aggregateId}`);
    const bytes = entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0);
    if (entries.length > MAX_PUT_EVENTS_ENTRIES)
      this.violations.push({ call, reason: `${entries.length} entries` });
    if (bytes > this.maxRequestBytes) this.violations.push({ call, reason: `${bytes} bytes` });
    if (new Set(aggregates).size !== aggregates.length)
      this.violations.push({ call, reason: 'two entries of one aggregate' });
    const failure = this.requestFailure(entries);
    if (failure) throw failure;
    let failed = 0;
    const results = entries.map((entry, i): PutEventsResultEntry => {
      const envelope = envelopes[i] as EventEnvelope;
      const code = this.outcome(entry, envelope);
      if (code !== undefined) {
        failed++;
        return { ErrorCode: code, ErrorMessage: `injected ${code}` };
      }
      this.accepted.push({
        eventId: envelope.eventId,
        aggregate: aggregates[i] as string,
        sequence: envelope.sequence,
        entry,
      });
      return { EventId: `eb-${this.accepted.length}` };
    });
    return { FailedEntryCount: failed, Entries: results };
  }
}

/** An SQS dead-letter queue behind a mocked client, keeping the messages sent to it. */
export class FakeDeadLetterQueue {
  readonly mock = mockClient(SQSClient);
  readonly messages: QuarantineMessage[] = [];

  constructor() {
    this.mock.on(SendMessageCommand).callsFake(async (input: SendMessageCommand['input']) => {
      this.messages.push(JSON.parse(input.MessageBody ?? '{}') as QuarantineMessage);
      return { MessageId: `m-${this.messages.length}` };
    });
  }
}
