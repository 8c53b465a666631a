import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeV2Client } from '../eventbridge-v2/index.js';
import type { BusTarget } from './bus-target.js';
import { CustomBusPublisher } from './custom-bus-publisher.js';
import { EventBridgePublisher } from './event-bridge-publisher.js';
import type { EventPublisher } from './event-publisher.js';

/** How a bus adapter is set up, whatever the bus. @internal */
export interface BusPublisherOptions {
  /** Request size limit by the entry-size formula. @default - 1 MB */
  readonly maxRequestBytes?: number;
  /** Check the bus before the first publish. @default - true */
  readonly verifyEventBus?: boolean;
  /** @default - a new client, endpoint and credentials the standard way */
  readonly eventBridge?: EventBridgeClient;
  /** @default - a new client, endpoint and credentials the standard way */
  readonly eventBridgeV2?: EventBridgeV2Client;
}

/**
 * The adapter of the publishing port for a bus: the classic bus by name, or the Custom
 * Event Bus by ARN. The relay, the sweeper and the CLI build theirs here.
 * @internal
 */
export function busPublisher(bus: BusTarget, options: BusPublisherOptions = {}): EventPublisher {
  const settings = {
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    ...(options.verifyEventBus === undefined ? {} : { verifyEventBus: options.verifyEventBus }),
  };
  if (bus.kind === 'custom')
    return new CustomBusPublisher({
      client: options.eventBridgeV2 ?? new EventBridgeV2Client({}),
      eventBusArn: bus.eventBusArn,
      ...settings,
    });
  return new EventBridgePublisher({
    eventBridge: options.eventBridge ?? new EventBridgeClient({}),
    eventBusName: bus.eventBusName,
    ...settings,
  });
}
