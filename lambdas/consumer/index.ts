/**
 * The consumer kit as the example shipping service uses it: the names `dynamo-outbox/runtime`
 * exports, no more.
 * @module
 */
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
  type OrderPolicy,
} from './inbox.js';
export { inboxTableDefinition } from './inbox-schema.js';
export { type OutboxEvent, parseOutboxEvent } from './outbox-event.js';
