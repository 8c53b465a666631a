import { readFileSync } from 'node:fs';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OUTBOX_STREAM_FILTER_PATTERN } from '../../lambdas/outbox/index.js';
import { TransactionalOutbox, type TransactionalOutboxProps } from '../../lib/index.js';
import { testApp, testStack } from '../helpers/cdk.js';
import { isDenied, type TemplateStatement } from '../helpers/iam-conditions.js';

const synth = (props: TransactionalOutboxProps = {}) => {
  const stack = testStack();
  const outbox = new TransactionalOutbox(stack, 'Outbox', props);
  return { stack, outbox, template: Template.fromStack(stack) };
};

describe('TransactionalOutbox', () => {
  describe('the outbox table', () => {
    it('keys records by pk/sk, streams new images, expires on expiresAt, with PITR and deletion protection', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      });
    });

    it('has the sparse, keys-only pending index', () => {
      synth().template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        GlobalSecondaryIndexes: [
          {
            IndexName: 'pending-by-age',
            KeySchema: [
              { AttributeName: 'pendingShard', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      });
    });

    it('is retained when the stack is deleted', () => {
      synth().template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('takes an existing table with a stream instead', () => {
      const stack = testStack();
      const table = new TableV2(stack, 'Existing', {
        partitionKey: { name: 'pk', type: AttributeType.STRING },
        sortKey: { name: 'sk', type: AttributeType.STRING },
        dynamoStream: StreamViewType.NEW_IMAGE,
      });

      const outbox = new TransactionalOutbox(stack, 'Outbox', { table });

      expect(outbox.table).toBe(table);
      Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    });

    it('fails if an existing table has no stream', () => {
      const stack = testStack();
      const table = TableV2.fromTableName(stack, 'NoStream', 'outbox');

      expect(() => new TransactionalOutbox(stack, 'Outbox', { table })).toThrow('has no stream');
    });
  });

  describe('the relay', () => {
    it('runs on Node.js 24, arm64, with source maps and its configuration in the environment', () => {
      synth().template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 60,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            RETENTION_DAYS: '7',
            MAX_REQUEST_BYTES: '1048576',
            PUBLISH_CONCURRENCY: '4',
            POWERTOOLS_SERVICE_NAME: 'Test-Outbox-relay',
            POWERTOOLS_METRICS_NAMESPACE: 'DynamoOutbox',
            EVENT_BUS_NAME: Match.anyValue(),
            OUTBOX_TABLE_NAME: Match.anyValue(),
            DLQ_URL: Match.anyValue(),
          }),
        },
      });
    });

    it('reads the stream from TRIM_HORIZON with partial batch failures, bisection, bounded retries and an on-failure queue', () => {
      synth().template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        ParallelizationFactor: 10,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 100,
        MaximumRecordAgeInSeconds: 86_400,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });

    it('filters the stream to outbox inserts with the pattern the relay is tested against', () => {
      synth().template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_STREAM_FILTER_PATTERN) }] },
      });
    });

    it('passes the tuning props through', () => {
      synth({
        parallelizationFactor: 2,
        batchSize: 500,
        maxBatchingWindow: Duration.seconds(2),
        retryAttempts: 7,
        maxRecordAge: Duration.hours(2),
      }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ParallelizationFactor: 2,
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 2,
        MaximumRetryAttempts: 7,
        MaximumRecordAgeInSeconds: 7_200,
      });
    });

    it('may only read statuses and mark records on the table, describe and publish to its bus and send to its DLQs', () => {
      const { template, stack } = synth();
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('OutboxRelayRole') }] },
      });
      const statements = Object.values(policies).flatMap(
        (p) =>
          (
            p as {
              Properties: {
                PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
              };
            }
          ).Properties.PolicyDocument.Statement,
      );
      const actions = [
        ...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))),
      ].sort();
      const sqsTargets = statements
        .filter((s) => JSON.stringify(s.Action).includes('sqs:SendMessage'))
        .map((s) => JSON.stringify(s.Resource));

      expect(sqsTargets).toHaveLength(2);
      expect(sqsTargets.some((t) => t.includes('OutboxDeadLetterQueue'))).toBe(true);
      expect(sqsTargets.some((t) => t.includes('OutboxStreamFailureQueue'))).toBe(true);
      expect(actions).toEqual(
        [
          'dynamodb:BatchGetItem',
          'dynamodb:UpdateItem',
          'events:DescribeEventBus',
          'events:PutEvents',
          'sqs:SendMessage',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ].sort(),
      );
      expect(JSON.stringify(statements)).not.toContain('/index/*');
      expect(stack.node.tryFindChild('Outbox')).toBeDefined();
    });
  });

  describe('the sweeper', () => {
    it('runs every minute, within the minute, with the grace period and run bound in its environment', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxSweeper'), 'Arn'] },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 60,
        Environment: {
          Variables: Match.objectLike({
            GRACE_SECONDS: '300',
            MAX_RECORDS_PER_RUN: '1000',
            OUTBOX_PENDING_SHARDS: '16',
            POWERTOOLS_SERVICE_NAME: 'Test-Outbox-sweeper',
          }),
        },
      });
    });

    it('reserves no concurrency by default: a reservation can fail the deploy of a new account', () => {
      const { template } = synth();

      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { ReservedConcurrentExecutions: Match.anyValue() },
        0,
      );
    });

    it('reserves concurrency for the sweeper when asked', () => {
      synth({ sweeperReservedConcurrency: 1 }).template.hasResourceProperties(
        'AWS::Lambda::Function',
        {
          ReservedConcurrentExecutions: 1,
          Environment: { Variables: Match.objectLike({ GRACE_SECONDS: '300' }) },
        },
      );
    });

    it('drops a late or failed run instead of retrying it: the next tick sweeps again', () => {
      synth({ sweepInterval: Duration.minutes(5) }).template.hasResourceProperties(
        'AWS::Lambda::EventInvokeConfig',
        {
          FunctionName: { Ref: Match.stringLikeRegexp('OutboxSweeper') },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 300,
          Qualifier: '$LATEST',
        },
      );
    });

    it('keeps a tick it cannot deliver in an encrypted, TLS-only dead-letter queue, with no retry', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: {
              Arn: {
                'Fn::GetAtt': [Match.stringLikeRegexp('OutboxSweepScheduleDeadLetterQueue'), 'Arn'],
              },
            },
          }),
        ],
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
        MaximumMessageSize: 1_048_576,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: Match.stringLikeRegexp('OutboxSweepScheduleDeadLetterQueue') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
            }),
          ]),
        },
      });
    });

    it('alarms on any tick in the schedule dead-letter queue', () => {
      const { template, outbox } = synth();

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: {
              'Fn::GetAtt': [
                Match.stringLikeRegexp('OutboxSweepScheduleDeadLetterQueue'),
                'QueueName',
              ],
            },
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(outbox.sweepScheduleDeadLetterQueue).toBeDefined();
      expect(outbox.metricSweepScheduleDeadLetterMessages().metricName).toBe(
        'ApproximateNumberOfMessagesVisible',
      );
    });

    it('may query the pending index by name (no wildcard), read statuses and mark records', () => {
      const { template } = synth();
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('OutboxSweeperRole') }] },
      });
      const text = JSON.stringify(policies);

      expect(text).toContain('/index/pending-by-age');
      expect(text).not.toContain('/index/*');
      for (const action of [
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'sqs:SendMessage',
      ]) {
        expect(text).toContain(action);
      }
      expect(text).not.toContain('dynamodb:PutItem');
    });

    it('passes its props through', () => {
      synth({
        sweepInterval: Duration.minutes(5),
        sweeperGracePeriod: Duration.minutes(2),
        sweeperMaxRecordsPerRun: 50,
        pendingShards: 32,
      }).template.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 300,
        Environment: {
          Variables: Match.objectLike({
            GRACE_SECONDS: '120',
            MAX_RECORDS_PER_RUN: '50',
            OUTBOX_PENDING_SHARDS: '32',
          }),
        },
      });
    });

    it('alarms on the oldest pending record, and when the sweeper stops reporting', () => {
      synth().template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'OldestPendingAgeSeconds',
        Namespace: 'DynamoOutbox',
        Dimensions: [{ Name: 'service', Value: 'Test-Outbox-sweeper' }],
        Threshold: 900,
        TreatMissingData: 'breaching',
      });
    });
  });

  describe('the dead-letter queues', () => {
    it('keep poison records and skipped batches 14 days, encrypted, TLS only', () => {
      const { template } = synth();

      // Poison records, skipped stream batches, and schedule ticks EventBridge could not deliver.
      template.resourcePropertiesCountIs(
        'AWS::SQS::Queue',
        { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
        3,
      );
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
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
  });

  describe('grantWriteEvents', () => {
    it('grants exactly PutItem and GetItem on the outbox table', () => {
      const stack = testStack();
      const outbox = new TransactionalOutbox(stack, 'Outbox');
      const role = new Role(stack, 'Api', {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      });

      outbox.grantWriteEvents(role);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^Api') }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxTable'), 'Arn'] },
            },
          ],
        },
      });
    });
  });

  describe('alarms and metrics', () => {
    it('alarms on iterator age, DLQ depth and relay errors', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Threshold: 300_000,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Threshold: 0,
      });
    });

    it('notifies the alarm topic when one is given', () => {
      const stack = testStack();
      const topic = new Topic(stack, 'OnCall');

      new TransactionalOutbox(stack, 'Outbox', { alarmTopic: topic });

      Template.fromStack(stack).resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { AlarmActions: [{ Ref: Match.stringLikeRegexp('OnCall') }] },
        5,
      );
    });

    it('exposes the metrics it alarms on, and the EMF metric of published events', () => {
      const { outbox } = synth();

      expect(outbox.metricIteratorAge().metricName).toBe('IteratorAge');
      expect(outbox.metricDeadLetterMessages().metricName).toBe(
        'ApproximateNumberOfMessagesVisible',
      );
      expect(outbox.metricEventsPublished()).toMatchObject({
        namespace: 'DynamoOutbox',
        metricName: 'EventsPublished',
        dimensions: { service: 'Test-Outbox-relay' },
      });
    });
  });

  it('publishes to an existing bus when one is given', () => {
    const stack = testStack();
    const bus = EventBus.fromEventBusName(stack, 'Bus', 'shared-bus');

    const outbox = new TransactionalOutbox(stack, 'Outbox', { eventBus: bus });

    expect(outbox.eventBus).toBe(bus);
    Template.fromStack(stack).resourceCountIs('AWS::Events::EventBus', 0);
  });

  it('can be destroyed with its stack when asked', () => {
    synth({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }).template.hasResource(
      'AWS::DynamoDB::GlobalTable',
      { DeletionPolicy: 'Delete' },
    );
  });

  describe('addWriter', () => {
    const aWriter = (props: TransactionalOutboxProps = {}) => {
      const stack = testStack();
      const outbox = new TransactionalOutbox(stack, 'Outbox', props);
      const writer = new LambdaFunction(stack, 'CreateOrder', {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => {};'),
      });
      outbox.addWriter(writer);
      return { outbox, template: Template.fromStack(stack) };
    };

    it("gives the writer the outbox's table, the sweeper's shard count and the relay's size limit", () => {
      const { template } = aWriter({ pendingShards: 32, maxRequestBytes: 262_144 });

      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Environment: {
          Variables: {
            OUTBOX_TABLE_NAME: { Ref: Match.stringLikeRegexp('OutboxTable') },
            OUTBOX_PENDING_SHARDS: '32',
            OUTBOX_MAX_ENTRY_BYTES: '262144',
          },
        },
      });
      // The sweeper queries the same shards, the relay publishes the same size.
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ OUTBOX_PENDING_SHARDS: '32', MAX_REQUEST_BYTES: '262144' }),
        },
      });
    });

    it('defaults to 16 shards and entries whose delivered event fits an SQS message (1 MiB less 8 KiB)', () => {
      const { outbox } = aWriter();

      expect(outbox.writerEnvironment).toMatchObject({
        OUTBOX_PENDING_SHARDS: '16',
        OUTBOX_MAX_ENTRY_BYTES: String(1_048_576 - 8_192),
      });
    });

    it('grants the writer exactly what grantWriteEvents grants', () => {
      aWriter().template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^CreateOrder') }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxTable'), 'Arn'] },
            },
          ],
        },
      });
    });
  });

  describe('prop validation', () => {
    it.each<[string, TransactionalOutboxProps, string]>([
      [
        'parallelizationFactor is 0',
        { parallelizationFactor: 0 },
        'parallelizationFactor must be an integer in 1..10, got 0',
      ],
      ['parallelizationFactor is 11', { parallelizationFactor: 11 }, 'got 11'],
      [
        'pendingShards is 0',
        { pendingShards: 0 },
        'pendingShards must be an integer in 1..1000, got 0',
      ],
      ['pendingShards is 1,001', { pendingShards: 1_001 }, 'got 1001'],
      ['batchSize is 0', { batchSize: 0 }, 'batchSize must be an integer in 1..10000, got 0'],
      ['batchSize is 10,001', { batchSize: 10_001 }, 'got 10001'],
      [
        'retryAttempts is negative',
        { retryAttempts: -1 },
        'retryAttempts must be an integer in 0..10000, got -1',
      ],
      [
        'retention is under a day',
        { retention: Duration.hours(12) },
        'retention must be between 86400 and',
      ],
      [
        'maxBatchingWindow is over 300 s',
        { maxBatchingWindow: Duration.minutes(6) },
        'maxBatchingWindow must be between 0 and 300 seconds, got 6 minutes',
      ],
      [
        'sweepInterval is under a minute',
        { sweepInterval: Duration.seconds(30) },
        'sweepInterval must be between 60 and 86400 seconds, got 30 seconds',
      ],
      [
        'sweeperGracePeriod is over a day',
        { sweeperGracePeriod: Duration.days(2) },
        'sweeperGracePeriod must be between 0 and 86400 seconds',
      ],
      [
        'sweeperMaxRecordsPerRun is 0',
        { sweeperMaxRecordsPerRun: 0 },
        'sweeperMaxRecordsPerRun must be an integer in 1..100000, got 0',
      ],
      [
        'maxRecordAge is under a minute',
        { maxRecordAge: Duration.seconds(30) },
        'maxRecordAge must be between 60',
      ],
      [
        'maxRequestBytes is over 1 MB',
        { maxRequestBytes: 2_000_000 },
        'maxRequestBytes must be an integer in 1024..1048576, got 2000000',
      ],
      [
        'publishConcurrency is 0',
        { publishConcurrency: 0 },
        'publishConcurrency must be an integer in 1..50, got 0',
      ],
      [
        'sweeperReservedConcurrency is 0',
        { sweeperReservedConcurrency: 0 },
        'sweeperReservedConcurrency must be an integer in 1..1000, got 0',
      ],
      [
        'relayTimeout is over 15 minutes',
        { relayTimeout: Duration.minutes(16) },
        'relayTimeout must be between 10 and 900 seconds',
      ],
    ])('fails if %s', (_, props, message) => {
      expect(() => new TransactionalOutbox(testStack(), 'Outbox', props)).toThrow(message);
    });

    it('accepts unresolved tokens', () => {
      const stack = new Stack();
      expect(
        () =>
          new TransactionalOutbox(stack, 'Outbox', {
            parallelizationFactor: Token.asNumber({ Ref: 'Factor' }),
            batchSize: Token.asNumber({ Ref: 'Size' }),
          }),
      ).not.toThrow();
    });
  });
});

describe('TransactionalOutbox operations', () => {
  it('creates a dashboard of lag, published events, deferrals, failures, dead letters and pending records', () => {
    const stack = testStack();
    new TransactionalOutbox(stack, 'Outbox');

    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]);
    for (const metric of [
      'IteratorAge',
      'RelayLagMs',
      'EventsPublished',
      'RecordsDeferred',
      'PoisonRecords',
      'ApproximateNumberOfMessagesVisible',
      'OldestPendingAgeSeconds',
      'PendingRecords',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('creates no dashboard when asked not to', () => {
    const stack = testStack();
    new TransactionalOutbox(stack, 'Outbox', { dashboard: false });

    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('takes every alarm threshold as a prop', () => {
    const stack = testStack();
    new TransactionalOutbox(stack, 'Outbox', {
      iteratorAgeAlarmThreshold: Duration.minutes(2),
      deadLetterAlarmThreshold: 3,
      relayErrorsAlarmThreshold: 2,
      oldestPendingAlarmThreshold: Duration.minutes(30),
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 120_000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Threshold: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OldestPendingAgeSeconds',
      Threshold: 1_800,
    });
  });

  it('fails if an alarm threshold is negative', () => {
    expect(
      () => new TransactionalOutbox(testStack(), 'Outbox', { deadLetterAlarmThreshold: -1 }),
    ).toThrow('deadLetterAlarmThreshold must be an integer in 0..1000000, got -1');
  });
});

describe('proving the bus exists', () => {
  const describeGrants = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (
        policy as {
          Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } };
        }
      ).Properties.PolicyDocument.Statement.filter((s) =>
        [s.Action].flat().includes('events:DescribeEventBus'),
      ),
    );

  it('lets the relay and the sweeper describe the bus of their own account, and asks them to', () => {
    const { template, outbox } = synth({
      eventBus: EventBus.fromEventBusName(testStack(), 'Shared', 'commerce'),
    });

    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ VERIFY_EVENT_BUS: 'true' }) },
    });
    expect(describeGrants(template)).toHaveLength(2);
    expect(JSON.stringify(describeGrants(template))).toContain(':event-bus/commerce');
    expect(outbox.node.metadata.filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });

  it('turns the check off for a bus of another account, with a synth warning', () => {
    const stack = new Stack(testStack().node.root as never, 'Other', {
      env: { account: '111111111111', region: 'us-east-1' },
    });
    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      eventBus: EventBus.fromEventBusArn(
        stack,
        'Central',
        'arn:aws:events:us-east-1:222222222222:event-bus/central',
      ),
    });
    const template = Template.fromStack(stack);

    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ VERIFY_EVENT_BUS: 'false' }) },
    });
    expect(describeGrants(template)).toEqual([]);
    expect(
      outbox.node.metadata.filter(
        (m) => m.type === 'aws:cdk:warning' && String(m.data).includes('222222222222'),
      ),
    ).toHaveLength(1);
  });
});

describe('the poison dead-letter queue', () => {
  /** The queue policy's statements of the queue the relay's DLQ_URL names. */
  const dlqStatements = (template: Template, stack: Stack, outbox: TransactionalOutbox) => {
    const dlqId = stack.getLogicalId(outbox.deadLetterQueue.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter(
      (p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: dlqId }]),
    );
    if (policies.length !== 1) throw new Error(`${policies.length} policies on the DLQ`);
    const document = policies[0]?.Properties?.PolicyDocument as
      | { Statement: TemplateStatement[] }
      | undefined;
    return document?.Statement ?? [];
  };
  const arnOf = (stack: Stack, role: unknown) => ({
    'Fn::GetAtt': [stack.getLogicalId((role as Role).node.defaultChild as never), 'Arn'],
  });

  it('fails if anyone but the relay and the sweeper may send to it, admins of the account included', () => {
    const { stack, outbox, template } = synth();
    const admin = new Role(stack, 'Admin', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    });
    const statements = dlqStatements(template, stack, outbox);
    const send = (principalArn?: unknown) => ({
      'aws:PrincipalArn': principalArn === undefined ? undefined : [principalArn],
    });

    expect(
      isDenied(statements, 'sqs:SendMessage', send(arnOf(stack, outbox.relayFunction.role))),
    ).toBe(false);
    expect(
      isDenied(statements, 'sqs:SendMessage', send(arnOf(stack, outbox.sweeperFunction.role))),
    ).toBe(false);
    expect(isDenied(statements, 'sqs:SendMessage', send(arnOf(stack, admin)))).toBe(true);
    expect(isDenied(statements, 'sqs:SendMessage', send('arn:aws:iam::123456789012:root'))).toBe(
      true,
    );
    // A service principal carries no aws:PrincipalArn: denied too.
    expect(isDenied(statements, 'sqs:SendMessage', send())).toBe(true);
    // Reading and deleting stay with IAM: redrive and the alarm need them.
    expect(isDenied(statements, 'sqs:ReceiveMessage', send(arnOf(stack, admin)))).toBe(false);
  });

  it('denies with an explicit Deny to every principal, so no identity policy can allow it', () => {
    const { stack, outbox, template } = synth();

    expect(dlqStatements(template, stack, outbox)).toContainEqual({
      Sid: 'OnlyTheRelayAndTheSweeperSend',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: {
        'Fn::GetAtt': [
          stack.getLogicalId(outbox.deadLetterQueue.node.defaultChild as never),
          'Arn',
        ],
      },
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            arnOf(stack, outbox.relayFunction.role),
            arnOf(stack, outbox.sweeperFunction.role),
          ],
        },
      },
    });
  });
});

describe('grantOperate', () => {
  /** The statements of the policies attached to `role`, by Sid. */
  const statementsOf = (template: Template, stack: Stack, role: Role) => {
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(
        (p) =>
          (p.Properties?.PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)
            ?.Statement ?? [],
      );
  };
  const operated = () => {
    const app = testApp();
    const stack = new Stack(app, 'Orders');
    const outbox = new TransactionalOutbox(stack, 'Outbox');
    const operator = new Role(stack, 'Operator', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    });
    outbox.grantOperate(operator);
    return { app, stack, outbox, operator };
  };
  const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);

  it('grants exactly what status, inspect, replay, redrive and verify call, on this outbox only', () => {
    const { stack, outbox, operator } = operated();
    const template = Template.fromStack(stack);
    const table = { 'Fn::GetAtt': [ref(stack, outbox.table as TableV2), 'Arn'] };
    const dlq = { 'Fn::GetAtt': [ref(stack, outbox.deadLetterQueue), 'Arn'] };
    const streamFailures = { 'Fn::GetAtt': [ref(stack, outbox.streamFailureQueue), 'Arn'] };
    const bus = { 'Fn::GetAtt': [ref(stack, outbox.eventBus as never), 'Arn'] };

    expect(statementsOf(template, stack, operator)).toEqual([
      {
        Sid: 'FindTheStack',
        Effect: 'Allow',
        Action: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
        Resource: { Ref: 'AWS::StackId' },
      },
      {
        Sid: 'ReadRecords',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [table, { 'Fn::Join': ['', [table, '/index/pending-by-age']] }],
      },
      {
        Sid: 'ReadAndRedriveRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table,
      },
      {
        Sid: 'CheckTheTable',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:DescribeContinuousBackups',
        ],
        Resource: table,
      },
      {
        Sid: 'WriteTheCanaryOnly',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: table,
        Condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['OutboxVerifyCanary#*', 'OutboxVerifyCanary-entity#*'],
          },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
      {
        Sid: 'ReadQueueDepths',
        Effect: 'Allow',
        Action: 'sqs:GetQueueAttributes',
        Resource: [dlq, streamFailures],
      },
      {
        Sid: 'RedriveTheDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        Resource: dlq,
      },
      {
        Sid: 'PublishToTheBus',
        Effect: 'Allow',
        Action: ['events:DescribeEventBus', 'events:PutEvents'],
        Resource: bus,
      },
      {
        Sid: 'ReadsWithoutResourceTypes',
        Effect: 'Allow',
        Action: ['lambda:ListEventSourceMappings', 'cloudwatch:DescribeAlarms'],
        Resource: '*',
      },
    ]);
  });

  it("puts the operator among the bus policy's publishers, for replay and redrive", () => {
    const { stack, operator } = operated();
    const bus = Object.values(Template.fromStack(stack).findResources('AWS::Events::EventBus'))[0];
    const statements =
      (bus?.Properties?.Policy as { Statement?: TemplateStatement[] } | undefined)?.Statement ?? [];
    const putEvents = (role: Role) => ({
      'aws:PrincipalArn': [{ 'Fn::GetAtt': [ref(stack, role), 'Arn'] }],
      'events:source': ['com.example.orders'],
    });
    const stranger = new Role(stack, 'Stranger', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    });

    expect(isDenied(statements, 'events:PutEvents', putEvents(operator))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents(stranger))).toBe(true);
  });

  it('acknowledges cdk-nag IAM5 only on its two reads without a resource type', () => {
    const { app } = operated();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  it('fails if that acknowledgement would also hide another wildcard grant of the role', () => {
    const { app, operator } = operated();
    operator.addToPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }),
    );
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  it('is the policy docs/runbook.md gives for roles outside CDK', () => {
    const { stack, operator } = operated();
    const runbook = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');
    const section = runbook.slice(runbook.indexOf('### The operator policy'));
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    if (json === undefined) throw new Error('no operator policy in docs/runbook.md');
    const documented = (JSON.parse(json) as { Statement: Record<string, unknown>[] }).Statement;
    const granted = statementsOf(Template.fromStack(stack), stack, operator);
    const shape = (s: Record<string, unknown>) => [s.Sid, s.Effect, [s.Action].flat(), s.Condition];

    expect(documented.map(shape)).toEqual(granted.map(shape));
  });
});
