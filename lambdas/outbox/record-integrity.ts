import type { OutboxRecord } from './outbox-record.js';
import { aggregateKey, IDEMPOTENCY_PK_PREFIX } from './schema.js';

/**
 * Why a record's events do not belong to its key, or undefined when they do. The key is
 * what IAM can restrict (`dynamodb:LeadingKeys` on `<type>#*`); the events' envelopes are
 * what consumers trust. Delivering only events whose envelope names the record's own
 * aggregate makes the one stand for the other: a writer allowed the keys of one aggregate
 * type cannot publish events of another. An idempotency key never holds events.
 * @internal
 */
export function keyMismatch(record: OutboxRecord): string | undefined {
  const { pk, aggregateType, aggregateId } = record;
  if (pk.startsWith(IDEMPOTENCY_PK_PREFIX)) {
    return `key ${pk} is an idempotency record's, which never holds events`;
  }
  if (
    typeof aggregateType !== 'string' ||
    typeof aggregateId !== 'string' ||
    aggregateKey(aggregateType, aggregateId) !== pk
  ) {
    return `the record names aggregate ${String(aggregateType)}#${String(aggregateId)}, not its key ${pk}`;
  }
  for (const [i, event] of record.events.entries()) {
    const named = envelopeAggregate(event.detail);
    // Not a JSON object: EventBridge refuses it (MalformedDetail), and the relay quarantines it.
    if (named === NOT_AN_OBJECT) continue;
    if (named?.type !== aggregateType || named.id !== aggregateId) {
      const label = named === undefined ? 'no aggregate' : `aggregate ${named.type}#${named.id}`;
      return `events[${i}] names ${label}, not the record's key ${pk}`;
    }
  }
  return undefined;
}

const NOT_AN_OBJECT = Symbol('not a JSON object');

/** The aggregate an event's Detail (its envelope) names, if it names one. */
function envelopeAggregate(
  detail: string,
): { type: string; id: string } | undefined | typeof NOT_AN_OBJECT {
  let envelope: unknown;
  try {
    envelope = JSON.parse(detail);
  } catch {
    return NOT_AN_OBJECT;
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return NOT_AN_OBJECT;
  }
  const { aggregateType: type, aggregateId: id } = envelope as Record<string, unknown>;
  return typeof type === 'string' && typeof id === 'string' ? { type, id } : undefined;
}
