import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBridgeV2Client } from '../eventbridge-v2/client.js';
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
      client: options.eventBridgeV2 ?? lazyEventBridgeV2Client(),
      eventBusArn: bus.eventBusArn,
      ...settings,
    });
  return new EventBridgePublisher({
    eventBridge: options.eventBridge ?? new EventBridgeClient({}),
    eventBusName: bus.eventBusName,
    ...settings,
  });
}

/**
 * A client created on its first call: a relay on the classic bus never loads the eventbridgev2
 * client and its signing and CBOR code at cold start (bench section 5b).
 */
function lazyEventBridgeV2Client(): EventBridgeV2Client {
  let client: Promise<EventBridgeV2Client> | undefined;
  const send = async (command: Parameters<EventBridgeV2Client['send']>[0]) => {
    client ??= import('../eventbridge-v2/client.js').then((m) => new m.EventBridgeV2Client({}));
    return (await client).send(command);
  };
  return { send } as unknown as EventBridgeV2Client;
}
