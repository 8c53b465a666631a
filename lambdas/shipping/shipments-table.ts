import type { TableDefinition } from '../outbox/schema.js';

/** The example shipping service's table: one shipment per order. */
export const shipmentsTableDefinition: TableDefinition = {
  partitionKey: { name: 'orderId', type: 'S' },
  globalSecondaryIndexes: [],
};
