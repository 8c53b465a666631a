import { describe, expect, it } from 'vitest';
import { loadOrdersConfig, OrdersConfigError } from '../../../lambdas/orders/index.js';

describe('loadOrdersConfig', () => {
  it('reads the table names and defaults the event size limit to 1 MB', () => {
    expect(loadOrdersConfig({ ORDERS_TABLE_NAME: 'o', OUTBOX_TABLE_NAME: 'x' })).toEqual({
      ordersTableName: 'o',
      outboxTableName: 'x',
      maxEventBytes: 1_048_576,
    });
  });

  it('fails if a table name is missing, naming the variable', () => {
    expect(() => loadOrdersConfig({ OUTBOX_TABLE_NAME: 'x' })).toThrow(OrdersConfigError);
    expect(() => loadOrdersConfig({ OUTBOX_TABLE_NAME: 'x' })).toThrow(
      'ORDERS_TABLE_NAME: is required',
    );
  });

  it('fails if MAX_EVENT_BYTES is not a positive integer, naming the variable', () => {
    expect(() =>
      loadOrdersConfig({ ORDERS_TABLE_NAME: 'o', OUTBOX_TABLE_NAME: 'x', MAX_EVENT_BYTES: 'lots' }),
    ).toThrow('MAX_EVENT_BYTES');
  });
});
