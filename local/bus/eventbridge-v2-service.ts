import type { RequestFaults } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import {
  customDescribeEventBusRequestSchema,
  customPutEventsRequestSchema,
  wireRequest,
} from './custom-bus-requests.js';
import type { CustomEventBus } from './custom-event-bus.js';
import type { RpcV2CborService } from './rpcv2-cbor-protocol.js';

/**
 * EventBridge v2's `AWSEventsV2` operations on the local custom buses (service shape
 * `com.amazonaws.eventbridgev2#AWSEventsV2`); `/faults` strikes PutEvents only, as on the
 * classic bus.
 */
export function eventBridgeV2Service(
  buses: CustomEventBus,
  faults: RequestFaults,
  log: BusLog,
): RpcV2CborService {
  return {
    name: 'AWSEventsV2',
    namespace: 'com.amazonaws.eventbridgev2',
    operations: {
      PutEvents: {
        run: (input) => buses.putEvents(wireRequest(customPutEventsRequestSchema, input, log)),
        faults,
      },
      DescribeEventBus: {
        run: (input) =>
          buses.describeEventBus(wireRequest(customDescribeEventBusRequestSchema, input, log)),
      },
    },
  };
}
