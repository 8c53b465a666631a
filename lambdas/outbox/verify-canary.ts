/**
 * The event `npx dynamo-outbox verify` writes through the outbox to prove the pipeline works:
 * its own aggregate type, source and detail type, so consumers can filter it out and a bus
 * policy restricted to the outbox's sources can still let it through.
 * @internal
 */
export const VERIFY_CANARY = {
  aggregateType: 'OutboxVerifyCanary',
  source: 'dynamo-outbox.verify',
  detailType: 'OutboxVerifyCanary',
} as const;
