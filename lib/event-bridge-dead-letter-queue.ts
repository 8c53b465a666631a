import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SQS_MAX_MESSAGE_BYTES } from './delivered-event-size.js';

/** Who writes into an EventBridge dead-letter queue, for cdk-nag's acknowledgement. */
export type DeadLetterWriter = 'rule target' | 'subscriber';

const WRITERS: Readonly<Record<DeadLetterWriter, string>> = {
  'rule target': 'an EventBridge rule target (DeadLetterConfig)',
  subscriber: 'an EventBridge subscriber (OnFailureConfiguration)',
};

/**
 * The dead-letter queue EventBridge puts what it could not deliver into instead of dropping
 * it, for a rule target or a Custom Event Bus subscriber: encrypted with SSE-SQS (EventBridge
 * can write to it with no key policy; a KMS key would need a customer managed key granting
 * EventBridge), TLS only, kept 14 days, large enough for any event EventBridge delivers.
 * `fifo` makes it a FIFO queue with content-based de-duplication: AWS documents no
 * de-duplication id on a subscriber's failure record, which a FIFO queue needs otherwise.
 *
 * @example
 * const dlq = eventBridgeDeadLetterQueue(this, 'RuleDeadLetterQueue', { writer: 'rule target' });
 * new Rule(this, 'Rule', { eventPattern, targets: [new SqsQueue(buffer, { deadLetterQueue: dlq })] });
 */
export function eventBridgeDeadLetterQueue(
  scope: Construct,
  id: string,
  options: { readonly writer: DeadLetterWriter; readonly fifo?: boolean },
): Queue {
  const queue = new Queue(scope, id, {
    ...(options.fifo === true ? { fifo: true, contentBasedDeduplication: true } : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue: the one of ${WRITERS[options.writer]}, which cdk-nag does not recognize.`,
  });
  return queue;
}
