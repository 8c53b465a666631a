import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeTarget, renderTarget } from '../../../cli/operator-target.js';
import type { OutboxResources } from '../../../cli/resources.js';

const eventBridgeMock = mockClient(EventBridgeClient);
const eventBridge = new EventBridgeClient({ region: 'eu-west-1' });

const onAws = (resources: Partial<OutboxResources>): OutboxResources => ({
  target: { kind: 'aws' },
  origin: 'flags',
  ...resources,
});

describe('describeTarget', () => {
  beforeEach(() => eventBridgeMock.reset());

  it("reads the account from the stack's ARN, and the region from the client", async () => {
    const target = await describeTarget(
      onAws({
        origin: 'stack Orders',
        stackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/0f1e2d3c',
        tableName: 'Orders-Outbox',
        eventBusName: 'orders',
      }),
      { eventBridge },
    );

    expect(target).toEqual({
      account: '111122223333',
      accountFrom: "the stack's ARN",
      region: 'eu-west-1',
      resourcesFrom: 'stack Orders',
      tableName: 'Orders-Outbox',
      eventBusName: 'orders',
    });
    expect(eventBridgeMock.calls()).toHaveLength(0);
  });

  it("reads it from the bus's ARN without a stack", async () => {
    eventBridgeMock
      .on(DescribeEventBusCommand, { Name: 'orders' })
      .resolves({ Name: 'orders', Arn: 'arn:aws:events:eu-west-1:444455556666:event-bus/orders' });

    const target = await describeTarget(onAws({ eventBusName: 'orders' }), { eventBridge });

    expect(target).toMatchObject({ account: '444455556666', accountFrom: 'the event bus ARN' });
  });

  it('reads it from the queue URL when the bus cannot be described', async () => {
    eventBridgeMock.on(DescribeEventBusCommand).rejects(new Error('AccessDenied'));

    const target = await describeTarget(
      onAws({
        eventBusName: 'orders',
        dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/777788889999/outbox-dlq',
      }),
      { eventBridge },
    );

    expect(target).toMatchObject({
      account: '777788889999',
      accountFrom: 'the dead-letter queue URL',
    });
  });

  it('says when nothing names the account, and local mode has none', async () => {
    const unknown = await describeTarget(onAws({ tableName: 'outbox' }), { eventBridge });
    const local = await describeTarget(
      {
        target: {
          kind: 'local',
          region: 'us-east-1',
          dynamoDbEndpoint: 'http://127.0.0.1:8000',
          busEndpoint: 'http://127.0.0.1:4010',
        },
        origin: 'local mode',
      },
      { eventBridge },
    );

    expect(unknown.account).toBe('unknown');
    expect(local).toMatchObject({ account: 'local mode', region: 'us-east-1' });
    expect(renderTarget(unknown)).toContain('account:           unknown');
  });
});
