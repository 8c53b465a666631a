import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
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
