import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OrdersOnCustomBusStack } from '../../docs/examples/custom-bus.js';
import { PaymentsStack } from '../../docs/examples/outbox-in-your-stack.js';
import { testApp } from '../helpers/cdk.js';

const example = readFileSync(
  new URL('../../docs/examples/outbox-in-your-stack.ts', import.meta.url),
  'utf8',
);
const handlerExample = readFileSync(
  new URL('../../docs/examples/capture-payment.ts', import.meta.url),
  'utf8',
);
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README example "Use it in your stack"', () => {
  it('is the compiled example file, word for word', () => {
    expect(readme).toContain(example.trim());
  });

  it('shows the compiled handler example word for word too', () => {
    expect(readme).toContain(handlerExample.trim());
  });

  it('synthesizes an outbox (relay and sweeper) and the command handler with its grants', () => {
    const template = Template.fromStack(new PaymentsStack(testApp(), 'Payments'));

    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, 3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { RETENTION_DAYS: '3' } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          PAYMENTS_TABLE_NAME: { Ref: Match.anyValue() },
          OUTBOX_TABLE_NAME: { Ref: Match.anyValue() },
          OUTBOX_PENDING_SHARDS: '16',
          OUTBOX_MAX_ENTRY_BYTES: String(1_048_576 - 8_192),
        },
      },
    });
  });
});

describe('the docs/construct.md example "Choosing a bus"', () => {
  const customBusExample = readFileSync(
    new URL('../../docs/examples/custom-bus.ts', import.meta.url),
    'utf8',
  );
  const consumerExample = readFileSync(
    new URL('../../docs/examples/invoicing.ts', import.meta.url),
    'utf8',
  );
  const constructPage = readFileSync(new URL('../../docs/construct.md', import.meta.url), 'utf8');

  it('is the compiled example files, word for word', () => {
    expect(constructPage).toContain(customBusExample.trim());
    expect(constructPage).toContain(consumerExample.trim());
  });

  it('synthesizes a Custom Event Bus kept 14 days and a FIFO subscriber feeding the consumer', () => {
    const template = Template.fromStack(new OrdersOnCustomBusStack(testApp(), 'Orders'));

    template.hasResourceProperties('AWS::EventsV2::EventBus', {
      StorageConfiguration: { RetentionPeriodInDays: 14 },
    });
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      Type: 'FIFO',
      FilterConfiguration: {
        Filters: [
          {
            Scope: 'DATA',
            Pattern: JSON.stringify({
              source: ['com.example.orders'],
              'detail-type': ['OrderConfirmed', 'OrderCancelled'],
            }),
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          INVOICES_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Invoices') },
          INBOX_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
  });
});
