import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fullJitterDelay } from './backoff.js';
import { OutboxError } from './errors.js';
import { keyString, type RecordKey, type RecordState } from './ordering.js';
import { OutboxAttribute, OutboxStatus, PK, SK } from './schema.js';
import { type MarkOutcome, transitionStatus } from './status-transition.js';

/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

/** Configuration of an {@link OutboxStore}. @internal */
export interface OutboxStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * How long delivered records are kept before TTL removes them, in days.
   * @default - 7
   */
  readonly retentionDays?: number;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads and updates outbox record statuses: the relay's and the sweeper's view of the
 * table.
 * @internal
 */
export class OutboxStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;
  private readonly clock: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: OutboxStoreOptions) {
    const retentionDays = options.retentionDays ?? 7;
    if (!Number.isFinite(retentionDays) || retentionDays < 1) {
      throw new OutboxError(`retentionDays must be at least 1, got ${retentionDays}`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionSeconds = Math.round(retentionDays * 86_400);
    this.clock = options.clock ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * The status of each key, read with consistent `BatchGetItem`s (100 keys each,
   * unprocessed keys retried with backoff). A key with no item is ABSENT.
   *
   * @throws OutboxError when DynamoDB keeps returning unprocessed keys
   */
  async readStates(keys: readonly RecordKey[]): Promise<Map<string, RecordState>> {
    const unique = [
      ...new Map(keys.map((k) => [keyString(k), { [PK]: k.pk, [SK]: k.sk }])).values(),
    ];
    const states = new Map<string, RecordState>(unique.map((k) => [keyString(k), 'ABSENT']));
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let request: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_LIMIT);
      for (let round = 1; request.length > 0; round++) {
        if (round > MAX_UNPROCESSED_ROUNDS) {
          throw new OutboxError(
            `BatchGetItem left ${request.length} keys unprocessed after ${MAX_UNPROCESSED_ROUNDS} rounds`,
          );
        }
        if (round > 1) await this.sleep(fullJitterDelay(round - 1));
        const output = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: request,
                ConsistentRead: true,
                ProjectionExpression: '#pk, #sk, #status',
                ExpressionAttributeNames: {
                  '#pk': PK,
                  '#sk': SK,
                  '#status': OutboxAttribute.status,
                },
              },
            },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          states.set(
            keyString({ pk: String(item[PK]), sk: String(item[SK]) }),
            item[OutboxAttribute.status] as RecordState,
          );
        }
        request =
          (output.UnprocessedKeys?.[this.tableName]?.Keys as
            | Record<string, unknown>[]
            | undefined) ?? [];
      }
    }
    return states;
  }

  /**
   * PENDING → DELIVERED, with `deliveredAt` and the TTL; leaves the pending index.
   * Conditional on PENDING, so a record the sweeper (or a retry) already marked is left
   * alone.
   */
  async markDelivered(record: RecordKey): Promise<MarkOutcome> {
    const now = this.clock();
    return this.transition(record, OutboxStatus.delivered, {
      [OutboxAttribute.deliveredAt]: now.toISOString(),
      [OutboxAttribute.expiresAt]: Math.floor(now.getTime() / 1000) + this.retentionSeconds,
    });
  }

  /**
   * PENDING → FAILED, with the error: the record was quarantined (its payload is in the
   * DLQ). It keeps no TTL: it is evidence, and the operator decides its fate.
   */
  async markFailed(record: RecordKey, failure: string): Promise<MarkOutcome> {
    return this.transition(record, OutboxStatus.failed, {
      [OutboxAttribute.failedAt]: this.clock().toISOString(),
      [OutboxAttribute.failure]: failure,
    });
  }

  /** PENDING → `status`: leaves the pending index (its sparse key is removed). */
  private transition(
    record: RecordKey,
    status: OutboxStatus,
    attributes: Record<string, unknown>,
  ): Promise<MarkOutcome> {
    return transitionStatus(this.client, this.tableName, record, {
      from: OutboxStatus.pending,
      set: { [OutboxAttribute.status]: status, ...attributes },
      remove: [OutboxAttribute.pendingShard],
    });
  }
}
