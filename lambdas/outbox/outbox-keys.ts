/**
 * How items of the outbox table are keyed: an outbox record by its aggregate and the
 * sequence of its last event, an idempotency record by its key.
 */

/** Partition key: the aggregate key, `<aggregateType>#<aggregateId>`. @internal */
export const PK = 'pk';
/** Sort key: the zero-padded sequence of the record's last event. @internal */
export const SK = 'sk';

/**
 * The outbox partition key of an aggregate.
 * @internal
 */
export function aggregateKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}#${aggregateId}`;
}

/** Sort key value of every idempotency record. @internal */
export const IDEMPOTENCY_SK = 'IDEMPOTENCY';
/**
 * Prefix of an idempotency record's partition key; cannot clash with an aggregate key.
 * @internal
 */
export const IDEMPOTENCY_PK_PREFIX = 'IDEMPOTENCY#';
