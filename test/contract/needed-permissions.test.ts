import { describe, expect, it } from 'vitest';
import { customBusArn } from '../../local/bus/custom-bus-arn.js';
import type { RecordedAwsCall } from '../helpers/aws-call-recorder.js';
import { LocalResourceNames } from './local-resource-names.js';
import {
  permissionsOfCall,
  platformPermissions,
  subscriberPermissions,
  UnmappedCallError,
} from './needed-permissions.js';
import { StackTemplate, type TemplateResource } from './stack-template.js';

const QUEUE_ENDPOINT = 'http://127.0.0.1:4010';
/** The ARN the local bus gives the Custom Event Bus named `CustomBus` (its logical id). */
const LOCAL_CUSTOM_BUS_ARN = customBusArn('us-east-1', '000000000000', 'CustomBus');

function templateOf(more: Record<string, TemplateResource> = {}): StackTemplate {
  return StackTemplate.fromJson({
    Orders: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
    Outbox: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
    Bus: { Type: 'AWS::Events::EventBus', Properties: {} },
    CustomBus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'orders' } },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: 'FnLogs' } },
        TracingConfig: { Mode: 'Active' },
      },
    },
    ...more,
  });
}

const call = (
  service: string,
  operation: string,
  input: Record<string, unknown>,
): RecordedAwsCall => ({
  caller: 'Fn',
  service,
  operation,
  input,
});

const needsOf = (c: RecordedAwsCall, template = templateOf()) =>
  permissionsOfCall(c, new LocalResourceNames(template, QUEUE_ENDPOINT)).map(
    (p) => `${p.action} ${p.resource} (${p.reason})`,
  );

describe('the permissions a call needs', () => {
  it('maps each item of a transaction to its own action on its own table', () => {
    const needs = needsOf(
      call('DynamoDB', 'TransactWriteItems', {
        TransactItems: [
          { Update: { TableName: 'Orders' } },
          { Put: { TableName: 'Outbox' } },
          { ConditionCheck: { TableName: 'Orders' } },
          { Delete: { TableName: 'Outbox' } },
        ],
      }),
    );

    expect(needs).toEqual([
      'dynamodb:UpdateItem {Orders.Arn} (TransactWriteItems/Update)',
      'dynamodb:PutItem {Outbox.Arn} (TransactWriteItems/Put)',
      'dynamodb:ConditionCheckItem {Orders.Arn} (TransactWriteItems/ConditionCheck)',
      'dynamodb:DeleteItem {Outbox.Arn} (TransactWriteItems/Delete)',
    ]);
  });

  it('needs the index, not the table, for a query of an index', () => {
    const needs = needsOf(call('DynamoDB', 'Query', { TableName: 'Outbox', IndexName: 'by-age' }));

    expect(needs).toEqual(['dynamodb:Query {Outbox.Arn}/index/by-age (Query)']);
  });

  it('needs BatchGetItem on each table of the request', () => {
    const needs = needsOf(
      call('DynamoDB', 'BatchGetItem', {
        RequestItems: { Orders: { Keys: [] }, Outbox: { Keys: [] } },
      }),
    );

    expect(needs).toEqual([
      'dynamodb:BatchGetItem {Orders.Arn} (BatchGetItem)',
      'dynamodb:BatchGetItem {Outbox.Arn} (BatchGetItem)',
    ]);
  });

  it('needs the bus of each entry, and the queue of its URL', () => {
    expect(
      needsOf(call('EventBridge', 'PutEvents', { Entries: [{ EventBusName: 'Bus' }] })),
    ).toEqual(['events:PutEvents {Bus.Arn} (PutEvents)']);
    expect(
      needsOf(call('SQS', 'SendMessage', { QueueUrl: `${QUEUE_ENDPOINT}/000000000000/Dlq` })),
    ).toEqual(['sqs:SendMessage {Dlq.Arn} (SendMessage)']);
  });

  it('needs events:PutEvents and events:DescribeEventBus on the event-busv2 ARN of the Custom Event Bus a call addresses', () => {
    const publish = call('EventBridgeV2', 'PutEvents', {
      EventBusArn: LOCAL_CUSTOM_BUS_ARN,
      Entries: [{ Source: 'a' }, { Source: 'b' }],
    });
    const check = call('EventBridgeV2', 'DescribeEventBus', { EventBusArn: LOCAL_CUSTOM_BUS_ARN });

    expect([...needsOf(publish), ...needsOf(check)]).toEqual([
      'events:PutEvents {CustomBus.EventBusArn} (PutEvents)',
      'events:DescribeEventBus {CustomBus.EventBusArn} (DescribeEventBus)',
    ]);
  });

  it('marks a Custom Event Bus ARN that is not the local ARN of a template bus: another id is another bus', () => {
    const recreated = LOCAL_CUSTOM_BUS_ARN.replace(/[a-z0-9]{25}$/, 'z'.repeat(25));

    const needs = needsOf(call('EventBridgeV2', 'PutEvents', { EventBusArn: recreated }));

    expect(needs).toEqual([
      `events:PutEvents arn:not-in-template:events:event-busv2/CustomBus/${'z'.repeat(25)} (PutEvents)`,
    ]);
  });

  it('gives a function the local ARN of the Custom Event Bus whose EventBusArn its environment names', () => {
    const template = templateOf({
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: {
            Variables: {
              EVENT_BUS_KIND: 'custom',
              EVENT_BUS_ARN: { 'Fn::GetAtt': ['CustomBus', 'EventBusArn'] },
            },
          },
        },
      },
    });

    const environment = new LocalResourceNames(template, QUEUE_ENDPOINT).environmentOf('Fn');

    expect(environment).toEqual({ EVENT_BUS_KIND: 'custom', EVENT_BUS_ARN: LOCAL_CUSTOM_BUS_ARN });
  });

  it('marks a resource that is not in the template, so that only a wildcard grant could allow it', () => {
    const needs = needsOf(call('DynamoDB', 'GetItem', { TableName: 'hard-coded' }));

    expect(needs).toEqual([
      'dynamodb:GetItem arn:not-in-template:dynamodb:table/hard-coded (GetItem)',
    ]);
  });

  it('fails if an operation has no mapping yet', () => {
    expect(() => needsOf(call('DynamoDB', 'ExecuteStatement', { Statement: 'SELECT 1' }))).toThrow(
      UnmappedCallError,
    );
  });
});

describe('what Lambda does with the role on the function behalf', () => {
  it('writes logs to the function log group and sends traces when tracing is active', () => {
    const needs = platformPermissions(templateOf(), 'Fn').map((p) => `${p.action} ${p.resource}`);

    expect(needs).toEqual([
      'logs:CreateLogStream {FnLogs.Arn}',
      'logs:PutLogEvents {FnLogs.Arn}',
      'xray:PutTraceSegments *',
      'xray:PutTelemetryRecords *',
    ]);
  });

  it('reads the stream and sends to the on-failure queue of a stream event source mapping', () => {
    const template = templateOf({
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::GetAtt': ['Outbox', 'StreamArn'] },
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
        },
      },
    });

    const needs = platformPermissions(template, 'Fn')
      .slice(4)
      .map((p) => `${p.action} ${p.resource}`);

    expect(needs).toEqual([
      'dynamodb:DescribeStream {Outbox.StreamArn}',
      'dynamodb:GetRecords {Outbox.StreamArn}',
      'dynamodb:GetShardIterator {Outbox.StreamArn}',
      'dynamodb:ListStreams {Outbox.StreamArn}',
      'sqs:SendMessage {Dlq.Arn}',
    ]);
  });

  it('receives, deletes and reads the attributes of the queue of an SQS event source mapping', () => {
    const template = templateOf({
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] },
        },
      },
    });

    const needs = platformPermissions(template, 'Fn')
      .slice(4)
      .map((p) => `${p.action} ${p.resource}`);

    expect(needs).toEqual([
      'sqs:ReceiveMessage {Dlq.Arn}',
      'sqs:DeleteMessage {Dlq.Arn}',
      'sqs:GetQueueAttributes {Dlq.Arn}',
    ]);
  });
});

/** A FIFO subscriber sending to `Buffer`, its failure records to `onFailure` (`null`: none). */
function subscriberTemplate(
  queues: Record<string, TemplateResource> = {},
  onFailure: unknown = { 'Fn::GetAtt': ['SubscriberDlq', 'Arn'] },
): StackTemplate {
  return templateOf({
    Buffer: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    SubscriberDlq: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    ...queues,
    Subscriber: {
      Type: 'AWS::EventsV2::Subscriber',
      Properties: {
        EventBusArn: { 'Fn::GetAtt': ['CustomBus', 'EventBusArn'] },
        Type: 'FIFO',
        InvokeConfiguration: {
          TargetArn: { 'Fn::GetAtt': ['Buffer', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['DeliveryRole', 'Arn'] },
        },
        ...(onFailure === null ? {} : { OnFailureConfiguration: { Arn: onFailure } }),
      },
    },
  });
}

describe('what EventBridge does with a subscriber delivery role', () => {
  it('sends to the target queue and writes failure records to the dead-letter queue', () => {
    const needs = subscriberPermissions(subscriberTemplate(), 'Subscriber').map(
      (p) => `${p.by} ${p.action} ${p.resource}`,
    );

    expect(needs).toEqual([
      'platform sqs:SendMessage {Buffer.Arn}',
      'platform sqs:SendMessage {SubscriberDlq.Arn}',
    ]);
  });

  it('needs nothing for a dead-letter queue the subscriber does not have', () => {
    const needs = subscriberPermissions(subscriberTemplate({}, null), 'Subscriber').map(
      (p) => `${p.action} ${p.resource}`,
    );

    expect(needs).toEqual(['sqs:SendMessage {Buffer.Arn}']);
  });

  it('fails if the target queue is KMS-encrypted, whose key the role would need too', () => {
    const template = subscriberTemplate({
      Buffer: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { Ref: 'Key' } } },
    });

    expect(() => subscriberPermissions(template, 'Subscriber')).toThrow(UnmappedCallError);
  });

  it('fails if a destination is not a queue of the template', () => {
    const template = subscriberTemplate({}, 'arn:aws:sqs:us-east-1:111122223333:elsewhere');

    expect(() => subscriberPermissions(template, 'Subscriber')).toThrow(
      'subscriber destination arn:aws:sqs:us-east-1:111122223333:elsewhere',
    );
  });
});
