import { z } from 'zod';
import type { EventEnvelope } from '../outbox/index.js';
import { InvalidOutboxEventError } from './errors.js';

const envelopeSchema = z.object({
  eventId: z.string().min(1),
  aggregateType: z.string().min(1),
  aggregateId: z.string().min(1),
  sequence: z.number().int().min(1),
  occurredAt: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  metadata: z
    .object({ correlationId: z.string().optional(), causationId: z.string().optional() })
    .default({}),
});

/** An EventBridge event whose detail is an outbox envelope. */
export interface OutboxEvent {
  /** EventBridge's id of this delivery. */
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly envelope: EventEnvelope;
}

const eventSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: envelopeSchema,
});

/**
 * Reads an EventBridge event (as a Lambda target receives it, or as the body of an SQS
 * message the rule sent) as an outbox event.
 *
 * @throws InvalidOutboxEventError when it does not carry an outbox envelope
 * @example
 * const { envelope } = parseOutboxEvent(JSON.parse(record.body));
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
