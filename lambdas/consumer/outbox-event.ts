import type { EventEnvelope } from '../outbox/envelope.js';
import * as z from '../outbox/zod.js';
import { InvalidOutboxEventError } from './errors.js';

const envelopeSchema = z.object({
  eventId: z.string().check(z.minLength(1)),
  aggregateType: z.string().check(z.minLength(1)),
  aggregateId: z.string().check(z.minLength(1)),
  sequence: z.number().check(z.int(), z.gte(1)),
  occurredAt: z.string().check(z.minLength(1)),
  data: z.record(z.string(), z.unknown()),
  metadata: z._default(
    z.object({ correlationId: z.optional(z.string()), causationId: z.optional(z.string()) }),
    {},
  ),
});

/**
 * An EventBridge event whose detail is an outbox envelope, as {@link parseOutboxEvent}
 * reads it and a handler's `context.event` holds it.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import type { OutboxEvent } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'shipping' });
 *
 * // `id` names this delivery (it changes if the relay publishes again); `eventId` names
 * // the event itself: log both to follow one event across its deliveries.
 * export function logReceived(event: OutboxEvent): void {
 *   logger.info('received', {
 *     deliveryId: event.id,
 *     eventId: event.envelope.eventId,
 *     type: `${event.source}/${event.detailType}`,
 *     orderId: event.envelope.aggregateId,
 *     sequence: event.envelope.sequence,
 *   });
 * }
 * ```
 */
export interface OutboxEvent {
  /** EventBridge's id of this delivery. */
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly envelope: EventEnvelope;
}

const eventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  detail: envelopeSchema,
});

/**
 * Reads an EventBridge event (as a Lambda target receives it, or as the body of an SQS
 * message the rule sent) as an outbox event.
 *
 * @throws InvalidOutboxEventError when it does not carry an outbox envelope
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import type { SQSEvent } from 'aws-lambda';
 * import { InvalidOutboxEventError, parseOutboxEvent } from 'dynamo-outbox/runtime';
 *
 * const logger = new Logger({ serviceName: 'order-audit' });
 *
 * // An audit trail only logs, and logging twice is harmless: no inbox needed.
 * export const handler = async (event: SQSEvent): Promise<void> => {
 *   for (const record of event.Records) {
 *     try {
 *       const { detailType, envelope } = parseOutboxEvent(JSON.parse(record.body));
 *       logger.info(detailType, { orderId: envelope.aggregateId, data: envelope.data });
 *     } catch (error) {
 *       // Retrying cannot make it an outbox event: note it and go on with the batch.
 *       if (!(error instanceof InvalidOutboxEventError)) throw error;
 *       logger.warn('not an outbox event', { messageId: record.messageId, error });
 *     }
 *   }
 * };
 * ```
 */
export function parseOutboxEvent(event: unknown): OutboxEvent {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidOutboxEventError(
      `not an outbox event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    id: parsed.data.id,
    source: parsed.data.source,
    detailType: parsed.data['detail-type'],
    envelope: parsed.data.detail as EventEnvelope,
  };
}
