import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type CheckResult, result } from './verify-report.js';

/**
 * The bus exists (DescribeEventBus). PutEvents to a bus that does not exist succeeds with
 * an EventId (aws/aws-cli#9186): only this call tells a typo, a wrong account or region.
 */
export async function checkEventBus(
  eventBridge: EventBridgeClient,
  eventBusName: string | undefined,
): Promise<CheckResult> {
  if (eventBusName === undefined)
    return result('event-bus', 'fail', 'no event bus to look at', {
      action: 'pass --bus, or --stack (output EventBusName)',
    });
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
