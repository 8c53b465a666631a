/** Lifecycle of an outbox record: PENDING → DELIVERED, or PENDING → FAILED (quarantined). */
export const OutboxStatus = {
  pending: 'PENDING',
  delivered: 'DELIVERED',
  failed: 'FAILED',
} as const;
/** The `status` of an outbox record: `'PENDING'`, `'DELIVERED'` or `'FAILED'`. */
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];
