import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkAlarms } from '../../../cli/verify-alarms.js';
import { checkEventBus } from '../../../cli/verify-bus.js';
import { checkDeadLetterQueue, checkStreamFailureQueue } from '../../../cli/verify-queues.js';
import { checkEventSourceMapping } from '../../../cli/verify-relay.js';
import {
  checkPointInTimeRecovery,
  checkStream,
  checkTimeToLive,
} from '../../../cli/verify-table.js';
import { FakeEventBridgeV2 } from '../../helpers/fake-eventbridge-v2.js';
import {
  aMapping,
  anAlarm,
  aTableDescription,
  DEPLOYED,
  fakeAlarms,
} from '../../helpers/verify-fixtures.js';

const dynamo = mockClient(DynamoDBClient);
const lambdaMock = mockClient(LambdaClient);
const sqsMock = mockClient(SQSClient);
const eventBridgeMock = mockClient(EventBridgeClient);
const cfnMock = mockClient(CloudFormationClient);
const dynamoDb = new DynamoDBClient({});
const lambda = new LambdaClient({});
const sqs = new SQSClient({});
const eventBridge = new EventBridgeClient({});
const cloudFormation = new CloudFormationClient({});

beforeEach(() => {
  for (const mock of [dynamo, lambdaMock, sqsMock, eventBridgeMock, cfnMock]) mock.reset();
});

const CUSTOM_BUS_ARN =
  'arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghij0123456789klmno';

describe('the stream check', () => {
  it('passes a NEW_IMAGE stream and hands on the stream ARN for the mapping check', async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: aTableDescription() });

    const { result, streamArn } = await checkStream(dynamoDb, DEPLOYED.tableName);

    expect(result).toMatchObject({ check: 'stream', status: 'pass' });
    expect(streamArn).toBe(DEPLOYED.streamArn);
  });

  it('fails if the table has no stream', async () => {
    dynamo.on(DescribeTableCommand).resolves({
      Table: aTableDescription({ StreamSpecification: undefined, LatestStreamArn: undefined }),
    });

    const { result } = await checkStream(dynamoDb, DEPLOYED.tableName);

    expect(result).toMatchObject({
      status: 'fail',
      message: `${DEPLOYED.tableName} has no stream: nothing reaches the relay`,
      runbook: 'docs/runbook.md#verify-stream',
    });
  });

  it('fails if the stream carries keys only', async () => {
    dynamo.on(DescribeTableCommand).resolves({
      Table: aTableDescription({
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    });

    const { result } = await checkStream(dynamoDb, DEPLOYED.tableName);

    expect(result.status).toBe('fail');
    expect(result.message).toContain('KEYS_ONLY');
    expect(result.action).toContain('NEW_IMAGE');
  });
});

describe('the TTL check', () => {
  it('passes TTL enabled on expiresAt', async () => {
    dynamo.on(DescribeTimeToLiveCommand).resolves({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
    });

    expect(await checkTimeToLive(dynamoDb, DEPLOYED.tableName)).toMatchObject({ status: 'pass' });
  });

  it('fails if TTL is off', async () => {
    dynamo
      .on(DescribeTimeToLiveCommand)
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });

    const result = await checkTimeToLive(dynamoDb, DEPLOYED.tableName);

    expect(result).toMatchObject({ check: 'ttl', status: 'fail' });
    expect(result.message).toContain('delivered records are never deleted');
    expect(result.action).toContain('update-time-to-live');
  });

  it('fails if TTL is on another attribute', async () => {
    dynamo
      .on(DescribeTimeToLiveCommand)
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' } });

    const result = await checkTimeToLive(dynamoDb, DEPLOYED.tableName);

    expect(result).toMatchObject({
      status: 'fail',
      message: "TTL is on 'ttl', not on 'expiresAt'",
    });
  });

  it('warns while TTL is still being enabled', async () => {
    dynamo.on(DescribeTimeToLiveCommand).resolves({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLING', AttributeName: 'expiresAt' },
    });

    expect(await checkTimeToLive(dynamoDb, DEPLOYED.tableName)).toMatchObject({ status: 'warn' });
  });
});

describe('the point-in-time recovery check', () => {
  it('fails if point-in-time recovery is off', async () => {
    dynamo.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
      },
    });

    const result = await checkPointInTimeRecovery(dynamoDb, DEPLOYED.tableName, false);

    expect(result).toMatchObject({ check: 'pitr', status: 'fail' });
  });

  it('is skipped in local mode without a call: DynamoDB Local has no backups', async () => {
    const result = await checkPointInTimeRecovery(dynamoDb, DEPLOYED.tableName, true);

    expect(result.status).toBe('skip');
    expect(result.message).toMatch(/^skipped \(local mode\)/);
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('the event source mapping check', () => {
  const relay = { functionName: DEPLOYED.relayFunctionName, streamArn: DEPLOYED.streamArn };

  it('passes an enabled mapping on the current stream whose last result is OK', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [aMapping()] });

    const result = await checkEventSourceMapping(lambda, relay);

    expect(result).toMatchObject({ check: 'event-source-mapping', status: 'pass' });
    expect(lambdaMock).toHaveReceivedCommandWith(ListEventSourceMappingsCommand, {
      FunctionName: DEPLOYED.relayFunctionName,
    });
  });

  it('passes a new mapping that processed no records yet', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [aMapping({ LastProcessingResult: 'No records processed' })],
    });

    expect(await checkEventSourceMapping(lambda, relay)).toMatchObject({ status: 'pass' });
  });

  it('fails if the mapping is disabled', async () => {
    lambdaMock
      .on(ListEventSourceMappingsCommand)
      .resolves({ EventSourceMappings: [aMapping({ State: 'Disabled' })] });

    const result = await checkEventSourceMapping(lambda, relay);

    expect(result.status).toBe('fail');
    expect(result.message).toContain('is Disabled');
    expect(result.action).toContain('update-event-source-mapping --uuid');
  });

  it('fails if the last processing result is a PROBLEM', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [aMapping({ LastProcessingResult: 'PROBLEM: Function call failed' })],
    });

    const result = await checkEventSourceMapping(lambda, relay);

    expect(result).toMatchObject({ status: 'fail' });
    expect(result.message).toContain("'PROBLEM: Function call failed'");
  });

  it('fails if the last processing result is one AWS does not document', async () => {
    lambdaMock
      .on(ListEventSourceMappingsCommand)
      .resolves({ EventSourceMappings: [aMapping({ LastProcessingResult: 'Throttled' })] });

    expect(await checkEventSourceMapping(lambda, relay)).toMatchObject({ status: 'fail' });
  });

  it("fails if the only mapping reads an older stream than the table's", async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [aMapping({ EventSourceArn: `${DEPLOYED.streamArn}-old` })],
    });

    const result = await checkEventSourceMapping(lambda, relay);

    expect(result.status).toBe('fail');
    expect(result.message).toContain("not the table's stream");
  });

  it('fails if the relay has no mapping at all', async () => {
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });

    expect(await checkEventSourceMapping(lambda, relay)).toMatchObject({
      status: 'fail',
      message: `${DEPLOYED.relayFunctionName} has no event source mapping`,
    });
  });

  it('warns while the mapping is still being created', async () => {
    lambdaMock
      .on(ListEventSourceMappingsCommand)
      .resolves({ EventSourceMappings: [aMapping({ State: 'Creating' })] });

    expect(await checkEventSourceMapping(lambda, relay)).toMatchObject({ status: 'warn' });
  });
});

describe('the event bus check', () => {
  it('passes a bus DescribeEventBus knows', async () => {
    eventBridgeMock.on(DescribeEventBusCommand).resolves({
      Name: DEPLOYED.eventBusName,
      Arn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders',
    });

    const result = await checkEventBus(eventBridge, DEPLOYED.eventBusName);

    expect(result).toMatchObject({ status: 'pass' });
    expect(eventBridgeMock).toHaveReceivedCommandWith(DescribeEventBusCommand, {
      Name: DEPLOYED.eventBusName,
    });
  });

  it('fails if the bus does not exist', async () => {
    eventBridgeMock.on(DescribeEventBusCommand).rejects(
      new ResourceNotFoundException({
        message: 'Event bus orders does not exist.',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const result = await checkEventBus(eventBridge, DEPLOYED.eventBusName);

    expect(result).toMatchObject({ check: 'event-bus', status: 'fail' });
    expect(result.message).toContain('PutEvents still succeeds, and every event is lost');
  });

  it('passes for a Custom Event Bus that DescribeEventBus reports ACTIVE, asked by ARN', async () => {
    const v2 = new FakeEventBridgeV2().onDescribeEventBus({ State: 'ACTIVE' });

    const result = await checkEventBus(eventBridge, CUSTOM_BUS_ARN, v2.client);

    expect(result).toMatchObject({ check: 'event-bus', status: 'pass' });
    expect(v2.describeInputs).toEqual([{ EventBusArn: CUSTOM_BUS_ARN }]);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(DescribeEventBusCommand, 0);
  });

  it('fails if the Custom Event Bus is not there any more', async () => {
    const gone = Object.assign(new Error('no such bus'), {
      name: 'ResourceNotFoundException',
      $fault: 'client',
    });
    const v2 = new FakeEventBridgeV2().onDescribeEventBus(gone);

    const result = await checkEventBus(eventBridge, CUSTOM_BUS_ARN, v2.client);

    expect(result).toMatchObject({ check: 'event-bus', status: 'fail' });
    expect(result.message).toContain('EventBusNotFound');
  });

  it('fails if no bus name is known', async () => {
    expect(await checkEventBus(eventBridge, undefined)).toMatchObject({
      status: 'fail',
      action: 'pass --bus, or --stack (output EventBusName)',
    });
  });
});

describe('the dead-letter queue checks', () => {
  it('passes an empty DLQ', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' },
    });

    expect(await checkDeadLetterQueue(sqs, DEPLOYED.dlqUrl)).toMatchObject({ status: 'pass' });
  });

  it('fails if the DLQ holds quarantined records', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' },
    });

    const result = await checkDeadLetterQueue(sqs, DEPLOYED.dlqUrl);

    expect(result).toMatchObject({ check: 'dead-letter-queue', status: 'fail' });
    expect(result.message).toMatch(/^3 quarantined record\(s\)/);
    expect(result.action).toContain('redrive --dry-run');
  });

  it('fails if the stream-failure queue holds skipped batches', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' },
    });

    const result = await checkStreamFailureQueue(sqs, DEPLOYED.streamFailureQueueUrl, false);

    expect(result).toMatchObject({ check: 'stream-failure-queue', status: 'fail' });
    expect(sqsMock).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: DEPLOYED.streamFailureQueueUrl,
    });
  });

  it('fails if the stream-failure queue is unknown on AWS', async () => {
    const result = await checkStreamFailureQueue(sqs, undefined, false);

    expect(result.status).toBe('fail');
    expect(result.action).toContain('StreamFailureQueueUrl');
  });
});

describe('the alarms check', () => {
  const deployedAt = new Date('2026-12-01T10:00:00.000Z');
  const alarmNames = [
    'Orders-OutboxIteratorAgeAlarm-1A2B3C',
    'Orders-OutboxOldestPendingAlarm-4D5E',
  ];
  const givenStack = () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: DEPLOYED.stackName,
          CreationTime: new Date('2026-11-01T00:00:00.000Z'),
          LastUpdatedTime: deployedAt,
          StackStatus: 'UPDATE_COMPLETE',
        },
      ],
    });
    cfnMock.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        ...alarmNames.map((name, i) => ({
          LogicalResourceId: `Alarm${i}`,
          PhysicalResourceId: name,
          ResourceType: 'AWS::CloudWatch::Alarm',
          ResourceStatus: 'UPDATE_COMPLETE' as const,
          LastUpdatedTimestamp: deployedAt,
        })),
        {
          LogicalResourceId: 'OutboxTable',
          PhysicalResourceId: DEPLOYED.tableName,
          ResourceType: 'AWS::DynamoDB::Table',
          ResourceStatus: 'UPDATE_COMPLETE' as const,
          LastUpdatedTimestamp: deployedAt,
        },
      ],
    });
  };
  const at = (minutesAfterDeploy: number) =>
    new Date(deployedAt.getTime() + minutesAfterDeploy * 60_000);

  it("asks CloudWatch for exactly the stack's alarms and passes when all are OK", async () => {
    givenStack();
    const cloudWatch = fakeAlarms(alarmNames.map((name) => anAlarm({ name })));

    const results = await checkAlarms(
      { cloudFormation, cloudWatch },
      { stackName: DEPLOYED.stackName, local: false, now: at(30) },
    );

    expect(cloudWatch.asked).toEqual([alarmNames]);
    expect(results).toEqual([
      expect.objectContaining({ status: 'pass', message: '2 of 2 alarm(s) OK' }),
    ]);
  });

  it('fails if an alarm is in ALARM, naming it', async () => {
    givenStack();
    const cloudWatch = fakeAlarms([
      anAlarm({ name: alarmNames[0] }),
      anAlarm({ name: alarmNames[1], state: 'ALARM', reason: 'Threshold Crossed: no datapoints' }),
    ]);

    const results = await checkAlarms(
      { cloudFormation, cloudWatch },
      { stackName: DEPLOYED.stackName, local: false, now: at(30) },
    );

    expect(results).toContainEqual(
      expect.objectContaining({ status: 'fail', subject: alarmNames[1] }),
    );
  });

  it('only warns of an alarm without data in the first minutes after the deploy', async () => {
    givenStack();
    const cloudWatch = fakeAlarms([
      anAlarm({ name: alarmNames[0] }),
      anAlarm({ name: alarmNames[1], state: 'INSUFFICIENT_DATA' }),
    ]);

    const results = await checkAlarms(
      { cloudFormation, cloudWatch },
      { stackName: DEPLOYED.stackName, local: false, now: at(5) },
    );

    expect(results.map((r) => r.status)).toEqual(['pass', 'warn']);
  });

  it('fails if an alarm is still without data after the first minutes', async () => {
    givenStack();
    const cloudWatch = fakeAlarms([
      anAlarm({ name: alarmNames[0] }),
      anAlarm({ name: alarmNames[1], state: 'INSUFFICIENT_DATA' }),
    ]);

    const results = await checkAlarms(
      { cloudFormation, cloudWatch },
      { stackName: DEPLOYED.stackName, local: false, now: at(20) },
    );

    expect(results).toContainEqual(
      expect.objectContaining({
        status: 'fail',
        subject: alarmNames[1],
        message: expect.stringContaining('its metric does not arrive'),
      }),
    );
  });

  it('fails if CloudWatch does not know an alarm of the stack', async () => {
    givenStack();

    const results = await checkAlarms(
      { cloudFormation, cloudWatch: fakeAlarms([anAlarm({ name: alarmNames[0] })]) },
      { stackName: DEPLOYED.stackName, local: false, now: at(30) },
    );

    expect(results).toContainEqual(
      expect.objectContaining({ status: 'fail', subject: alarmNames[1] }),
    );
  });

  it('fails if there is no stack to find the alarms in', async () => {
    const results = await checkAlarms(
      { cloudFormation, cloudWatch: fakeAlarms([]) },
      { local: false, now: at(30) },
    );

    expect(results).toEqual([expect.objectContaining({ status: 'fail' })]);
  });

  it('is skipped in local mode', async () => {
    const results = await checkAlarms(
      { cloudFormation, cloudWatch: fakeAlarms([]) },
      { stackName: DEPLOYED.stackName, local: true, now: at(30) },
    );

    expect(results).toEqual([expect.objectContaining({ status: 'skip' })]);
    expect(cfnMock.calls()).toHaveLength(0);
  });
});
