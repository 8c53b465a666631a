export {
  type ConsumeContext,
  type ConsumeOptions,
  type ConsumeOutcome,
  consumeOutboxEvent,
  type OutboxEventHandler,
} from './consume.js';
export {
  ConsumerConfigError,
  ConsumerError,
  InboxContentionError,
  InvalidOutboxEventError,
  OutOfOrderEventError,
  UnexpectedEventError,
} from './errors.js';
export type { ExpectedEvents } from './expected-events.js';
export { eventBridgeOutboxConsumer, sqsOutboxConsumer } from './handlers.js';
export {
  Inbox,
  type InboxDecision,
  type InboxOptions,
  inboxConflict,
  type OrderPolicy,
} from './inbox.js';
export {
  type InboxEnvironmentOptions,
  InboxVariable,
  inboxOptionsFromEnvironment,
} from './inbox-environment.js';
export {
  cursorKey,
  eventKey,
  INBOX_PK,
  INBOX_TTL_ATTRIBUTE,
  inboxTableDefinition,
  LAST_SEQUENCE_ATTRIBUTE,
} from './inbox-schema.js';
export { type OutboxEvent, parseOutboxEvent } from './outbox-event.js';
