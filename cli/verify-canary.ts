import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { type OutboxRecord, OutboxStatus, OutboxWriter, PK, SK } from '../lambdas/outbox/index.js';
import { VERIFY_CANARY } from '../lambdas/outbox/verify-canary.js';
import { CliError } from './errors.js';
import { type CanaryOutcome, type CheckResult, result } from './verify-report.js';

/** The canary event's identity (one definition, shared with the construct's bus policy). */
export const CANARY = VERIFY_CANARY;

/** How long the canary's entity item lives (TTL): it is only the write's other half. */
const ENTITY_TTL_SECONDS = 24 * 60 * 60;

export interface CanaryInput {
  readonly tableName: string;
  /** Give up when the record is not DELIVERED after this long. */
  readonly timeoutMs: number;
  /** @default 250 */
  readonly pollIntervalMs?: number;
}

export interface CanaryDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  /** @default - the system clock */
  readonly clock?: () => Date;
  /** @default - node:timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** @default - UUIDv7 */
  readonly newId?: () => string;
  /** One sentence for an error. @default - its message */
  readonly explain?: (error: unknown) => string;
}

/** The canary's result line and its trip. */
export interface CanaryRun {
  readonly result: CheckResult;
  readonly outcome: CanaryOutcome;
}

/**
 * Writes the canary through the real {@link OutboxWriter}: its entity is an item of the
 * outbox table itself (the one table verify knows; no `recordType`, so the relay's filter
 * passes over it; TTL removes it), its record a normal outbox record.
 */
async function writeCanary(
  writer: OutboxWriter,
  tableName: string,
  id: string,
  now: Date,
): Promise<OutboxRecord> {
  const written = await writer.write({
    aggregate: { type: CANARY.aggregateType, id },
    entity: {
      type: 'create',
      tableName,
      key: { [PK]: `${CANARY.aggregateType}-entity#${id}`, [SK]: 'ENTITY' },
      item: { expiresAt: Math.floor(now.getTime() / 1000) + ENTITY_TTL_SECONDS },
    },
    events: [
      {
        source: CANARY.source,
        detailType: CANARY.detailType,
        detail: { canaryId: id, writtenAt: now.toISOString(), note: 'dynamo-outbox verify' },
      },
    ],
  });
  // Without an idempotency key, a write commits or throws.
  if (written.outcome !== 'committed') throw new CliError('the canary write was not committed');
  return written.record;
}

/**
 * Writes one canary event and polls its outbox record (consistent GetItem) until the relay
 * marks it DELIVERED: the pipeline end to end, timed. FAILED (quarantined) and a timeout
 * fail the check.
 */
export async function runCanary(input: CanaryInput, deps: CanaryDependencies): Promise<CanaryRun> {
  const clock = deps.clock ?? (() => new Date());
  const wait = deps.sleep ?? sleep;
  const id = (deps.newId ?? uuidv7)();
  const aggregate = `${CANARY.aggregateType}#${id}`;
  const startedAt = clock();
  let record: OutboxRecord;
  try {
    record = await writeCanary(
      new OutboxWriter({ client: deps.documentClient, tableName: input.tableName }),
      input.tableName,
      id,
      startedAt,
    );
  } catch (error) {
    const why = deps.explain?.(error) ?? (error as Error).message;
    return {
      outcome: { aggregate, status: 'NOT_WRITTEN' },
      result: result('canary', 'fail', `canary ${aggregate} could not be written: ${why}`, {
        action: 'grant dynamodb:PutItem on the outbox table, or fix what the error names',
      }),
    };
  }
  const { pk, sk } = record;
  const eventId = record.events[0]?.eventId;
  const deadline = startedAt.getTime() + input.timeoutMs;
  for (;;) {
    const { Item } = await deps.documentClient.send(
      new GetCommand({
        TableName: input.tableName,
        Key: { [PK]: pk, [SK]: sk },
        ConsistentRead: true,
      }),
    );
    const seenAt = clock();
    const status = typeof Item?.status === 'string' ? Item.status : 'MISSING';
    const trip = { aggregate, ...(eventId === undefined ? {} : { eventId }), status };
    if (status === OutboxStatus.delivered) {
      const endToEndMs = seenAt.getTime() - startedAt.getTime();
      const relayMs = Date.parse(String(Item?.deliveredAt)) - Date.parse(String(Item?.createdAt));
      return {
        outcome: { ...trip, endToEndMs, ...(Number.isFinite(relayMs) ? { relayMs } : {}) },
        result: result(
          'canary',
          'pass',
          `canary ${aggregate} DELIVERED in ${endToEndMs} ms end to end`,
        ),
      };
    }
    if (status !== OutboxStatus.pending)
      return {
        outcome: trip,
        result: result(
          'canary',
          'fail',
          `canary ${aggregate} is ${status}${Item?.failure ? ` (${String(Item.failure)})` : ''}`,
          { action: 'EventBridge refused it: `npx dynamo-outbox redrive --dry-run` says why' },
        ),
      };
    const left = deadline - seenAt.getTime();
    if (left <= 0)
      return {
        outcome: trip,
        result: result(
          'canary',
          'fail',
          `canary ${aggregate} still PENDING after ${Math.round(input.timeoutMs / 1000)} s: the relay did not deliver it`,
          {
            action: `follow the checks above, the relay's logs and \`npx dynamo-outbox inspect --aggregate '${aggregate}'\`; a slow first cold start may need a longer --timeout`,
          },
        ),
      };
    await wait(Math.min(input.pollIntervalMs ?? 250, left));
  }
}
