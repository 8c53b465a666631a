import type { EventBridgeV2Client } from '../eventbridge-v2/client.js';
import { DescribeEventBusCommand } from '../eventbridge-v2/commands.js';
import type { EventBusVerdict } from './event-bus-check.js';

const EXISTS: EventBusVerdict = { kind: 'exists' };

/** Bus states that pass with time (API_DescribeEventBus `State`): publish later. */
const PASSING_STATES = new Set(['CREATING', 'UPDATING']);

/**
 * Proves that a Custom Event Bus exists and is `ACTIVE` before anything is published to it:
 * the permissions guide names `events:DescribeEventBus` "to confirm the bus is ACTIVE", and a
 * bus still being created refuses events (`InvalidStateException`). An `ACTIVE` answer is
 * remembered for the life of the container; anything else is asked again next time.
 * @internal
 */
export class CustomBusCheck {
  private verified = false;

  constructor(
    private readonly client: EventBridgeV2Client,
    private readonly eventBusArn: string,
  ) {}

  /** Describes the bus once; later calls answer from memory once it was found active. */
  async verify(): Promise<EventBusVerdict> {
    if (this.verified) return EXISTS;
    try {
      const bus = await this.client.send(
        new DescribeEventBusCommand({ EventBusArn: this.eventBusArn }),
      );
      const verdict = verdictOfState(bus.State, bus.StateReason, this.eventBusArn);
      this.verified = verdict.kind === 'exists';
      return verdict;
    } catch (error) {
      return verdictOfError(error, this.eventBusArn);
    }
  }
}

/** `ACTIVE` publishes; `CREATING`/`UPDATING` wait; a failed or deleted bus is ours to fix. */
function verdictOfState(
  state: string | undefined,
  reason: string | undefined,
  arn: string,
): EventBusVerdict {
  if (state === 'ACTIVE') return EXISTS;
  const detail = `state ${state ?? 'unknown'}${reason === undefined ? '' : ` (${reason})`}`;
  if (state !== undefined && PASSING_STATES.has(state))
    return {
      kind: 'transient',
      failure: { code: 'EventBusNotActive', message: `${arn}: ${detail}` },
    };
  return {
    kind: 'configuration',
    failure: {
      code: 'EventBusNotActive',
      message: `Custom Event Bus ${arn} cannot take events: ${detail}; check EVENT_BUS_ARN`,
    },
  };
}

/** Maps a failed DescribeEventBus to what publishing should do about it. */
function verdictOfError(error: unknown, arn: string): EventBusVerdict {
  const e = error as { name?: string; message?: string; $fault?: string };
  const name = e?.name ?? 'Error';
  const detail = `${name}: ${e?.message ?? String(error)}`;
  if (name === 'ResourceNotFoundException')
    return {
      kind: 'configuration',
      failure: {
        code: 'EventBusNotFound',
        message: `Custom Event Bus ${arn} does not exist (${detail}): check EVENT_BUS_ARN (a re-created bus has a new ARN)`,
      },
    };
  if (e?.$fault === 'client' && !/Throttl/i.test(name))
    return {
      kind: 'configuration',
      failure: {
        code: 'EventBusNotVerified',
        message: `cannot verify that Custom Event Bus ${arn} is active (${detail}); grant events:DescribeEventBus on it`,
      },
    };
  return { kind: 'transient', failure: { code: name, message: detail } };
}
