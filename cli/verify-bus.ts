import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeV2Client } from '../lambdas/eventbridge-v2/index.js';
import { CustomBusCheck } from '../lambdas/outbox/custom-bus-check.js';
import { isCustomBusArn } from '../lambdas/outbox/index.js';
import { type CheckResult, result } from './verify-report.js';

/**
 * The bus exists (DescribeEventBus). PutEvents to a bus that does not exist succeeds with
 * an EventId (aws/aws-cli#9186): only this call tells a typo, a wrong account or region.
 */
export async function checkEventBus(
  eventBridge: EventBridgeClient,
  eventBusName: string | undefined,
  eventBridgeV2?: EventBridgeV2Client,
): Promise<CheckResult> {
  if (eventBusName === undefined)
    return result('event-bus', 'fail', 'no event bus to look at', {
      action: 'pass --bus, or --stack (output EventBusName)',
    });
  if (isCustomBusArn(eventBusName))
    return checkCustomBus(eventBridgeV2 ?? new EventBridgeV2Client({}), eventBusName);
  try {
    const bus = await eventBridge.send(new DescribeEventBusCommand({ Name: eventBusName }));
    return result('event-bus', 'pass', `bus ${bus.Arn ?? bus.Name ?? eventBusName} exists`);
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    return result(
      'event-bus',
      'fail',
      `bus ${eventBusName} does not exist here: PutEvents still succeeds, and every event is lost`,
      {
        action:
          "fix the bus name, account or region the relay's EVENT_BUS_NAME points at (an imported bus?), then redeploy",
      },
    );
  }
}

/** A Custom Event Bus (by ARN) exists and is ACTIVE: the relay's own check, asked once. */
async function checkCustomBus(client: EventBridgeV2Client, arn: string): Promise<CheckResult> {
  const verdict = await new CustomBusCheck(client, arn).verify();
  if (verdict.kind === 'exists')
    return result('event-bus', 'pass', `Custom Event Bus ${arn} is ACTIVE`);
  if (verdict.kind === 'transient')
    return result('event-bus', 'fail', `${verdict.failure.code}: ${verdict.failure.message}`, {
      action: 'wait until DescribeEventBus reports ACTIVE, then run verify again',
    });
  return result('event-bus', 'fail', `${verdict.failure.code}: ${verdict.failure.message}`, {
    action:
      'fix the EVENT_BUS_ARN the relay and sweeper are given (a re-created bus has a new ARN), then redeploy',
  });
}
