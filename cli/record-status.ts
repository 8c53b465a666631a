import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type MarkOutcome,
  OutboxAttribute,
  OutboxStatus,
  PK,
  type RecordKey,
  SK,
  transitionStatus,
} from '../lambdas/outbox/index.js';

/**
 * The operator's transitions of a quarantined (FAILED) record, beside the relay's own
 * (`OutboxStore`: PENDING → DELIVERED | FAILED). Each is conditional on FAILED, so a
 * record someone else redrove meanwhile is left alone (`already-done`).
 */

/**
 * The item at a record's key, read consistently: the one source of truth about an outbox
 * record (a DLQ message only says where to look); undefined when there is no such item.
 */
export async function readStoredItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordKey,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: { [PK]: key.pk, [SK]: key.sk },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** FAILED → something else, conditional on FAILED. */
function fromFailed(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordKey,
  set: Record<string, unknown>,
): Promise<MarkOutcome> {
  return transitionStatus(client, tableName, key, { from: OutboxStatus.failed, set });
}

/**
 * FAILED → DELIVERED once its events were re-published: `deliveredAt` and the TTL as the
 * relay sets them. `failedAt` and `failure` stay, as the record's history.
 */
export function markRedelivered(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordKey,
  options: { readonly retentionDays: number; readonly now: Date },
): Promise<MarkOutcome> {
  return fromFailed(client, tableName, key, {
    [OutboxAttribute.status]: OutboxStatus.delivered,
    [OutboxAttribute.deliveredAt]: options.now.toISOString(),
    [OutboxAttribute.expiresAt]:
      Math.floor(options.now.getTime() / 1000) + Math.round(options.retentionDays * 86_400),
  });
}

/**
 * FAILED → PENDING, back in the pending index under `pendingShard`: the sweeper delivers
 * it on its next run (its `createdAt` is long past the grace period), in order, with the
 * relay's delivery pass.
 */
export function markPendingAgain(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordKey,
  pendingShard: number,
): Promise<MarkOutcome> {
  return fromFailed(client, tableName, key, {
    [OutboxAttribute.status]: OutboxStatus.pending,
    [OutboxAttribute.pendingShard]: pendingShard,
  });
}
