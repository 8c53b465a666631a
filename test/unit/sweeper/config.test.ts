import { describe, expect, it } from 'vitest';
import { loadSweeperConfig, SweeperConfigError } from '../../../lambdas/sweeper/index.js';

const required = {
  EVENT_BUS_NAME: 'bus',
  OUTBOX_TABLE_NAME: 'outbox',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
};

describe('loadSweeperConfig', () => {
  it('reads the delivery variables and defaults the sweeper settings', () => {
    expect(loadSweeperConfig(required)).toMatchObject({
      bus: { kind: 'classic', eventBusName: 'bus' },
      graceSeconds: 300,
      maxRecordsPerRun: 1_000,
      pendingShards: 16,
      retentionDays: 7,
    });
  });

  it.each([
    [
      'OUTBOX_TABLE_NAME',
      { ...required, OUTBOX_TABLE_NAME: undefined },
      'OUTBOX_TABLE_NAME: is required',
    ],
    ['GRACE_SECONDS', { ...required, GRACE_SECONDS: '-1' }, 'GRACE_SECONDS: must be at least 0'],
    ['MAX_RECORDS_PER_RUN', { ...required, MAX_RECORDS_PER_RUN: 'many' }, 'MAX_RECORDS_PER_RUN'],
  ])('fails if %s is missing or bad, naming it', (_, env, message) => {
    expect(() => loadSweeperConfig(env)).toThrow(SweeperConfigError);
    expect(() => loadSweeperConfig(env)).toThrow(message);
  });
});
