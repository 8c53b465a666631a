import { AWS_JSON_1_0, AWS_JSON_1_1, type AwsJsonService } from './aws-json-protocol.js';
import { parseRequest, type RequestFaults } from './aws-operation.js';
import { describeEventBusRequestSchema, type EventBus } from './event-bus.js';
import { putEventsRequestSchema } from './put-events-rules.js';
import type { QueueStore } from './queue-store.js';
import {
  getQueueAttributesRequestSchema,
  receiptRequestSchema,
  receiveMessageRequestSchema,
  sendMessageRequestSchema,
} from './sqs-requests.js';

/** EventBridge's `AWSEvents.*` targets on the classic bus; `/faults` strikes PutEvents only. */
export function eventBridgeService(bus: EventBus, faults: RequestFaults): AwsJsonService {
  return {
    targetPrefix: 'AWSEvents',
    contentType: AWS_JSON_1_1,
    operations: {
      PutEvents: {
        run: (input) => bus.putEvents(parseRequest(putEventsRequestSchema, input)),
        faults,
      },
      DescribeEventBus: {
        run: (input) => bus.describeEventBus(parseRequest(describeEventBusRequestSchema, input)),
      },
    },
  };
}

/** SQS's `AmazonSQS.*` targets on the local queues. */
export function sqsService(queues: QueueStore): AwsJsonService {
  return {
    targetPrefix: 'AmazonSQS',
    contentType: AWS_JSON_1_0,
    operations: {
      SendMessage: {
        run: (input) => queues.sendMessage(parseRequest(sendMessageRequestSchema, input)),
      },
      ReceiveMessage: {
        run: (input) => queues.receiveMessage(parseRequest(receiveMessageRequestSchema, input)),
      },
      DeleteMessage: {
        run: (input) => queues.deleteMessage(parseRequest(receiptRequestSchema, input)),
      },
      ChangeMessageVisibility: {
        run: (input) => queues.changeMessageVisibility(parseRequest(receiptRequestSchema, input)),
      },
      GetQueueAttributes: {
        run: (input) =>
          queues.getQueueAttributes(parseRequest(getQueueAttributesRequestSchema, input)),
      },
    },
  };
}
