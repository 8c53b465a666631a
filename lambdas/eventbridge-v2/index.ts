/**
 * A minimal EventBridge enhanced custom bus (`eventbridgev2`) client with the official
 * `@aws-sdk/client-eventbridgev2` names: swap it in by changing the imports that name this file.
 */
export {
  EventBridgeV2Client,
  type EventBridgeV2ClientConfig,
  type EventBridgeV2Output,
  type EventBridgeV2RequestHandler,
} from './client.js';
export {
  type BusState,
  DescribeEventBusCommand,
  type DescribeEventBusCommandInput,
  type DescribeEventBusCommandOutput,
  type EventBridgeV2Command,
  MAX_ENTRIES_PER_CALL,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
  type PutEventsSystemMetadata,
} from './commands.js';
export type { AccountIdEndpointMode } from './endpoint.js';
export {
  EventBridgeV2ClientError,
  EventBridgeV2ServiceException,
  MalformedResponseError,
} from './errors.js';
