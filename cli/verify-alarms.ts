import {
  type CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import type { AlarmReader, AlarmState } from './verify-cloudwatch.js';
import { type CheckResult, result, skippedLocally } from './verify-report.js';

/**
 * How long after a deploy an alarm may still have no data: the relay's and the sweeper's
 * metrics use periods of 1 to 5 minutes, and the sweeper runs once a minute.
 */
export const ALARM_GRACE_MS = 15 * 60_000;

/** The alarms of a stack, and when it was last deployed. */
export interface StackAlarms {
  /** Alarm names: the physical IDs of the stack's `AWS::CloudWatch::*Alarm` resources. */
  readonly names: readonly string[];
  readonly deployedAt?: Date;
}

const ALARM_TYPES = new Set(['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']);

/** The stack's alarms (ListStackResources) and its last deploy time (DescribeStacks). */
export async function stackAlarms(
  cloudFormation: Pick<CloudFormationClient, 'send'>,
  stackName: string,
): Promise<StackAlarms> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  const deployedAt = stack?.LastUpdatedTime ?? stack?.CreationTime;
  const names: string[] = [];
  for await (const page of paginateListStackResources(
    { client: cloudFormation as CloudFormationClient },
    { StackName: stackName },
  ))
    for (const resource of page.StackResourceSummaries ?? [])
      if (ALARM_TYPES.has(resource.ResourceType ?? '') && resource.PhysicalResourceId)
        names.push(resource.PhysicalResourceId);
  return { names, ...(deployedAt === undefined ? {} : { deployedAt }) };
}

/** What the alarms check needs. */
export interface AlarmCheckInput {
  readonly stackName?: string;
  readonly local: boolean;
  readonly now: Date;
  /** @default ALARM_GRACE_MS */
  readonly graceMs?: number;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** One alarm's problem, or undefined when it is OK. */
function alarmProblem(
  alarm: AlarmState,
  deployedAgoMs: number | undefined,
  graceMs: number,
): CheckResult | undefined {
  const subject = alarm.name;
  const since = alarm.updatedAt === undefined ? '' : ` since ${alarm.updatedAt.toISOString()}`;
  if (alarm.state === 'OK') return undefined;
  if (alarm.state === 'ALARM')
    return result('alarms', 'fail', `in ALARM${since}: ${alarm.reason ?? 'no reason given'}`, {
      subject,
      action: "find the alarm's section in the runbook and follow it",
    });
  if (alarm.state === 'INSUFFICIENT_DATA' && deployedAgoMs !== undefined && deployedAgoMs < graceMs)
    return result(
      'alarms',
      'warn',
      `no data yet, ${minutes(deployedAgoMs)} after the deploy: its metric may not have arrived yet`,
      { subject, action: `run verify again ${minutes(graceMs)} after the deploy` },
    );
  return result('alarms', 'fail', `${alarm.state}${since}: its metric does not arrive`, {
    subject,
    action:
      "the handler does not emit what the alarm watches (namespace, service dimension): check the function's EMF logs against the alarm's metric",
  });
}

/**
 * The stack's alarms (DescribeAlarms): none in ALARM, none without data once the first
 * minutes after the deploy are over (before that, a warning). Local mode has no alarms.
 */
export async function checkAlarms(
  deps: {
    readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
    readonly cloudWatch: AlarmReader;
  },
  input: AlarmCheckInput,
): Promise<CheckResult[]> {
  if (input.local) return [skippedLocally('alarms', 'local mode has no CloudWatch alarms')];
  if (input.stackName === undefined)
    return [
      result('alarms', 'fail', 'no stack to find the alarms in', {
        action: 'pass --stack <the stack of the outbox>',
      }),
    ];
  const { names, deployedAt } = await stackAlarms(deps.cloudFormation, input.stackName);
  if (names.length === 0)
    return [
      result('alarms', 'fail', `stack ${input.stackName} has no CloudWatch alarms`, {
        action: 'pass the stack that holds the outbox construct (not a parent of a nested stack)',
      }),
    ];
  const states = await deps.cloudWatch.describeAlarms(names);
  const found = new Set(states.map((s) => s.name));
  const missing = names
    .filter((name) => !found.has(name))
    .map((subject) =>
      result('alarms', 'fail', 'in the stack, but CloudWatch does not know it', {
        subject,
        action: 'check the region (--region) and redeploy the stack',
      }),
    );
  const agoMs = deployedAt === undefined ? undefined : input.now.getTime() - deployedAt.getTime();
  const problems = states
    .map((s) => alarmProblem(s, agoMs, input.graceMs ?? ALARM_GRACE_MS))
    .filter((r): r is CheckResult => r !== undefined);
  const ok = states.length - problems.length;
  return [
    ...(ok > 0 ? [result('alarms', 'pass', `${ok} of ${names.length} alarm(s) OK`)] : []),
    ...problems,
    ...missing,
  ];
}
