import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PublishFailure } from './quarantine.js';

/** What {@link EventBusCheck.verify} found. @internal */
export type EventBusVerdict =
  /** The bus exists: publishing may go on. */
  | { readonly kind: 'exists' }
  /** The bus is missing, or the caller may not look at it: publish nothing, fail loudly. */
  | { readonly kind: 'configuration'; readonly failure: PublishFailure }
  /** The look-up failed for a passing reason (throttle, 5xx, network): try again later. */
  | { readonly kind: 'transient'; readonly failure: PublishFailure };

const EXISTS: EventBusVerdict = { kind: 'exists' };

/**
 * Proves that the bus exists before anything is published to it. PutEvents to a bus that
 * does not exist answers with EventIds and no failure (aws/aws-cli#9186, aws/aws-sdk#186):
 * without this check a typo, a wrong account or a wrong region would mark every event
 * DELIVERED and let TTL delete it. `DescribeEventBus` answers `ResourceNotFoundException`
 * instead. A success is remembered for the life of the container; a failure is not, so a
 * bus created later is found.
 *
 * @internal
 */
export class EventBusCheck {
  private verified = false;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  /** Describes the bus once; later calls answer from memory once it was found. */
  async verify(): Promise<EventBusVerdict> {
    if (this.verified) return EXISTS;
    try {
      await this.eventBridge.send(new DescribeEventBusCommand({ Name: this.eventBusName }));
      this.verified = true;
      return EXISTS;
    } catch (error) {
      return verdictOf(error, this.eventBusName);
    }
  }
}

/** Maps a failed DescribeEventBus to what publishing should do about it. */
function verdictOf(error: unknown, eventBusName: string): EventBusVerdict {
  const e = error as { name?: string; message?: string; $fault?: string };
  const name = e?.name ?? 'Error';
  const detail = `${name}: ${e?.message ?? String(error)}`;
  if (name === 'ResourceNotFoundException') {
    return {
      kind: 'configuration',
      failure: {
        code: 'EventBusNotFound',
        message: `event bus '${eventBusName}' does not exist in this account and region (${detail}); PutEvents would accept and drop every event: check EVENT_BUS_NAME, the account and the region`,
      },
    };
  }
  // A client fault other than a throttle is ours to fix (permissions, a malformed name):
  // publishing blind would risk losing events, so fail loudly.
  if (e?.$fault === 'client' && !/Throttl/i.test(name)) {
    return {
      kind: 'configuration',
      failure: {
        code: 'EventBusNotVerified',
        message: `cannot verify that event bus '${eventBusName}' exists (${detail}); grant events:DescribeEventBus on it`,
      },
    };
  }
  return { kind: 'transient', failure: { code: name, message: detail } };
}
