import { ConsumerConfigError, UnexpectedEventError } from './errors.js';
import type { OutboxEvent } from './outbox-event.js';

/**
 * What a consumer subscribed to. An event outside it is refused with an
 * {@link UnexpectedEventError} before the inbox or the handler sees it. The rule already
 * filters by pattern, but the rule's pattern is no authentication: whoever may put events
 * on the bus (or messages on the consumer's queue) can send a look-alike, so the handler
 * checks again what it relies on. Each list left out accepts any value.
 */
export interface ExpectedEvents {
  /**
   * The EventBridge `source`s the consumer accepts.
   * @default - any source
   */
  readonly sources?: readonly string[];
  /**
   * The EventBridge `detail-type`s the consumer accepts.
   * @default - any detail type
   */
  readonly detailTypes?: readonly string[];
  /**
   * The envelope `aggregateType`s the consumer accepts.
   * @default - any aggregate type
   */
  readonly aggregateTypes?: readonly string[];
}

/**
 * Checks expectations once, when a handler is built: an empty list would refuse every
 * event, which is a configuration mistake, not a policy.
 *
 * @throws ConsumerConfigError naming the empty list
 * @internal
 */
export function validateExpectedEvents(expected: ExpectedEvents | undefined): void {
  for (const [name, list] of Object.entries(expected ?? {})) {
    if (list !== undefined && (list as readonly string[]).length === 0) {
      throw new ConsumerConfigError(
        `expect.${name} must not be empty: leave it out to accept any value`,
      );
    }
  }
}

/**
 * Refuses an event outside what the consumer expects, naming the first field that does
 * not match.
 *
 * @throws UnexpectedEventError
 * @internal
 */
export function assertExpectedEvent(
  event: OutboxEvent,
  expected: ExpectedEvents | undefined,
): void {
  if (expected === undefined) return;
  const check = (
    field: UnexpectedEventError['field'],
    value: string,
    allowed: readonly string[] | undefined,
  ) => {
    if (allowed !== undefined && !allowed.includes(value)) {
      throw new UnexpectedEventError(field, value, allowed);
    }
  };
  check('source', event.source, expected.sources);
  check('detail-type', event.detailType, expected.detailTypes);
  check('aggregateType', event.envelope.aggregateType, expected.aggregateTypes);
}
