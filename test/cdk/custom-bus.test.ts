import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import {
  OutboxBus,
  TransactionalOutbox,
  type TransactionalOutboxProps,
  WrongBusKindError,
} from '../../lib/index.js';
import { alarmMetrics, deadLetterQueueIds, testApp, testStack } from '../helpers/cdk.js';
import {
  A_CUSTOM_BUS_ARN,
  actionsOf,
  customBusOutbox,
  encryptedCustomBusOutbox,
  getAtt,
  statementsOfRole,
  tokenArn,
} from '../helpers/custom-bus-fixtures.js';

/** The actions the relay's (or the sweeper's) role allows on `resource`. */
const actionsOn = (template: Template, rolePrefix: string, resource: unknown) =>
  actionsOf(
    statementsOfRole(template, rolePrefix).filter((s) =>
      [s.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(resource)),
    ),
  );

describe('TransactionalOutbox on a new Custom Event Bus (OutboxBus.custom)', () => {
  it('creates an AWS::EventsV2::EventBus keeping events 7 days, with no classic bus and no bus policy', () => {
    const { template } = customBusOutbox();

    template.resourceCountIs('AWS::EventsV2::EventBus', 1);
    template.hasResourceProperties('AWS::EventsV2::EventBus', {
      Name: Match.stringLikeRegexp('^Test-Outbox-[A-F0-9]{8}$'),
      StorageConfiguration: { RetentionPeriodInDays: 7 },
      EncryptionConfiguration: Match.absent(),
    });
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    template.resourceCountIs('AWS::EventsV2::ResourcePolicy', 0);
  });

  it('takes the name, the retention and a customer managed key', () => {
    const stack = testStack();
    const encryptionKey = new Key(stack, 'BusKey', { enableKeyRotation: true });

    customBusOutbox(
      { busName: 'orders.events', retention: Duration.days(30), encryptionKey },
      {},
      stack,
    );

    Template.fromStack(stack).hasResourceProperties('AWS::EventsV2::EventBus', {
      Name: 'orders.events',
      StorageConfiguration: { RetentionPeriodInDays: 30 },
      EncryptionConfiguration: { KmsKeyIdentifier: getAtt(stack, encryptionKey, 'Arn') },
    });
  });

  it('exposes its kind, its ARN and the bus it created, and refuses the classic eventBus', () => {
    const { outbox, stack } = customBusOutbox();

    expect(outbox.busKind).toBe('custom');
    expect(outbox.customEventBus).toBeDefined();
    expect(stack.resolve(outbox.eventBusArn)).toEqual(
      getAtt(stack, outbox.customEventBus as never, 'EventBusArn'),
    );
    expect(() => outbox.eventBus).toThrow(WrongBusKindError);
    expect(() => outbox.eventBus).toThrow(
      'use eventBusArn (or customEventBus) instead of eventBus',
    );
  });

  it('tells the relay and the sweeper the kind and the ARN of the bus, and no bus name', () => {
    const { template, stack, outbox } = customBusOutbox();
    const arn = getAtt(stack, outbox.customEventBus as never, 'EventBusArn');

    for (const fn of [outbox.relayFunction, outbox.sweeperFunction]) {
      const resource =
        template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)];
      expect(resource.Properties.Environment.Variables).toMatchObject({
        EVENT_BUS_KIND: 'custom',
        EVENT_BUS_ARN: arn,
        VERIFY_EVENT_BUS: 'true',
      });
      expect(resource.Properties.Environment.Variables).not.toHaveProperty('EVENT_BUS_NAME');
    }
  });

  it('lets the relay and the sweeper put events on and describe that bus only, with events: actions', () => {
    const { template, stack, outbox } = customBusOutbox();
    const arn = getAtt(stack, outbox.customEventBus as never, 'EventBusArn');

    for (const role of ['OutboxRelayRole', 'OutboxSweeperRole']) {
      expect(actionsOn(template, role, arn)).toEqual([
        'events:DescribeEventBus',
        'events:PutEvents',
      ]);
      const actions = actionsOf(statementsOfRole(template, role));
      expect(actions.filter((a) => a.startsWith('events:'))).toEqual([
        'events:DescribeEventBus',
        'events:PutEvents',
      ]);
      expect(actions.filter((a) => a.startsWith('eventsv2:') || a.startsWith('kms:'))).toEqual([]);
    }
  });

  it('lets the relay and the sweeper decrypt with the customer managed key of the bus', () => {
    const { template, stack, encryptionKey } = encryptedCustomBusOutbox();

    for (const role of ['OutboxRelayRole', 'OutboxSweeperRole']) {
      expect(actionsOn(template, role, getAtt(stack, encryptionKey, 'Arn'))).toEqual([
        'kms:Decrypt',
      ]);
    }
  });

  it('alarms as on a classic bus, only on queues something dead-letters into', () => {
    const { template } = customBusOutbox();
    const queues = deadLetterQueueIds(template);

    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const metric of alarmMetrics(template).filter((m) => m.namespace === 'AWS/SQS')) {
      const queue = (metric.dimensions.QueueName as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ];
      expect(queues.has(queue[0]), metric.from).toBe(true);
    }
  });
});

describe('TransactionalOutbox on an existing Custom Event Bus (OutboxBus.fromCustomBusArn)', () => {
  it('publishes to the bus at that ARN and creates none', () => {
    const stack = testStack();

    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      bus: OutboxBus.fromCustomBusArn(A_CUSTOM_BUS_ARN),
    });
    const template = Template.fromStack(stack);

    expect(outbox.eventBusArn).toBe(A_CUSTOM_BUS_ARN);
    expect(outbox.customEventBus).toBeUndefined();
    template.resourceCountIs('AWS::EventsV2::EventBus', 0);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ EVENT_BUS_KIND: 'custom', EVENT_BUS_ARN: A_CUSTOM_BUS_ARN }),
      },
    });
    expect(actionsOn(template, 'OutboxRelayRole', A_CUSTOM_BUS_ARN)).toEqual([
      'events:DescribeEventBus',
      'events:PutEvents',
    ]);
  });

  it('lets the publishers decrypt with the key the bus is encrypted with, when given', () => {
    const stack = testStack();
    const key = Key.fromKeyArn(
      stack,
      'BusKey',
      'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );

    new TransactionalOutbox(stack, 'Outbox', {
      bus: OutboxBus.fromCustomBusArn(A_CUSTOM_BUS_ARN, { encryptionKey: key }),
    });

    expect(actionsOn(Template.fromStack(stack), 'OutboxSweeperRole', key.keyArn)).toEqual([
      'kms:Decrypt',
    ]);
  });

  it('turns the existence check off for a bus of another account, with a synth warning', () => {
    const stack = new Stack(testApp(), 'Orders', {
      env: { account: '111111111111', region: 'us-east-1' },
    });

    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      bus: OutboxBus.fromCustomBusArn(A_CUSTOM_BUS_ARN),
    });
    const template = Template.fromStack(stack);

    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ VERIFY_EVENT_BUS: 'false' }) },
    });
    expect(actionsOn(template, 'OutboxRelayRole', A_CUSTOM_BUS_ARN)).toEqual(['events:PutEvents']);
    expect(
      outbox.node.metadata.filter(
        (m) => m.type === 'aws:cdk:warning' && String(m.data).includes('123456789012'),
      ),
    ).toHaveLength(1);
  });

  it('accepts an ARN only CloudFormation knows', () => {
    expect(
      () =>
        new TransactionalOutbox(testStack(), 'Outbox', {
          bus: OutboxBus.fromCustomBusArn(tokenArn()),
        }),
    ).not.toThrow();
  });
});

describe('operating an outbox on a Custom Event Bus', () => {
  const operator = (stack: Stack) =>
    new Role(stack, 'Operator', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });

  it('grants the operators the same reads, and publishing and decrypting on the custom bus', () => {
    const { stack, outbox, encryptionKey } = encryptedCustomBusOutbox();
    const role = operator(stack);

    outbox.grantOperate(role);
    const statements = statementsOfRole(Template.fromStack(stack), 'Operator');

    expect(statements).toContainEqual({
      Sid: 'PublishToTheBus',
      Effect: 'Allow',
      Action: ['events:DescribeEventBus', 'events:PutEvents'],
      Resource: getAtt(stack, outbox.customEventBus as never, 'EventBusArn'),
    });
    expect(statements).toContainEqual({
      Sid: 'DecryptWithTheBusKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: getAtt(stack, encryptionKey, 'Arn'),
    });
  });

  it('lets allowPublishing() put events on the custom bus and decrypt with its key', () => {
    const { stack, outbox, encryptionKey } = encryptedCustomBusOutbox();
    const role = operator(stack);

    outbox.allowPublishing(role);
    const template = Template.fromStack(stack);

    expect(
      actionsOn(template, 'Operator', getAtt(stack, outbox.customEventBus as never, 'EventBusArn')),
    ).toEqual(['events:PutEvents']);
    expect(actionsOn(template, 'Operator', getAtt(stack, encryptionKey, 'Arn'))).toEqual([
      'kms:Decrypt',
    ]);
  });

  it('fails if asked for the props of a classic bus policy', () => {
    const { outbox } = customBusOutbox();

    expect(() => outbox.busPolicyProps()).toThrow(WrongBusKindError);
  });
});

describe('the metrics of an outbox on a Custom Event Bus', () => {
  it("count the entries the bus de-duplicated, as the relay's EMF metric", () => {
    const { outbox } = customBusOutbox();

    expect(outbox.metricEventsDeduplicated()).toMatchObject({
      namespace: 'DynamoOutbox',
      metricName: 'EventsDeduplicated',
      dimensions: { service: 'Test-Outbox-relay' },
      statistic: 'Sum',
    });
  });

  it('show the de-duplicated events on the dashboard', () => {
    const { template } = customBusOutbox();

    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));

    expect(body).toContain('EventsDeduplicated');
  });

  it('fails if the de-duplication metric is asked of a classic bus, which never de-duplicates', () => {
    const stack = testStack();
    const outbox = new TransactionalOutbox(stack, 'Outbox');

    expect(() => outbox.metricEventsDeduplicated()).toThrow(WrongBusKindError);
    expect(() => outbox.metric('EventsDeduplicated')).toThrow(
      "metric 'EventsDeduplicated' is emitted only on a Custom Event Bus",
    );
    expect(
      JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')),
    ).not.toContain('EventsDeduplicated');
  });
});

describe('TransactionalOutbox on a classic bus, next to the Custom Event Bus', () => {
  it('sets exactly the variables of before on the relay and the sweeper: the bus name, no kind, no ARN', () => {
    const stack = testStack();
    const outbox = new TransactionalOutbox(stack, 'Outbox');
    const template = Template.fromStack(stack);

    for (const fn of [outbox.relayFunction, outbox.sweeperFunction]) {
      const resource =
        template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)];
      const variables = resource.Properties.Environment.Variables;
      expect(variables.EVENT_BUS_NAME).toEqual({
        Ref: stack.getLogicalId(outbox.eventBus.node.defaultChild as never),
      });
      expect(Object.keys(variables).filter((v) => v.startsWith('EVENT_BUS'))).toEqual([
        'EVENT_BUS_NAME',
      ]);
    }
    expect(outbox.busKind).toBe('classic');
    expect(outbox.customEventBus).toBeUndefined();
  });

  it('publishes to the bus given as OutboxBus.classic(bus) as to eventBus', () => {
    const stack = testStack();
    const bus = EventBus.fromEventBusName(stack, 'Bus', 'shared-bus');

    const outbox = new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.classic(bus) });

    expect(outbox.eventBus).toBe(bus);
    expect(outbox.eventBusArn).toBe(bus.eventBusArn);
    Template.fromStack(stack).resourceCountIs('AWS::Events::EventBus', 0);
  });
});

describe('bus prop validation', () => {
  it.each<[string, () => TransactionalOutboxProps, string]>([
    [
      'eventBus and bus are both given',
      () => ({
        eventBus: EventBus.fromEventBusName(testStack(), 'Bus', 'shared-bus'),
        bus: OutboxBus.custom(),
      }),
      'give eventBus or bus, not both: got eventBus Test/Bus and bus OutboxBus.custom(…)',
    ],
    [
      'the bus name starts with a hyphen',
      () => ({ bus: OutboxBus.custom({ busName: '-orders' }) }),
      "busName must be 1..256 letters, digits, '.', '-' or '_' starting with a letter or digit, got '-orders'",
    ],
    [
      'the bus name holds a slash',
      () => ({ bus: OutboxBus.custom({ busName: 'orders/events' }) }),
      "got 'orders/events'",
    ],
    [
      'the retention is over 365 days',
      () => ({ bus: OutboxBus.custom({ retention: Duration.days(366) }) }),
      'retention of a Custom Event Bus must be whole days in 1..365, got 366 days',
    ],
    [
      'the retention is not whole days',
      () => ({ bus: OutboxBus.custom({ retention: Duration.hours(36) }) }),
      'must be whole days in 1..365, got 1 day 12 hours',
    ],
    [
      'the retention is under a day',
      () => ({ bus: OutboxBus.custom({ retention: Duration.hours(12) }) }),
      'got 12 hours',
    ],
    [
      'the ARN is a classic bus ARN',
      () => ({
        bus: OutboxBus.fromCustomBusArn('arn:aws:events:us-east-1:123456789012:event-bus/commerce'),
      }),
      'eventBusArn must be a Custom Event Bus ARN (arn:aws:events:<region>:<account>:event-busv2/<name>/<25-character id>), got arn:aws:events:us-east-1:123456789012:event-bus/commerce',
    ],
    [
      'the ARN has no 25-character id',
      () => ({
        bus: OutboxBus.fromCustomBusArn(
          'arn:aws:events:us-east-1:123456789012:event-busv2/commerce',
        ),
      }),
      'got arn:aws:events:us-east-1:123456789012:event-busv2/commerce',
    ],
  ])('fails if %s', (_, props, message) => {
    expect(() => new TransactionalOutbox(testStack(), 'Outbox', props())).toThrow(message);
  });
});

describe('the sweeper on a Custom Event Bus', () => {
  /** The sweeper's GRACE_SECONDS in the template. */
  const graceOf = (template: Template): unknown => {
    const sweepers = template.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ GRACE_SECONDS: Match.anyValue() }) },
      },
    });
    const [sweeper] = Object.values(sweepers) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }[];
    return sweeper?.Properties.Environment.Variables.GRACE_SECONDS;
  };
  const windowWarnings = (outbox: TransactionalOutbox) =>
    outbox.node.metadata.filter(
      (m) => m.type === 'aws:cdk:warning' && String(m.data).includes('de-duplication window'),
    );

  it('waits 3 minutes by default, so that a repeat after a lost marking falls inside the 5-minute window', () => {
    const stack = testStack();

    const outbox = new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.custom() });

    expect(graceOf(Template.fromStack(stack))).toBe('180');
    expect(windowWarnings(outbox)).toEqual([]);
  });

  it('keeps the 5-minute grace on a classic bus', () => {
    const stack = testStack();

    new TransactionalOutbox(stack, 'Outbox');

    expect(graceOf(Template.fromStack(stack))).toBe('300');
  });

  it('warns at synth when grace and interval together reach the window', () => {
    const stack = testStack();

    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      bus: OutboxBus.custom(),
      sweeperGracePeriod: Duration.minutes(4),
      sweepInterval: Duration.minutes(1),
    });

    expect(windowWarnings(outbox)).toHaveLength(1);
  });
});
