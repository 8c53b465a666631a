import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import {
  lambdaEntry,
  OutboxBus,
  OutboxConsumer,
  type OutboxConsumerProps,
  TransactionalOutbox,
  WrongBusKindError,
} from '../../lib/index.js';
import { alarmMetrics, deadLetterQueueIds, testStack } from '../helpers/cdk.js';
import {
  A_CUSTOM_BUS_ARN,
  customBusConsumer,
  getAtt,
  statementsOfRole,
} from '../helpers/custom-bus-fixtures.js';

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

describe('OutboxConsumer on a Custom Event Bus', () => {
  const subscriberOf = (template: Template, id: string) =>
    Object.entries(template.findResources('AWS::EventsV2::Subscriber')).find(([logicalId]) =>
      logicalId.startsWith(`Outbox${id}Subscriber`),
    )?.[1] as { Properties: Record<string, unknown>; DependsOn?: string[] } | undefined;

  it('subscribes with a FIFO subscriber that delivers the payload to an SQS FIFO queue, grouped by aggregate', () => {
    const { template, stack, outbox, consumer } = customBusConsumer({
      sources: ['com.example.orders'],
    });

    expect(subscriberOf(template, 'Shipping')?.Properties).toEqual({
      Name: expect.any(String),
      Description: 'Outbox events for consumer Shipping',
      EventBusArn: getAtt(stack, outbox.customEventBus as never, 'EventBusArn'),
      Type: 'FIFO',
      StartingPosition: 'LATEST',
      State: 'RUNNING',
      FilterConfiguration: {
        Filters: [
          {
            Scope: 'DATA',
            Pattern: '{"source":["com.example.orders"],"detail-type":["OrderConfirmed"]}',
          },
        ],
      },
      Transformer: { Type: 'RAW' },
      InvokeConfiguration: {
        TargetArn: getAtt(stack, consumer.queue, 'Arn'),
        RoleArn: getAtt(stack, consumer.deliveryRole, 'Arn'),
        SqsParameters: {
          MessageGroupId: '{% $events.SystemMetadata.EventGroupId %}',
          MessageDeduplicationId: '{% $events.SystemMetadata."aws:EventId" %}',
        },
      },
      RetryPolicy: { MaxRetryAttempts: 185, MaxEventAgeInSeconds: 86_400 },
      OnFailureConfiguration: { Arn: getAtt(stack, consumer.subscriberDeadLetterQueue, 'Arn') },
    });
  });

  it('names the subscriber like the API allows: alphanumeric first, then letters, digits and hyphens', () => {
    const name = subscriberOf(customBusConsumer().template, 'Shipping')?.Properties.Name;

    expect(name).toMatch(/^[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}$/);
  });

  it('filters the data of the event with the rule pattern a classic bus would get, detail included', () => {
    const { template } = customBusConsumer({
      detailTypes: undefined,
      eventPattern: {
        source: ['com.example.orders'],
        detailType: ['OrderCreated'],
        detail: { data: { total: [{ numeric: ['>=', 10_000] }] } },
      },
    });

    expect(subscriberOf(template, 'Shipping')?.Properties.FilterConfiguration).toEqual({
      Filters: [
        {
          Scope: 'DATA',
          Pattern: JSON.stringify({
            source: ['com.example.orders'],
            'detail-type': ['OrderCreated'],
            detail: { data: { total: [{ numeric: ['>=', 10_000] }] } },
          }),
        },
      ],
    });
  });

  it('creates no rule: only the sweep schedule is a rule', () => {
    const { template } = customBusConsumer();

    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('buffers in an encrypted, TLS-only SQS FIFO queue de-duplicated by the id the subscriber sends, with a FIFO dead-letter queue', () => {
    const { template, stack, consumer } = customBusConsumer();

    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      MaximumMessageSize: 1_048_576,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: getAtt(stack, consumer.deadLetterQueue, 'Arn'),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: Match.absent(),
      ContentBasedDeduplication: Match.absent(),
    });
    for (const queue of [consumer.queue, consumer.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: stack.getLogicalId(queue.node.defaultChild as never) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it("keeps the subscriber's failure records 14 days in an encrypted, TLS-only FIFO queue, de-duplicated by content", () => {
    const { template, stack, consumer } = customBusConsumer();
    const queueId = stack.getLogicalId(
      consumer.subscriberDeadLetterQueue.node.defaultChild as never,
    );

    expect(template.toJSON().Resources[queueId].Properties).toEqual({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
      MaximumMessageSize: 1_048_576,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
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

  it("delivers with a role only EventBridge of the stack's account assumes, which may only send to the buffer and the subscriber's dead-letter queue", () => {
    const { template, stack, consumer } = customBusConsumer();
    const roleId = stack.getLogicalId(consumer.deliveryRole.node.defaultChild as never);

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    expect(statementsOfRole(template, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: [
          getAtt(stack, consumer.queue, 'Arn'),
          getAtt(stack, consumer.subscriberDeadLetterQueue, 'Arn'),
        ],
      },
    ]);
    expect(subscriberOf(template, 'Shipping')?.DependsOn).toEqual(
      expect.arrayContaining([
        roleId,
        expect.stringMatching(/^OutboxShippingDeliveryRoleDefaultPolicy/),
      ]),
    );
  });

  it('creates the subscribers of one bus one after the other, as AWS applies one create at a time per bus', () => {
    const { outbox, stack } = customBusConsumer();
    for (const id of ['Billing', 'Analytics']) {
      outbox.addConsumer(id, { entry, detailTypes: ['OrderConfirmed'] });
    }
    const template = Template.fromStack(stack);
    const logicalId = (id: string) =>
      Object.keys(template.findResources('AWS::EventsV2::Subscriber')).find((key) =>
        key.startsWith(`Outbox${id}Subscriber`),
      );

    expect(subscriberOf(template, 'Shipping')?.DependsOn).not.toEqual(
      expect.arrayContaining([logicalId('Billing')]),
    );
    expect(subscriberOf(template, 'Billing')?.DependsOn).toEqual(
      expect.arrayContaining([logicalId('Shipping')]),
    );
    expect(subscriberOf(template, 'Analytics')?.DependsOn).toEqual(
      expect.arrayContaining([logicalId('Shipping'), logicalId('Billing')]),
    );
  });

  it("alarms on any record in the subscriber's and in the buffer's dead-letter queues, notifying the outbox's topic", () => {
    const stack = testStack();
    const topic = new Topic(stack, 'OnCall');
    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      bus: OutboxBus.custom(),
      alarmTopic: topic,
    });
    const consumer = outbox.addConsumer('Shipping', { entry, detailTypes: ['OrderConfirmed'] });
    const template = Template.fromStack(stack);

    for (const queue of [consumer.subscriberDeadLetterQueue, consumer.deadLetterQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(stack, queue, 'QueueName') }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('OnCall') }],
      });
    }
    expect(consumer.subscriberDeadLetterAlarm).toBeDefined();
    expect(stack.resolve(consumer.metricSubscriberDeadLetterMessages().dimensions)).toEqual({
      QueueName: stack.resolve(consumer.subscriberDeadLetterQueue.queueName),
    });
  });

  it('alarms only on queues something dead-letters into', () => {
    const { template } = customBusConsumer();
    const queues = deadLetterQueueIds(template);

    const sqsMetrics = alarmMetrics(template).filter((m) => m.namespace === 'AWS/SQS');

    // The outbox's five, the subscriber's and the buffer's dead-letter alarms: no rule's.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    expect(sqsMetrics.length).toBeGreaterThan(2);
    for (const metric of sqsMetrics) {
      const queue = (metric.dimensions.QueueName as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ];
      expect(queues.has(queue[0]), metric.from).toBe(true);
    }
  });

  it('feeds the function from the FIFO buffer with partial batch failures', () => {
    const { template, stack, consumer } = customBusConsumer({ batchSize: 5 });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(stack, consumer.queue, 'Arn'),
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('subscribes in a stack of its own to a custom bus known by its ARN', () => {
    const stack = testStack();

    new OutboxConsumer(stack, 'Billing', {
      customEventBusArn: A_CUSTOM_BUS_ARN,
      entry,
      detailTypes: ['OrderConfirmed'],
    });

    Template.fromStack(stack).hasResourceProperties('AWS::EventsV2::Subscriber', {
      EventBusArn: A_CUSTOM_BUS_ARN,
      Type: 'FIFO',
    });
  });

  it('fails if a member of a classic bus consumer is asked of it, and the other way round', () => {
    const { consumer } = customBusConsumer();
    const { consumer: classic } = synth();

    for (const read of [
      () => consumer.rule,
      () => consumer.ruleDeadLetterQueue,
      () => consumer.ruleDeadLetterAlarm,
      () => consumer.metricRuleDeadLetterMessages(),
      () => classic.subscriber,
      () => classic.deliveryRole,
      () => classic.subscriberDeadLetterQueue,
      () => classic.subscriberDeadLetterAlarm,
      () => classic.metricSubscriberDeadLetterMessages(),
    ]) {
      expect(read).toThrow(WrongBusKindError);
    }
    expect(consumer.busKind).toBe('custom');
    expect(classic.busKind).toBe('classic');
  });

  it.each<[string, () => Partial<OutboxConsumerProps>, string]>([
    [
      'it is given no bus',
      () => ({}),
      'an OutboxConsumer needs eventBus (a classic bus) or customEventBusArn (a Custom Event Bus), exactly one: got neither',
    ],
    [
      'it is given both buses',
      () => ({
        eventBus: EventBus.fromEventBusName(testStack(), 'Bus', 'orders'),
        customEventBusArn: A_CUSTOM_BUS_ARN,
      }),
      `got eventBus Test/Bus and customEventBusArn ${A_CUSTOM_BUS_ARN}`,
    ],
    [
      'the custom bus ARN is a classic one',
      () => ({ customEventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' }),
      'customEventBusArn must be a Custom Event Bus ARN (arn:aws:events:<region>:<account>:event-busv2/<name>/<25-character id>), got arn:aws:events:us-east-1:123456789012:event-bus/orders',
    ],
  ])('fails if %s', (_, props, message) => {
    expect(
      () =>
        new OutboxConsumer(testStack(), 'Billing', {
          entry,
          detailTypes: ['OrderConfirmed'],
          ...props(),
        }),
    ).toThrow(message);
  });
});
