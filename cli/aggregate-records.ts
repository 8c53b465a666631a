import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import {
  aggregateKey,
  formatSeq,
  OutboxAttribute,
  type OutboxRecord,
  PK,
  RecordType,
  SK,
} from '../lambdas/outbox/index.js';
import { CliError } from './errors.js';

/** An aggregate as `--aggregate Order#0193…` names it. */
export interface AggregateRef {
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** The outbox partition key. */
  readonly pk: string;
}

/**
 * Parses `--aggregate <type>#<id>` (the outbox partition key, as events carry it in
 * `aggregateType` and `aggregateId`). The id may contain `#`; the type may not.
 *
 * @throws CliError when it is not `<type>#<id>`
 * @example
 * parseAggregate('Order#0193a…'); // { aggregateType: 'Order', aggregateId: '0193a…', pk: 'Order#0193a…' }
 */
export function parseAggregate(value: string): AggregateRef {
  const at = value.indexOf('#');
  const aggregateType = value.slice(0, at);
  const aggregateId = value.slice(at + 1);
  if (at <= 0 || aggregateId === '')
    throw new CliError(
      `--aggregate must be <aggregateType>#<aggregateId>, e.g. Order#0193e5c2-…; got '${value}'`,
    );
  return { aggregateType, aggregateId, pk: aggregateKey(aggregateType, aggregateId) };
}

/**
 * The aggregate's outbox records still in the table (delivered ones until their TTL), in
 * sequence order, from the record holding `fromSeq` on: a consistent query on the
 * partition key with `sk ≥ formatSeq(fromSeq)`.
 *
 * @example
 * const records = await readAggregateRecords(documentClient, 'outbox', 'Order#42', 3);
 */
export async function readAggregateRecords(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  fromSeq = 0,
): Promise<OutboxRecord[]> {
  const records: OutboxRecord[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': pk, ':from': formatSeq(fromSeq) },
      ConsistentRead: true,
      ScanIndexForward: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (item[OutboxAttribute.recordType] === RecordType.outbox)
        records.push(item as unknown as OutboxRecord);
    }
  }
  return records;
}
