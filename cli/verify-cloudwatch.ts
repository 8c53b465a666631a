import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
} from '@aws-sdk/client-cloudwatch';

/** An alarm's state as DescribeAlarms reports it. */
export interface AlarmState {
  readonly name: string;
  /** `OK`, `ALARM` or `INSUFFICIENT_DATA`. */
  readonly state: string;
  readonly reason?: string;
  readonly updatedAt?: Date;
}

/** Reads alarm states: what the `alarms` check needs of CloudWatch. */
export interface AlarmReader {
  /** The named alarms that exist (metric and composite), in no particular order. */
  describeAlarms(names: readonly string[]): Promise<AlarmState[]>;
}

/** DescribeAlarms takes at most 100 names. */
const MAX_NAMES = 100;

type RawAlarm = NonNullable<DescribeAlarmsCommandOutput['MetricAlarms']>[number];

const toAlarmState = (raw: RawAlarm): AlarmState => ({
  name: raw.AlarmName ?? '?',
  state: raw.StateValue ?? 'unknown',
  ...(raw.StateReason === undefined ? {} : { reason: raw.StateReason }),
  ...(raw.StateUpdatedTimestamp === undefined ? {} : { updatedAt: raw.StateUpdatedTimestamp }),
});

/**
 * The alarms `verify` reads, through CloudWatch's DescribeAlarms: metric and composite
 * alarms, 100 names a call, every page.
 *
 * @example
 * const alarms = new CloudWatchAlarms(new CloudWatchClient({}));
 * const states = await alarms.describeAlarms(['Orders-OutboxIteratorAgeAlarm-1A2B']);
 */
export class CloudWatchAlarms implements AlarmReader {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async describeAlarms(names: readonly string[]): Promise<AlarmState[]> {
    const states: AlarmState[] = [];
    for (let i = 0; i < names.length; i += MAX_NAMES) {
      let nextToken: string | undefined;
      do {
        const page = await this.cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: names.slice(i, i + MAX_NAMES),
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        );
        states.push(
          ...[...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])].map(toAlarmState),
        );
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
    }
    return states;
  }
}
