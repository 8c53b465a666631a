import { readFileSync } from 'node:fs';
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
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type VerifyOptions, verifyDeployment } from '../../../cli/verify.js';
import { CANARY } from '../../../cli/verify-canary.js';
import { renderVerify, VERIFY_CHECKS, verifyFailure } from '../../../cli/verify-report.js';
import type { OutboxRecord } from '../../../lambdas/outbox/index.js';
import {
  aMapping,
  anAlarm,
  aTableDescription,
  DEPLOYED,
  fakeAlarms,
} from '../../helpers/verify-fixtures.js';

const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const lambdaMock = mockClient(LambdaClient);
const sqsMock = mockClient(SQSClient);
const eventBridgeMock = mockClient(EventBridgeClient);
const cfnMock = mockClient(CloudFormationClient);

const ALARM = 'Orders-OutboxIteratorAgeAlarm-1A2B3C';
const DEPLOYED_AT = new Date('2026-12-01T10:00:00.000Z');
const CANARY_ID = '01938a5e-0000-7000-8000-000000000001';

/** A clock that moves 100 ms each time it is read, from an hour after the deploy. */
function aTickingClock(): () => Date {
  let now = DEPLOYED_AT.getTime() + 60 * 60_000;
  return () => {
    now += 100;
    return new Date(now);
  };
}

const dependencies = () => {
  const dynamoDb = new DynamoDBClient({});
  return {
    dynamoDb,
    documentClient: DynamoDBDocumentClient.from(dynamoDb),
    lambda: new LambdaClient({}),
    sqs: new SQSClient({}),
    eventBridge: new EventBridgeClient({}),
    cloudFormation: new CloudFormationClient({}),
    cloudWatch: fakeAlarms([anAlarm({ name: ALARM })]),
    clock: aTickingClock(),
    sleep: async () => undefined,
    newId: () => CANARY_ID,
  };
};

const awsOptions: VerifyOptions = {
  tableName: DEPLOYED.tableName,
  eventBusName: DEPLOYED.eventBusName,
  dlqUrl: DEPLOYED.dlqUrl,
  streamFailureQueueUrl: DEPLOYED.streamFailureQueueUrl,
  relayFunctionName: DEPLOYED.relayFunctionName,
  stackName: DEPLOYED.stackName,
  local: false,
  target: `stack ${DEPLOYED.stackName}`,
  timeoutMs: 5_000,
};

/** The canary's record as the relay leaves it. */
const canaryRecord = (status: string, extra: Record<string, unknown> = {}) => ({
  Item: {
    pk: `${CANARY.aggregateType}#${CANARY_ID}`,
    sk: '00000000000000000001',
    status,
    createdAt: '2026-12-01T11:00:00.000Z',
    ...extra,
  },
});

/** A healthy deployment: every call answers what a working outbox answers. */
function givenAHealthyDeployment(): void {
  dynamo.on(DescribeTableCommand).resolves({ Table: aTableDescription() });
  dynamo.on(DescribeTimeToLiveCommand).resolves({
    TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
  });
  dynamo.on(DescribeContinuousBackupsCommand).resolves({
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED' },
    },
  });
  lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [aMapping()] });
  eventBridgeMock.on(DescribeEventBusCommand).resolves({ Name: DEPLOYED.eventBusName });
  cfnMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: DEPLOYED.stackName,
        CreationTime: DEPLOYED_AT,
        StackStatus: 'CREATE_COMPLETE',
      },
    ],
  });
  cfnMock.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      {
        LogicalResourceId: 'OutboxIteratorAgeAlarm',
        PhysicalResourceId: ALARM,
        ResourceType: 'AWS::CloudWatch::Alarm',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: DEPLOYED_AT,
      },
    ],
  });
  sqsMock.on(GetQueueAttributesCommand).resolves({
    Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' },
  });
  documents.on(TransactWriteCommand).resolves({});
  documents
    .on(GetCommand)
    .resolvesOnce(canaryRecord('PENDING'))
    .resolves(canaryRecord('DELIVERED', { deliveredAt: '2026-12-01T11:00:00.450Z' }));
}

beforeEach(() => {
  for (const mock of [dynamo, documents, lambdaMock, sqsMock, eventBridgeMock, cfnMock])
    mock.reset();
});

describe('verifyDeployment', () => {
  it('runs every check in order, then delivers the canary and reports its time', async () => {
    givenAHealthyDeployment();

    const report = await verifyDeployment(awsOptions, dependencies());

    expect(report.ok).toBe(true);
    expect(report.checks.map((r) => r.check)).toEqual([...VERIFY_CHECKS]);
    expect(report.checks.every((r) => r.status === 'pass')).toBe(true);
    expect(report.canary).toMatchObject({
      aggregate: `${CANARY.aggregateType}#${CANARY_ID}`,
      status: 'DELIVERED',
      relayMs: 450,
    });
    expect(report.canary?.endToEndMs).toBeGreaterThan(0);
    expect(verifyFailure(report)).toBeUndefined();
    expect(renderVerify(report)).toMatch(
      /canary: canary OutboxVerifyCanary#\S+ DELIVERED in \d+ ms/,
    );
  });

  it('writes the canary through the OutboxWriter with its own source and aggregate type', async () => {
    givenAHealthyDeployment();

    await verifyDeployment(awsOptions, dependencies());

    const [write] = documents.commandCalls(TransactWriteCommand).map((c) => c.args[0].input);
    const [entity, outbox] = write?.TransactItems ?? [];
    expect(entity?.Put).toMatchObject({
      TableName: DEPLOYED.tableName,
      Item: { pk: `${CANARY.aggregateType}-entity#${CANARY_ID}`, sk: 'ENTITY' },
    });
    expect(entity?.Put?.Item).not.toHaveProperty('recordType');
    expect(typeof entity?.Put?.Item?.expiresAt).toBe('number');
    const record = outbox?.Put?.Item as OutboxRecord;
    expect(record).toMatchObject({
      aggregateType: CANARY.aggregateType,
      status: 'PENDING',
      events: [{ source: CANARY.source, detailType: CANARY.detailType, sequence: 1 }],
    });
  });

  it('fails if the canary is not DELIVERED within the timeout, naming the canary', async () => {
    givenAHealthyDeployment();
    documents.on(GetCommand).resolves(canaryRecord('PENDING'));

    const report = await verifyDeployment(awsOptions, dependencies());

    expect(report.ok).toBe(false);
    expect(report.checks.at(-1)).toMatchObject({
      check: 'canary',
      status: 'fail',
      message: `canary ${CANARY.aggregateType}#${CANARY_ID} still PENDING after 5 s: the relay did not deliver it`,
    });
    expect(report.canary?.status).toBe('PENDING');
    expect(verifyFailure(report)).toBe('verify failed: 1 problem(s) (canary)');
  });

  it('fails if the canary was quarantined', async () => {
    givenAHealthyDeployment();
    documents
      .on(GetCommand)
      .resolves(
        canaryRecord('FAILED', { failure: 'InvalidArgument: Parameter Detail is not valid.' }),
      );

    const report = await verifyDeployment(awsOptions, dependencies());

    expect(report.checks.at(-1)).toMatchObject({ check: 'canary', status: 'fail' });
    expect(report.checks.at(-1)?.message).toContain('is FAILED (InvalidArgument');
  });

  it('fails a check it cannot run, with the reason, and goes on with the others', async () => {
    givenAHealthyDeployment();
    const denied = Object.assign(
      new Error('User is not authorized to perform: dynamodb:DescribeTable'),
      {
        name: 'AccessDeniedException',
      },
    );
    dynamo.on(DescribeTableCommand).rejects(denied);

    const report = await verifyDeployment(awsOptions, dependencies());

    expect(report.checks[0]).toMatchObject({
      check: 'stream',
      status: 'fail',
      message: 'could not check: User is not authorized to perform: dynamodb:DescribeTable',
    });
    expect(report.checks.filter((r) => r.status === 'pass')).toHaveLength(VERIFY_CHECKS.length - 1);
    expect(renderVerify(report)).toContain('(docs/runbook.md#verify-stream)');
  });

  it('skips what local mode has no counterpart for, and never calls Lambda, CloudFormation or CloudWatch', async () => {
    givenAHealthyDeployment();
    const deps = dependencies();

    const report = await verifyDeployment(
      { ...awsOptions, local: true, stackName: undefined, streamFailureQueueUrl: undefined },
      deps,
    );

    expect(Object.fromEntries(report.checks.map((r) => [r.check, r.status]))).toEqual({
      stream: 'pass',
      ttl: 'pass',
      pitr: 'skip',
      'event-source-mapping': 'skip',
      'event-bus': 'pass',
      alarms: 'skip',
      'dead-letter-queue': 'pass',
      'stream-failure-queue': 'skip',
      canary: 'pass',
    });
    expect(report.ok).toBe(true);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(cfnMock.calls()).toHaveLength(0);
    expect(deps.cloudWatch.asked).toHaveLength(0);
  });
});

describe('the runbook', () => {
  it('has the section every check links to', () => {
    const runbook = readFileSync(new URL('../../../docs/runbook.md', import.meta.url), 'utf8');

    const missing = VERIFY_CHECKS.filter((check) => !runbook.includes(`\n### verify: ${check}\n`));

    expect(missing).toEqual([]);
  });
});
