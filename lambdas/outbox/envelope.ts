/**
 * The Detail of every event the relay publishes. Consumers de-duplicate on `eventId` and
 * detect gaps or reordering with `sequence`, which is contiguous per aggregate.
 */
export interface EventEnvelope<TData = Record<string, unknown>> {
  /** Stable, time-sortable id (UUIDv7); the same on every re-delivery. */
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Per-aggregate sequence: 1, 2, 3 … with no gap. */
  readonly sequence: number;
  /** ISO-8601 time the event happened; also the PutEvents `Time`. */
  readonly occurredAt: string;
  /** The domain payload. */
  readonly data: TData;
  readonly metadata: EventMetadata;
}

/**
 * Tracing fields that travel with an event.
 */
export interface EventMetadata {
  /** Id of the request or flow that caused the event. */
  readonly correlationId?: string;
  /** Id of the message (command or event) that directly caused this event. */
  readonly causationId?: string;
}

/**
 * Builds an envelope; omits metadata fields that are not set, so the Detail carries no
 * `null`s.
 * @internal
 */
export function buildEnvelope<TData>(input: {
  eventId: string;
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  occurredAt: string;
  data: TData;
  correlationId?: string | undefined;
  causationId?: string | undefined;
}): EventEnvelope<TData> {
  const metadata: { correlationId?: string; causationId?: string } = {};
  if (input.correlationId !== undefined) metadata.correlationId = input.correlationId;
  if (input.causationId !== undefined) metadata.causationId = input.causationId;
  return {
    eventId: input.eventId,
    aggregateType: input.aggregateType,
    aggregateId: input.aggregateId,
    sequence: input.sequence,
    occurredAt: input.occurredAt,
    data: input.data,
    metadata,
  };
}
