import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    environment: 'node',
    env: {
      // Tests never reach AWS: mocked clients, or loopback endpoints with fake credentials.
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // What the Orders handlers read at module scope (see test/helpers/orders-fixtures.ts).
      ORDERS_TABLE_NAME: 'orders-test',
      OUTBOX_TABLE_NAME: 'outbox-test',
      // … and the relay.
      EVENT_BUS_NAME: 'orders-bus',
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq',
    },
    testTimeout: 20_000,
    // Synthesizing a stack or starting DynamoDB Local in a hook can take a while on 2 busy cores.
    hookTimeout: 90_000,
    // Handlers create their clients and read env at module scope; isolate each file.
    isolate: true,
  },
});
