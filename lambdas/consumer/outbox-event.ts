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
