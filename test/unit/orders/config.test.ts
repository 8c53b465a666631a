import { describe, expect, it } from 'vitest';
import { loadOrdersConfig, OrdersConfigError } from '../../../lambdas/orders/index.js';

describe('loadOrdersConfig', () => {
  it('reads the orders table and the writer settings, defaulting shards and entry size', () => {
    expect(loadOrdersConfig({ ORDERS_TABLE_NAME: 'o', OUTBOX_TABLE_NAME: 'x' })).toEqual({
      ordersTableName: 'o',
      writer: { tableName: 'x', pendingShards: 16, maxEntryBytes: 1_048_576 },
    });
  });

  it('takes the writer settings the construct passes', () => {
    const config = loadOrdersConfig({
      ORDERS_TABLE_NAME: 'o',
      OUTBOX_TABLE_NAME: 'x',
      OUTBOX_PENDING_SHARDS: '32',
      OUTBOX_MAX_ENTRY_BYTES: '262144',
    });

    expect(config.writer).toEqual({ tableName: 'x', pendingShards: 32, maxEntryBytes: 262_144 });
  });

  it('fails if a table name is missing, naming every missing variable', () => {
    expect(() => loadOrdersConfig({})).toThrow(OrdersConfigError);
    expect(() => loadOrdersConfig({})).toThrow(
      /ORDERS_TABLE_NAME: is required; .*OUTBOX_TABLE_NAME: is required/,
    );
  });

  it('fails if OUTBOX_MAX_ENTRY_BYTES is not an integer, naming the variable', () => {
    expect(() =>
      loadOrdersConfig({
        ORDERS_TABLE_NAME: 'o',
        OUTBOX_TABLE_NAME: 'x',
        OUTBOX_MAX_ENTRY_BYTES: 'lots',
      }),
    ).toThrow('OUTBOX_MAX_ENTRY_BYTES');
  });
});
