import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarms } from '../../../cli/verify-cloudwatch.js';

const cloudWatch = mockClient(CloudWatchClient);
afterEach(() => cloudWatch.reset());

const alarms = () => new CloudWatchAlarms(new CloudWatchClient({ region: 'eu-west-1' }));

describe('CloudWatchAlarms', () => {
  it('reads metric and composite alarms on every page', async () => {
    const updatedAt = new Date('2026-12-01T10:00:00Z');
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          {
            AlarmName: 'a-1',
            StateValue: 'OK',
            StateReason: 'fine',
            StateUpdatedTimestamp: updatedAt,
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'c-1', StateValue: 'INSUFFICIENT_DATA' }] });

    const states = await alarms().describeAlarms(['a-1', 'c-1']);

    expect(states).toEqual([
      { name: 'a-1', state: 'OK', reason: 'fine', updatedAt },
      { name: 'c-1', state: 'INSUFFICIENT_DATA' },
    ]);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: ['a-1', 'c-1'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
      {
        AlarmNames: ['a-1', 'c-1'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: 'page-2',
      },
    ]);
  });

  it('asks for at most 100 names per call', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({});
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);

    await alarms().describeAlarms(names);

    expect(
      cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length),
    ).toEqual([100, 50]);
  });

  it('fails with the error CloudWatch answered', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await expect(alarms().describeAlarms(['a-1'])).rejects.toThrow('not authorized');
  });
});
