import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CheckResult, result, skippedLocally } from './verify-report.js';

/** Messages waiting and in flight (SQS says both are approximate). */
async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** The poison-record DLQ is empty: each message there is a record EventBridge refused. */
export async function checkDeadLetterQueue(
  sqs: SQSClient,
  dlqUrl: string | undefined,
): Promise<CheckResult> {
  if (dlqUrl === undefined)
    return result('dead-letter-queue', 'fail', 'no dead-letter queue to look at', {
      action: 'pass --dlq-url, or --stack (output DeadLetterQueueUrl)',
    });
  const messages = await depth(sqs, dlqUrl);
  if (messages > 0)
    return result(
      'dead-letter-queue',
      'fail',
      `${messages} quarantined record(s) in ${dlqUrl}: their events were not published`,
      { action: 'see why with `npx dynamo-outbox redrive --dry-run`, fix the cause, then redrive' },
    );
  return result('dead-letter-queue', 'pass', `${dlqUrl} is empty`);
}

/**
 * The stream-failure queue (the mapping's on-failure destination) is empty: each message is
 * a batch Lambda gave up on. Local mode's stream poller has no such queue.
 */
export async function checkStreamFailureQueue(
  sqs: SQSClient,
  queueUrl: string | undefined,
  local: boolean,
): Promise<CheckResult> {
  if (local)
    return skippedLocally(
      'stream-failure-queue',
      'the stream poller of `npm start` logs the batches it skips; it has no on-failure queue',
    );
  if (queueUrl === undefined)
    return result('stream-failure-queue', 'fail', 'no stream-failure queue to look at', {
      action: 'pass --stream-failure-queue-url, or --stack (output StreamFailureQueueUrl)',
    });
  const messages = await depth(sqs, queueUrl);
  if (messages > 0)
    return result(
      'stream-failure-queue',
      'fail',
      `${messages} skipped stream batch(es) in ${queueUrl}: their records stay PENDING for the sweeper`,
      {
        action:
          'find why the relay failed (its logs, RelayErrorsAlarm); check `status` until the sweeper delivered them, then purge the queue',
      },
    );
  return result('stream-failure-queue', 'pass', `${queueUrl} is empty`);
}
