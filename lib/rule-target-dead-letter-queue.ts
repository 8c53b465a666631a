import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SQS_MAX_MESSAGE_BYTES } from './delivered-event-size.js';

/**
 * The dead-letter queue of an EventBridge rule target, where EventBridge puts what it could not
 * deliver instead of dropping it: encrypted with SSE-SQS (EventBridge can write to it with no
 * key policy; a KMS key would need a customer managed key granting EventBridge), TLS only,
 * kept 14 days, large enough for any event EventBridge delivers.
 *
 * @example
 * const dlq = ruleTargetDeadLetterQueue(this, 'RuleDeadLetterQueue');
 * new Rule(this, 'Rule', { eventPattern, targets: [new SqsQueue(buffer, { deadLetterQueue: dlq })] });
 */
export function ruleTargetDeadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue: the one of an EventBridge rule target (DeadLetterConfig), which cdk-nag does not recognize.',
  });
  return queue;
}
