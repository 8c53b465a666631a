import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  paginateListEventSourceMappings,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { OutboxAttribute, PENDING_INDEX_NAME } from '../lambdas/outbox/index.js';
import { fields, formatAge, table } from './output.js';
import { printable } from './printable.js';
import { noProgress, type ProgressFactory } from './progress.js';

/** Pending records of one shard of the pending index. */
export interface ShardStatus {
  readonly shard: number;
  readonly pending: number;
  /** `createdAt` of the shard's oldest pending record. */
  readonly oldestCreatedAt?: string;
  readonly oldestAgeSeconds?: number;
}

/** One event source mapping of the relay function. */
export interface EventSourceMappingStatus {
  readonly uuid?: string;
  readonly eventSourceArn?: string;
  readonly state?: string;
  readonly batchSize?: number;
  readonly parallelizationFactor?: number;
  readonly maximumRetryAttempts?: number;
  readonly maximumRecordAgeInSeconds?: number;
  readonly maximumBatchingWindowInSeconds?: number;
  readonly bisectBatchOnFunctionError?: boolean;
}

/** How the relay is fed. */
export type RelayStatus =
  | {
      readonly kind: 'local-stream-poller';
      readonly parallelism: number;
      readonly batchSize: number;
      readonly batchingWindowMs: number;
    }
  | {
      readonly kind: 'event-source-mapping';
      readonly functionName: string;
      readonly mappings: readonly EventSourceMappingStatus[];
    }
  | { readonly kind: 'unknown'; readonly reason: string };

/** What `status` reports. */
export interface StatusReport {
  readonly tableName: string;
  readonly checkedAt: string;
  readonly pending: {
    readonly total: number;
    readonly oldestCreatedAt?: string;
    readonly oldestAgeSeconds?: number;
    readonly shards: readonly ShardStatus[];
  };
  readonly dlq:
    | {
        readonly url: string;
        /** Messages waiting (ApproximateNumberOfMessages). */
        readonly messages: number;
        /** Messages received by someone and not deleted yet (…NotVisible). */
        readonly inFlight: number;
      }
    | { readonly url?: undefined; readonly reason: string };
  readonly relay: RelayStatus;
}

/** Where the relay settings come from. */
export type RelaySource =
  | { readonly kind: 'local'; readonly env: NodeJS.ProcessEnv }
  | { readonly kind: 'lambda'; readonly functionName?: string };

export interface StatusOptions {
  readonly tableName: string;
  readonly dlqUrl?: string;
  readonly relay: RelaySource;
  /** Shards of the pending index (the writer's `pendingShards`). */
  readonly pendingShards: number;
}

export interface StatusDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - none */
  readonly progress?: ProgressFactory;
}

const ageSeconds = (now: Date, createdAt: string) =>
  Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 1000));

/** Pending count (Select COUNT) and oldest pending record (Limit 1, ascending) of a shard. */
async function shardStatus(
  client: DynamoDBDocumentClient,
  tableName: string,
  shard: number,
  now: Date,
): Promise<ShardStatus> {
  const key = {
    TableName: tableName,
    IndexName: PENDING_INDEX_NAME,
    KeyConditionExpression: '#shard = :shard',
    ExpressionAttributeNames: { '#shard': OutboxAttribute.pendingShard },
    ExpressionAttributeValues: { ':shard': shard },
  };
  let pending = 0;
  for await (const page of paginateQuery({ client }, { ...key, Select: 'COUNT' }))
    pending += page.Count ?? 0;
  if (pending === 0) return { shard, pending };
  const { Items } = await client.send(
    new QueryCommand({ ...key, ScanIndexForward: true, Limit: 1 }),
  );
  const oldest = Items?.[0]?.[OutboxAttribute.createdAt];
  return typeof oldest === 'string'
    ? { shard, pending, oldestCreatedAt: oldest, oldestAgeSeconds: ageSeconds(now, oldest) }
    : { shard, pending };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name]);
  return env[name] === undefined || !Number.isInteger(value) ? fallback : value;
}

async function relayStatus(source: RelaySource, lambda: LambdaClient): Promise<RelayStatus> {
  if (source.kind === 'local') {
    // What `npm start` reads (local/start.ts): the CLI sees the same variables.
    return {
      kind: 'local-stream-poller',
      parallelism: integer(source.env, 'POLLER_PARALLELISM', 1),
      batchSize: integer(source.env, 'BATCH_SIZE', 100),
      batchingWindowMs: integer(source.env, 'BATCHING_WINDOW_MS', 0),
    };
  }
  if (source.functionName === undefined)
    return {
      kind: 'unknown',
      reason: 'no relay function: pass --relay-function or --stack (output RelayFunctionName)',
    };
  const mappings: EventSourceMappingConfiguration[] = [];
  for await (const page of paginateListEventSourceMappings(
    { client: lambda },
    { FunctionName: source.functionName },
  ))
    mappings.push(...(page.EventSourceMappings ?? []));
  return {
    kind: 'event-source-mapping',
    functionName: source.functionName,
    mappings: mappings.map((m) => ({
      uuid: m.UUID,
      eventSourceArn: m.EventSourceArn,
      state: m.State,
      batchSize: m.BatchSize,
      parallelizationFactor: m.ParallelizationFactor,
      maximumRetryAttempts: m.MaximumRetryAttempts,
      maximumRecordAgeInSeconds: m.MaximumRecordAgeInSeconds,
      maximumBatchingWindowInSeconds: m.MaximumBatchingWindowInSeconds,
      bisectBatchOnFunctionError: m.BisectBatchOnFunctionError,
    })),
  };
}

/**
 * The outbox at a glance: pending records and the oldest one's age per shard of the
 * pending index, the DLQ's depth, and how the relay is fed.
 *
 * @example
 * const report = await outboxStatus({ tableName, dlqUrl, relay, pendingShards: 16 }, clients);
 */
export async function outboxStatus(
  options: StatusOptions,
  deps: StatusDependencies,
): Promise<StatusReport> {
  const now = (deps.clock ?? (() => new Date()))();
  const bar = (deps.progress ?? noProgress)('shards');
  bar.start(options.pendingShards);
  const shards: ShardStatus[] = [];
  try {
    for (let shard = 0; shard < options.pendingShards; shard++) {
      shards.push(await shardStatus(deps.documentClient, options.tableName, shard, now));
      bar.increment();
    }
  } finally {
    bar.stop();
  }
  const oldest = shards
    .filter((s) => s.oldestCreatedAt !== undefined)
    .sort((a, b) => String(a.oldestCreatedAt).localeCompare(String(b.oldestCreatedAt)))[0];

  let dlq: StatusReport['dlq'];
  if (options.dlqUrl === undefined) {
    dlq = { reason: 'no dead-letter queue URL: pass --dlq-url or --stack' };
  } else {
    const { Attributes } = await deps.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: options.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    dlq = {
      url: options.dlqUrl,
      messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  return {
    tableName: options.tableName,
    checkedAt: now.toISOString(),
    pending: {
      total: shards.reduce((sum, s) => sum + s.pending, 0),
      ...(oldest?.oldestCreatedAt === undefined
        ? {}
        : {
            oldestCreatedAt: oldest.oldestCreatedAt,
            oldestAgeSeconds: oldest.oldestAgeSeconds,
          }),
      shards,
    },
    dlq,
    relay: await relayStatus(options.relay, deps.lambda),
  };
}

/** The human-readable status. */
export function renderStatus(report: StatusReport): string {
  const { pending, dlq, relay } = report;
  const lines = [
    fields([
      ['table', report.tableName],
      ['pending', pending.total],
      [
        'oldest pending',
        pending.oldestAgeSeconds === undefined
          ? 'none'
          : `${formatAge(pending.oldestAgeSeconds)} (created ${pending.oldestCreatedAt})`,
      ],
      [
        'dead-letter queue',
        dlq.url === undefined
          ? `unknown (${dlq.reason})`
          : `${dlq.messages} message(s)${dlq.inFlight > 0 ? `, ${dlq.inFlight} in flight` : ''} (${dlq.url})`,
      ],
    ]),
  ];
  const busy = pending.shards.filter((s) => s.pending > 0);
  if (busy.length > 0) {
    lines.push(
      '',
      table(
        ['shard', 'pending', 'oldest age', 'oldest createdAt'],
        busy.map((s) => [
          s.shard,
          s.pending,
          s.oldestAgeSeconds === undefined ? undefined : formatAge(s.oldestAgeSeconds),
          s.oldestCreatedAt,
        ]),
      ),
      `(${pending.shards.length - busy.length} of ${pending.shards.length} shards empty)`,
    );
  }
  lines.push('');
  if (relay.kind === 'local-stream-poller') {
    lines.push(
      `relay: local stream poller (POLLER_PARALLELISM ${relay.parallelism}, BATCH_SIZE ${relay.batchSize}, BATCHING_WINDOW_MS ${relay.batchingWindowMs})`,
    );
  } else if (relay.kind === 'unknown') {
    lines.push(`relay: unknown (${relay.reason})`);
  } else if (relay.mappings.length === 0) {
    lines.push(`relay: ${printable(relay.functionName)} has no event source mapping`);
  } else {
    lines.push(
      `relay: ${printable(relay.functionName)}`,
      table(
        [
          'state',
          'BatchSize',
          'ParallelizationFactor',
          'MaximumRetryAttempts',
          'MaximumRecordAgeInSeconds',
          'source',
        ],
        relay.mappings.map((m) => [
          m.state,
          m.batchSize,
          m.parallelizationFactor,
          m.maximumRetryAttempts,
          m.maximumRecordAgeInSeconds,
          m.eventSourceArn,
        ]),
      ),
    );
  }
  return lines.join('\n');
}
