import type { TableDefinition } from '../outbox/schema.js';

/** Partition key of the inbox table. @internal */
export const INBOX_PK = 'pk';
/** TTL attribute of the inbox (epoch seconds); cursors never expire. @internal */
export const INBOX_TTL_ATTRIBUTE = 'expiresAt';
/** Attribute of a cursor item holding the last applied sequence of an aggregate. @internal */
export const LAST_SEQUENCE_ATTRIBUTE = 'lastSequence';
/** Attribute of an event item: when the event was applied (every event item has it). @internal */
export const APPLIED_AT_ATTRIBUTE = 'appliedAt';

/** The key of the item that records an applied event. @internal */
export const eventKey = (eventId: string): string => `EVENT#${eventId}`;
/** The key of the item that tracks an aggregate's last applied sequence. @internal */
export const cursorKey = (aggregateType: string, aggregateId: string): string =>
  `CURSOR#${aggregateType}#${aggregateId}`;

/** A consumer's inbox table: one item per applied event (with a TTL), one cursor per aggregate. */
export const inboxTableDefinition: TableDefinition = {
  partitionKey: { name: INBOX_PK, type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: INBOX_TTL_ATTRIBUTE,
};
