import { describe, expect, it } from 'vitest';
import { loadRelayConfig, RelayConfigError } from '../../../lambdas/relay/index.js';

const required = {
  EVENT_BUS_NAME: 'bus',
  OUTBOX_TABLE_NAME: 'outbox',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
};

const CUSTOM_BUS_ARN =
  'arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghij0123456789klmno';

describe('loadRelayConfig', () => {
  it('reads the required variables and applies the defaults', () => {
    expect(loadRelayConfig(required)).toEqual({
      bus: { kind: 'classic', eventBusName: 'bus' },
      outboxTableName: 'outbox',
      dlqUrl: required.DLQ_URL,
      retentionDays: 7,
      maxRequestBytes: 1_048_576,
      publishConcurrency: 4,
      safetyMarginMs: 2_000,
      verifyEventBus: true,
      predecessorWaitMs: 1_000,
    });
  });

  it('reads a Custom Event Bus by its ARN', () => {
    const config = loadRelayConfig({
      OUTBOX_TABLE_NAME: 'outbox',
      DLQ_URL: required.DLQ_URL,
      EVENT_BUS_KIND: 'custom',
      EVENT_BUS_ARN: CUSTOM_BUS_ARN,
    });

    expect(config.bus).toEqual({ kind: 'custom', eventBusArn: CUSTOM_BUS_ARN });
  });

  it.each([
    [
      'the ARN is missing',
      { ...required, EVENT_BUS_KIND: 'custom' },
      'EVENT_BUS_ARN: is required when EVENT_BUS_KIND is custom',
    ],
    [
      'the ARN is a classic bus ARN',
      {
        ...required,
        EVENT_BUS_KIND: 'custom',
        EVENT_BUS_ARN: 'arn:aws:events:us-east-1:123456789012:event-bus/orders',
      },
      'EVENT_BUS_ARN: must be an event-busv2 ARN',
    ],
    [
      'the kind is unknown',
      { ...required, EVENT_BUS_KIND: 'fifo' },
      'EVENT_BUS_KIND: must be classic or custom',
    ],
  ])('fails if %s, naming the variable', (_, env, message) => {
    expect(() => loadRelayConfig(env)).toThrow(message);
  });

  it('reads every optional variable', () => {
    const config = loadRelayConfig({
      ...required,
      RETENTION_DAYS: '3',
      MAX_REQUEST_BYTES: '262144',
      PUBLISH_CONCURRENCY: '8',
      SAFETY_MARGIN_MS: '500',
      PREDECESSOR_WAIT_MS: '0',
      VERIFY_EVENT_BUS: 'false',
    });

    expect(config).toMatchObject({
      retentionDays: 3,
      maxRequestBytes: 262_144,
      publishConcurrency: 8,
      safetyMarginMs: 500,
      predecessorWaitMs: 0,
      verifyEventBus: false,
    });
  });

  it.each([
    ['EVENT_BUS_NAME', { ...required, EVENT_BUS_NAME: undefined }, 'EVENT_BUS_NAME: is required'],
    ['DLQ_URL', { ...required, DLQ_URL: 'not a url' }, 'DLQ_URL: must be a URL'],
    [
      'RETENTION_DAYS',
      { ...required, RETENTION_DAYS: '0.5' },
      'RETENTION_DAYS: must be at least 1 day',
    ],
    [
      'MAX_REQUEST_BYTES',
      { ...required, MAX_REQUEST_BYTES: '2000000' },
      'MAX_REQUEST_BYTES: must be at most 1048576',
    ],
    [
      'PUBLISH_CONCURRENCY',
      { ...required, PUBLISH_CONCURRENCY: '0' },
      'PUBLISH_CONCURRENCY: must be at least 1',
    ],
    [
      'PUBLISH_CONCURRENCY (not an integer, which is not "missing")',
      { ...required, PUBLISH_CONCURRENCY: '2.5' },
      'PUBLISH_CONCURRENCY: must be an integer',
    ],
  ])('fails if %s is missing or bad, naming it', (_, env, message) => {
    expect(() => loadRelayConfig(env)).toThrow(RelayConfigError);
    expect(() => loadRelayConfig(env)).toThrow(message);
  });
});
