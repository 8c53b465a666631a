import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { lambdaEntry, type OutboxConsumerProps, TransactionalOutbox } from '../../lib/index.js';
import { testStack } from '../helpers/cdk.js';

const entry = lambdaEntry('shipping/handler.ts');
const synth = (props: Partial<Omit<OutboxConsumerProps, 'eventBus'>> = {}) => {
  const stack = testStack();
  const outbox = new TransactionalOutbox(stack, 'Outbox');
  const consumer = outbox.addConsumer('Shipping', {
    entry,
    detailTypes: ['OrderConfirmed'],
    ...props,
  });
  return { consumer, template: Template.fromStack(stack) };
};

describe('OutboxConsumer (outbox.addConsumer)', () => {
  it('routes the matching events of the outbox bus to an SQS buffer with a dead-letter queue', () => {
    const { template } = synth({ sources: ['com.example.orders'] });

    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('OutboxBus') },
      EventPattern: { source: ['com.example.orders'], 'detail-type': ['OrderConfirmed'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ShippingBuffer'), 'Arn'] },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('sizes the buffer for the largest event EventBridge can deliver to it (1 MiB)', () => {
    synth().template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.anyValue(),
      MaximumMessageSize: 1_048_576,
    });
  });

  it('gives the rule target an explicit retry policy and a dead-letter queue for what it cannot deliver', () => {
    synth().template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ShippingBuffer'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ShippingRuleDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it("keeps the rule's undelivered events 14 days, encrypted (SSE-SQS), TLS only, up to 1 MiB each", () => {
    const { template } = synth();
    const queues = Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) =>
      id.startsWith('OutboxShippingRuleDeadLetterQueue'),
    );

    expect(queues).toHaveLength(1);
    expect(queues[0]?.[1]).toMatchObject({
      Properties: {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
        MaximumMessageSize: 1_048_576,
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('ShippingRuleDeadLetterQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it("alarms on any event in the rule's dead-letter queue, and notifies the outbox's alarm topic", () => {
    const stack = testStack();
    const topic = new Topic(stack, 'OnCall');
    const outbox = new TransactionalOutbox(stack, 'Outbox', { alarmTopic: topic });
    const consumer = outbox.addConsumer('Shipping', { entry, detailTypes: ['OrderConfirmed'] });

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [Match.stringLikeRegexp('ShippingRuleDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OnCall') }],
    });
    expect(consumer.ruleDeadLetterAlarm).toBeDefined();
    expect(stack.resolve(consumer.metricRuleDeadLetterMessages().dimensions)).toEqual({
      QueueName: stack.resolve(consumer.ruleDeadLetterQueue.queueName),
    });
  });

  it("alarms on any message the handler failed for good (the buffer's dead-letter queue)", () => {
    const stack = testStack();
    const topic = new Topic(stack, 'OnCall');
    const outbox = new TransactionalOutbox(stack, 'Outbox', { alarmTopic: topic });
    outbox.addConsumer('Shipping', { entry, detailTypes: ['OrderConfirmed'] });

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [Match.stringLikeRegexp('ShippingDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OnCall') }],
    });
  });

  it('feeds the function from the buffer with partial batch failures', () => {
    synth().template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ShippingBuffer'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('creates the inbox table with its TTL and PITR, and passes it and the policy to the function', () => {
    const { template } = synth({ orderPolicy: 'skip-stale', inboxTtl: Duration.days(3) });

    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          INBOX_TABLE_NAME: Match.anyValue(),
          ORDER_POLICY: 'skip-stale',
          INBOX_TTL_DAYS: '3',
        }),
      },
    });
  });

  it('grants the inbox actions on the inbox table only', () => {
    const { template } = synth();
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('ShippingFunctionRole') }] },
    });
    const text = JSON.stringify(policies);

    for (const action of [
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
    ]) {
      expect(text).toContain(action);
    }
    expect(text).toContain('ShippingInbox');
    expect(text).not.toContain('OutboxTable');
  });

  it.each<[string, Partial<Omit<OutboxConsumerProps, 'eventBus'>>, string]>([
    [
      'it would receive every event',
      { detailTypes: undefined },
      'needs sources, detailTypes or an eventPattern',
    ],
    ['batchSize is 0', { batchSize: 0 }, 'batchSize must be an integer in 1..10, got 0'],
    // SQS takes more only with a batching window, which the consumer does not set.
    ['batchSize is 11', { batchSize: 11 }, 'batchSize must be an integer in 1..10, got 11'],
    [
      'maxReceiveCount is 0',
      { maxReceiveCount: 0 },
      'maxReceiveCount must be an integer in 1..1000, got 0',
    ],
  ])('fails if %s', (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
