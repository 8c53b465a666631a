import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordKey } from './ordering.js';
import { OutboxAttribute, type OutboxStatus, PK, SK } from './schema.js';

/**
 * What a conditional status change did: `already-done` when the record was not in `from`.
 * @internal
 */
export type MarkOutcome = 'marked' | 'already-done';

/** One conditional change of an outbox record's status. @internal */
export interface StatusTransition {
  /** The status the record must have; otherwise nothing is written. */
  readonly from: OutboxStatus;
  /** Attributes to set, the new `status` among them. */
  readonly set: Readonly<Record<string, unknown>>;
  /** Attributes to remove (e.g. `pendingShard`, to leave the pending index). */
  readonly remove?: readonly string[];
}

/**
 * Changes a record's status only if it still is `from`: every writer of a status (relay,
 * sweeper, operator CLI) goes through this one condition, so two of them racing on a
 * record leave it as the first one set it.
 * @internal
 */
export async function transitionStatus(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: RecordKey,
  transition: StatusTransition,
): Promise<MarkOutcome> {
  const names: Record<string, string> = { '#status': OutboxAttribute.status };
  const values: Record<string, unknown> = { ':from': transition.from };
  const sets = Object.entries(transition.set).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const removes = (transition.remove ?? []).map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [PK]: key.pk, [SK]: key.sk },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return 'marked';
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException')
      return 'already-done';
    throw error;
  }
}
