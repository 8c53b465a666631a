import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { AlarmReader, AlarmState } from '../../cli/verify-cloudwatch.js';

/** Names of the deployed outbox the `verify` unit tests look at. */
export const DEPLOYED = {
  tableName: 'Orders-OutboxTable-1',
  streamArn:
    'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders-OutboxTable-1/stream/2026-12-01T10:00:00.000',
  relayFunctionName: 'Orders-OutboxRelay-1',
  eventBusName: 'orders',
  dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Orders-OutboxDlq-1',
  streamFailureQueueUrl:
    'https://sqs.eu-west-1.amazonaws.com/123456789012/Orders-OutboxStreamFailureQueue-1',
  stackName: 'Orders',
} as const;

/** The outbox table as DescribeTable answers for a healthy deployment. */
export const aTableDescription = (overrides: Partial<TableDescription> = {}): TableDescription => ({
  TableName: DEPLOYED.tableName,
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  LatestStreamArn: DEPLOYED.streamArn,
  ...overrides,
});

/** The relay's event source mapping as ListEventSourceMappings answers once it ran. */
export const aMapping = (
  overrides: Partial<EventSourceMappingConfiguration> = {},
): EventSourceMappingConfiguration => ({
  UUID: '14e0db71-5d35-4eb5-b481-8945cf9d10c2',
  EventSourceArn: DEPLOYED.streamArn,
  FunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${DEPLOYED.relayFunctionName}`,
  State: 'Enabled',
  StateTransitionReason: 'User action',
  LastProcessingResult: 'OK',
  ...overrides,
});

/** An alarm of the stack, OK unless told otherwise. */
export const anAlarm = (overrides: Partial<AlarmState> = {}): AlarmState => ({
  name: 'Orders-OutboxIteratorAgeAlarm-1A2B3C',
  state: 'OK',
  updatedAt: new Date('2026-12-01T10:05:00.000Z'),
  ...overrides,
});

/** An {@link AlarmReader} answering from a fixed list, recording the names it was asked. */
export function fakeAlarms(alarms: readonly AlarmState[]): AlarmReader & {
  readonly asked: string[][];
} {
  const asked: string[][] = [];
  return {
    asked,
    describeAlarms: async (names) => {
      asked.push([...names]);
      return alarms.filter((a) => names.includes(a.name));
    },
  };
}
