import { afterEach, describe, expect, it, vi } from 'vitest';

// The handler reads its environment at import (cold start): import it afresh per test.
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the shipping consumer Lambda', () => {
  it('fails at cold start if SHIPMENTS_TABLE_NAME is missing, naming it', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', undefined);
    vi.stubEnv('INBOX_TABLE_NAME', 'shipping-inbox');

    const loading = import('../../../lambdas/shipping/handler.js');

    await expect(loading).rejects.toThrow(
      'invalid shipping environment: SHIPMENTS_TABLE_NAME: is required',
    );
  });

  it('fails at cold start if the inbox environment the construct sets is missing, naming it', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', 'shipments');
    vi.stubEnv('INBOX_TABLE_NAME', undefined);

    const loading = import('../../../lambdas/shipping/handler.js');

    await expect(loading).rejects.toThrow('INBOX_TABLE_NAME: is required');
  });

  it('starts with both', async () => {
    vi.stubEnv('SHIPMENTS_TABLE_NAME', 'shipments');
    vi.stubEnv('INBOX_TABLE_NAME', 'shipping-inbox');

    const { handler } = await import('../../../lambdas/shipping/handler.js');

    expect(typeof handler).toBe('function');
  });
});
