import type { TableDefinition } from '../outbox/schema.js';

/** Partition key of the orders table. */
export const ORDER_KEY = 'id';

/** The example service's orders table: one item per order, keyed by its id. */
export const ordersTableDefinition: TableDefinition = {
  partitionKey: { name: ORDER_KEY, type: 'S' },
  globalSecondaryIndexes: [],
};

/** Aggregate type of orders in the outbox (`Order#<id>`) and in event envelopes. */
export const ORDER_AGGREGATE_TYPE = 'Order';
