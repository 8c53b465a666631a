import type { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBDocumentClient, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  emptyTally,
  keyString,
  OutboxAttribute,
  type OutboxDelivery,
  type OutboxRecord,
  OutboxStatus,
  PENDING_INDEX_NAME,
  PK,
  SK,
} from '../outbox/index.js';
import { OutboxMetric, type OutboxMetricName } from '../outbox/metrics.js';
import { SweepNotAuthorizedError } from './errors.js';

/** The metric sink: Powertools `Metrics` fits it; tests pass a recorder. @internal */
export interface SweeperMetrics {
  addMetric(name: OutboxMetricName, unit: 'Count' | 'Seconds', value: number): void;
}

/** What the sweeper core needs; the handler creates these once per container. @internal */
export interface SweeperDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The delivery pass shared with the relay (same publisher, same ordering rule). */
  readonly delivery: OutboxDelivery;
  readonly logger: Logger;
  readonly metrics: SweeperMetrics;
  readonly pendingShards: number;
  /** A record pending longer than this, in ms, is the sweeper's. */
  readonly graceMs: number;
  readonly maxRecordsPerRun: number;
  /** Time kept free before the Lambda timeout, in ms. */
  readonly safetyMarginMs: number;
  /** @default - the system clock */
  readonly clock?: () => Date;
}

/** What one run found and did. @internal */
export interface SweepReport {
  /** Records PENDING in the table (all of them, stale or not). */
  readonly pendingRecords: number;
  /** Age of the oldest PENDING record, in seconds (0 when none). */
  readonly oldestPendingAgeSeconds: number;
  /** Stale records this run took on (at most `maxRecordsPerRun`). */
  readonly staleRecords: number;
  /** Records now DELIVERED or quarantined. */
  readonly recordsDone: number;
  readonly eventsPublished: number;
  /** Repeats a Custom Event Bus suppressed (already on the bus). */
  readonly eventsDeduplicated: number;
  readonly duplicatesSkipped: number;
}

interface IndexKey {
  readonly pk: string;
  readonly sk: string;
  readonly createdAt: string;
}

/**
 * Delivers the records the stream lost: those PENDING longer than the grace period
 * (stream records aged out after 24 h, batches Lambda skipped, a disabled relay). It
 * reads the sparse pending index shard by shard, loads each affected aggregate's pending
 * records in sequence order, and delivers them with the relay's own delivery pass — the
 * same ordering rule, so a race with the relay can duplicate an event but never reorder.
 * Bounded per run by `maxRecordsPerRun` and by the Lambda's remaining time.
 *
 * @throws SweepNotAuthorizedError when EventBridge refuses the sweeper itself
 * @internal
 */
export async function sweepPendingRecords(
  deps: SweeperDependencies,
  context: { getRemainingTimeInMillis(): number },
): Promise<SweepReport> {
  const now = (deps.clock ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - deps.graceMs).toISOString();
  const remainingMs = () => context.getRemainingTimeInMillis() - deps.safetyMarginMs;
  const shards = Array.from({ length: deps.pendingShards }, (_, shard) => shard);

  const perShard = await Promise.all(
    shards.map(async (shard) => ({
      count: await countPending(deps, shard),
      stale: await staleKeys(deps, shard, cutoff, deps.maxRecordsPerRun),
    })),
  );
  const pendingRecords = perShard.reduce((sum, s) => sum + s.count, 0);
  const stale = perShard
    .flatMap((s) => s.stale)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(0, deps.maxRecordsPerRun);
  const oldest = perShard
    .flatMap((s) => s.stale.slice(0, 1))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  const oldestOverall = oldest?.createdAt ?? (await oldestPending(deps, shards));
  const oldestPendingAgeSeconds =
    oldestOverall === undefined
      ? 0
      : Math.max(0, Math.floor((now.getTime() - Date.parse(oldestOverall)) / 1000));

  // Per aggregate, every pending record up to its newest stale one, in sequence order.
  const newestStale = new Map<string, string>();
  for (const key of stale) {
    const current = newestStale.get(key.pk);
    if (current === undefined || key.sk > current) newestStale.set(key.pk, key.sk);
  }
  const records: OutboxRecord[] = [];
  for (const [pk, maxSk] of newestStale) {
    if (records.length >= deps.maxRecordsPerRun || remainingMs() <= 0) break;
    records.push(
      ...(await pendingRecordsOf(deps, pk, maxSk, deps.maxRecordsPerRun - records.length)),
    );
  }

  const done = new Set<string>();
  const tally = emptyTally();
  const outcome =
    records.length === 0
      ? { deferred: [] }
      : await deps.delivery.deliver(records, done, tally, remainingMs);
  const report: SweepReport = {
    pendingRecords,
    oldestPendingAgeSeconds,
    staleRecords: stale.length,
    recordsDone: records.filter((r) => done.has(keyString(r))).length,
    eventsPublished: tally.published,
    eventsDeduplicated: tally.deduplicated,
    duplicatesSkipped: tally.duplicatesSkipped,
  };
  deps.metrics.addMetric(OutboxMetric.pendingRecords, 'Count', pendingRecords);
  deps.metrics.addMetric(OutboxMetric.oldestPendingAge, 'Seconds', oldestPendingAgeSeconds);
  deps.metrics.addMetric(OutboxMetric.sweptRecords, 'Count', report.recordsDone);
  deps.metrics.addMetric(OutboxMetric.eventsPublished, 'Count', tally.published);
  deps.metrics.addMetric(OutboxMetric.eventsDeduplicated, 'Count', tally.deduplicated);
  deps.metrics.addMetric(OutboxMetric.poisonRecords, 'Count', tally.poison);
  deps.logger.info('sweep finished', { ...report, deferred: outcome.deferred.length });
  if ('configurationError' in outcome && outcome.configurationError !== undefined) {
    throw new SweepNotAuthorizedError(
      outcome.configurationError.code,
      outcome.configurationError.message,
    );
  }
  return report;
}

/** How many records of a shard are PENDING (the index holds only those). */
async function countPending(deps: SweeperDependencies, shard: number): Promise<number> {
  let count = 0;
  const pages = paginateQuery(
    { client: deps.documentClient },
    {
      TableName: deps.tableName,
      IndexName: PENDING_INDEX_NAME,
      KeyConditionExpression: '#shard = :shard',
      ExpressionAttributeNames: { '#shard': OutboxAttribute.pendingShard },
      ExpressionAttributeValues: { ':shard': shard },
      Select: 'COUNT',
    },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}

/** The oldest pending records of a shard created before the cutoff, oldest first. */
async function staleKeys(
  deps: SweeperDependencies,
  shard: number,
  cutoff: string,
  limit: number,
): Promise<IndexKey[]> {
  const keys: IndexKey[] = [];
  const pages = paginateQuery(
    { client: deps.documentClient, pageSize: Math.min(limit, 1_000) },
    {
      TableName: deps.tableName,
      IndexName: PENDING_INDEX_NAME,
      KeyConditionExpression: '#shard = :shard AND #createdAt < :cutoff',
      ExpressionAttributeNames: {
        '#shard': OutboxAttribute.pendingShard,
        '#createdAt': OutboxAttribute.createdAt,
      },
      ExpressionAttributeValues: { ':shard': shard, ':cutoff': cutoff },
      ScanIndexForward: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      keys.push({
        pk: String(item[PK]),
        sk: String(item[SK]),
        createdAt: String(item[OutboxAttribute.createdAt]),
      });
      if (keys.length >= limit) return keys;
    }
  }
  return keys;
}

/** The creation time of the oldest pending record of all shards, if any. */
async function oldestPending(
  deps: SweeperDependencies,
  shards: readonly number[],
): Promise<string | undefined> {
  const firsts = await Promise.all(
    shards.map(async (shard) => {
      const { Items } = await deps.documentClient.send(
        new QueryCommand({
          TableName: deps.tableName,
          IndexName: PENDING_INDEX_NAME,
          KeyConditionExpression: '#shard = :shard',
          ExpressionAttributeNames: { '#shard': OutboxAttribute.pendingShard },
          ExpressionAttributeValues: { ':shard': shard },
          ScanIndexForward: true,
          Limit: 1,
        }),
      );
      return Items?.[0]?.[OutboxAttribute.createdAt] as string | undefined;
    }),
  );
  return firsts.filter((c): c is string => c !== undefined).sort()[0];
}

/** An aggregate's PENDING records up to `maxSk`, in sequence order, read consistently. */
async function pendingRecordsOf(
  deps: SweeperDependencies,
  pk: string,
  maxSk: string,
  limit: number,
): Promise<OutboxRecord[]> {
  const records: OutboxRecord[] = [];
  const pages = paginateQuery(
    { client: deps.documentClient },
    {
      TableName: deps.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk <= :maxSk',
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#status': OutboxAttribute.status },
      ExpressionAttributeValues: { ':pk': pk, ':maxSk': maxSk, ':pending': OutboxStatus.pending },
      ConsistentRead: true,
      ScanIndexForward: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      records.push(item as OutboxRecord);
      if (records.length >= limit) return records;
    }
  }
  return records;
}
