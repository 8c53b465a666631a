import type { Output } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { requireResource, resolveResources } from '../../../cli/resources.js';

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/0f1e2d3c';

/** A CloudFormation client whose DescribeStacks answers with these outputs. */
const aStack = (outputs: readonly Output[]) => ({
  cloudFormation: () => ({
    send: async () => ({ Stacks: [{ StackName: 'Orders', StackId: STACK_ID, Outputs: outputs }] }),
  }),
});

describe('resolveResources with --stack', () => {
  it("reads the outputs named exactly, and the stack's ARN", async () => {
    const found = await resolveResources(
      { stack: 'Orders', region: 'eu-west-1' },
      aStack([
        { OutputKey: 'OutboxTableName', OutputValue: 'Orders-OutboxTable-1' },
        { OutputKey: 'DeadLetterQueueUrl', OutputValue: 'https://sqs.example/1/dlq' },
        { OutputKey: 'ShippingRuleDeadLetterQueueUrl', OutputValue: 'https://sqs.example/1/rule' },
      ]),
    );

    expect(found).toEqual({
      target: { kind: 'aws', region: 'eu-west-1' },
      origin: 'stack Orders',
      stackId: STACK_ID,
      tableName: 'Orders-OutboxTable-1',
      dlqUrl: 'https://sqs.example/1/dlq',
    });
  });

  it('fails if an output that merely contains the name stands in for a missing one', async () => {
    const found = await resolveResources(
      { stack: 'Orders' },
      aStack([
        { OutputKey: 'ShippingRuleDeadLetterQueueUrl', OutputValue: 'https://sqs.example/1/rule' },
        { OutputKey: 'OtherEventBusName', OutputValue: 'someone-elses-bus' },
      ]),
    );

    expect(found.dlqUrl).toBeUndefined();
    expect(found.eventBusName).toBeUndefined();
    expect(() => requireResource(found, 'dlqUrl')).toThrow(
      'no dead-letter queue URL: stack Orders has no output DeadLetterQueueUrl; pass --dlq-url',
    );
  });

  it("takes a Custom Event Bus's ARN as the bus of a stack that outputs EventBusArn", async () => {
    const arn =
      'arn:aws:events:eu-west-1:111122223333:event-busv2/orders/abcdefghij0123456789klmno';

    const found = await resolveResources(
      { stack: 'Orders' },
      aStack([{ OutputKey: 'EventBusArn', OutputValue: arn }]),
    );

    expect(found.eventBusName).toBe(arn);
  });

  it('keeps EventBusName over a classic bus ARN output', async () => {
    const found = await resolveResources(
      { stack: 'Orders' },
      aStack([
        { OutputKey: 'EventBusName', OutputValue: 'orders-bus' },
        {
          OutputKey: 'EventBusArn',
          OutputValue: 'arn:aws:events:eu-west-1:111122223333:event-bus/orders-bus',
        },
      ]),
    );

    expect(found.eventBusName).toBe('orders-bus');
  });
});
