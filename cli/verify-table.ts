import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { OutboxAttribute } from '../lambdas/outbox/index.js';
import { type CheckResult, result, skippedLocally } from './verify-report.js';

/** What the relay needs of the stream: the new image of each record (NEW_IMAGE or both). */
const IMAGE_VIEWS = new Set(['NEW_IMAGE', 'NEW_AND_OLD_IMAGES']);

/** The stream check, and the stream the event source mapping must read. */
export interface StreamCheck {
  readonly result: CheckResult;
  /** The table's current stream (`LatestStreamArn`), when it has one. */
  readonly streamArn?: string;
}

/**
 * Stream enabled with the new image (DescribeTable): the relay reads `NewImage`, and a
 * KEYS_ONLY or OLD_IMAGE stream gives it nothing to publish.
 */
export async function checkStream(
  dynamoDb: DynamoDBClient,
  tableName: string,
): Promise<StreamCheck> {
  const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: tableName }));
  const spec = Table?.StreamSpecification;
  const view = spec?.StreamViewType;
  const streamArn = Table?.LatestStreamArn;
  if (spec?.StreamEnabled !== true || streamArn === undefined)
    return {
      result: result('stream', 'fail', `${tableName} has no stream: nothing reaches the relay`, {
        action: 'enable the stream with StreamViewType NEW_IMAGE (redeploy the construct)',
      }),
    };
  if (view === undefined || !IMAGE_VIEWS.has(view))
    return {
      streamArn,
      result: result('stream', 'fail', `${tableName}'s stream is ${view ?? 'of no view type'}`, {
        action:
          'the relay needs the new image: recreate the stream with StreamViewType NEW_IMAGE (redeploy the construct)',
      }),
    };
  return { streamArn, result: result('stream', 'pass', `${view} stream on ${tableName}`) };
}

/**
 * TTL enabled on `expiresAt` (DescribeTimeToLive): delivered records carry it, and without
 * it they are never deleted.
 */
export async function checkTimeToLive(
  dynamoDb: DynamoDBClient,
  tableName: string,
): Promise<CheckResult> {
  const { TimeToLiveDescription: ttl } = await dynamoDb.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  const wanted = OutboxAttribute.expiresAt;
  const status = ttl?.TimeToLiveStatus ?? 'DISABLED';
  const enableIt = `enable TTL on '${wanted}' (redeploy the construct, or: aws dynamodb update-time-to-live --table-name ${tableName} --time-to-live-specification Enabled=true,AttributeName=${wanted})`;
  if (status === 'ENABLING')
    return result('ttl', 'warn', `TTL on '${ttl?.AttributeName}' is being enabled`, {
      action: 'run verify again in a few minutes',
    });
  if (status !== 'ENABLED')
    return result(
      'ttl',
      'fail',
      `TTL is ${status} on ${tableName}: delivered records are never deleted`,
      {
        action: enableIt,
      },
    );
  if (ttl?.AttributeName !== wanted)
    return result('ttl', 'fail', `TTL is on '${ttl?.AttributeName}', not on '${wanted}'`, {
      action: `disable it, then ${enableIt}`,
    });
  return result('ttl', 'pass', `TTL enabled on '${wanted}'`);
}

/**
 * Point-in-time recovery on (DescribeContinuousBackups). DynamoDB Local has no backups (it
 * answers UnknownOperationException), so local mode skips it.
 */
export async function checkPointInTimeRecovery(
  dynamoDb: DynamoDBClient,
  tableName: string,
  local: boolean,
): Promise<CheckResult> {
  if (local) return skippedLocally('pitr', 'DynamoDB Local has no point-in-time recovery');
  const { ContinuousBackupsDescription: backups } = await dynamoDb.send(
    new DescribeContinuousBackupsCommand({ TableName: tableName }),
  );
  const status = backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ?? 'DISABLED';
  if (status !== 'ENABLED')
    return result('pitr', 'fail', `point-in-time recovery is ${status} on ${tableName}`, {
      action: `turn it on (redeploy the construct, or: aws dynamodb update-continuous-backups --table-name ${tableName} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true)`,
    });
  return result('pitr', 'pass', `point-in-time recovery enabled on ${tableName}`);
}
