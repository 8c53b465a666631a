import type { OutboxRecord } from './outbox-record.js';
import { aggregateKey, IDEMPOTENCY_PK_PREFIX } from './schema.js';

/**
 * Why a record's events do not belong to its key, or undefined when they do. The key is
 * what IAM can restrict (`dynamodb:LeadingKeys` on `<type>#*`); the events' envelopes are
 * what consumers trust. Delivering only events whose envelope names the record's own
 * aggregate makes the one stand for the other: a writer allowed the keys of one aggregate
 * type cannot publish events of another. An idempotency key never holds events.
 *
 * @example
 * keyMismatch(record); // "events[0] names aggregate Payment#p-1, not the record's key Order#o-1"
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
    if (named?.type !== aggregateType || named.id !== aggregateId) {
      const label = named === undefined ? 'no aggregate' : `aggregate ${named.type}#${named.id}`;
      return `events[${i}] names ${label}, not the record's key ${pk}`;
    }
  }
  return undefined;
}

/** The aggregate an event's Detail (its envelope) names, if it names one. */
function envelopeAggregate(detail: string): { type: string; id: string } | undefined {
  try {
    const envelope = JSON.parse(detail) as { aggregateType?: unknown; aggregateId?: unknown };
    const { aggregateType: type, aggregateId: id } = envelope ?? {};
    return typeof type === 'string' && typeof id === 'string' ? { type, id } : undefined;
  } catch {
    return undefined;
  }
}
