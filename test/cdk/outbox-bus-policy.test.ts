import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnEventBusPolicy, EventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CANARY } from '../../cli/verify-canary.js';
import {
  OutboxBusPolicySid,
  outboxBusPolicyDocument,
  outboxBusPolicyResourceProps,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from '../../lib/index.js';
import { testApp, testStack } from '../helpers/cdk.js';
import { isDenied, type TemplateStatement } from '../helpers/iam-conditions.js';

const ORDERS = 'com.example.orders';

/** An outbox with a bus of its own, and the policy that bus got. */
function outboxWithBus(props: TransactionalOutboxProps = {}) {
  const stack = testStack();
  const outbox = new TransactionalOutbox(stack, 'Outbox', props);
  return { stack, outbox, policy: () => busPolicy(stack) };
}

/** The statements of the one bus of the stack (after every construct had its say). */
function busPolicy(stack: Stack): TemplateStatement[] {
  const buses = Object.values(Template.fromStack(stack).findResources('AWS::Events::EventBus'));
  const policy = buses[0]?.Properties?.Policy as { Statement: TemplateStatement[] } | undefined;
  if (buses.length !== 1 || policy === undefined) throw new Error('no bus with a policy');
  return policy.Statement;
}

/** A role's ARN as the template states it. */
const arnOf = (stack: Stack, role: Role) => ({
  'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as never), 'Arn'],
});

/** What PutEvents asks IAM: the caller's role and the entry's source. */
const putEvents = (principalArn: unknown, source = ORDERS) => ({
  'aws:PrincipalArn': [principalArn],
  'events:source': [source],
});

const anotherRole = (stack: Stack, id: string) =>
  new Role(stack, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

describe('the bus an outbox creates', () => {
  it('denies PutEvents to every principal of the account but the relay and the sweeper', () => {
    const { stack, outbox, policy } = outboxWithBus();
    const intruder = anotherRole(stack, 'Intruder');
    // Its own policy allows PutEvents: in one account that is enough without a Deny.
    outbox.eventBus.grantPutEventsTo(intruder);
    const relay = arnOf(stack, outbox.relayFunction.role as Role);
    const sweeper = arnOf(stack, outbox.sweeperFunction.role as Role);

    const statements = policy();

    expect(isDenied(statements, 'events:PutEvents', putEvents(arnOf(stack, intruder)))).toBe(true);
    expect(isDenied(statements, 'events:PutEvents', putEvents(relay))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents(sweeper))).toBe(false);
  });

  it('denies a request without a principal ARN (a service), as IAM evaluates a negated operator', () => {
    const statements = outboxWithBus().policy();

    expect(isDenied(statements, 'events:PutEvents', { 'events:source': [ORDERS] })).toBe(true);
  });

  it('names its own bus by an ARN built from its name, not a reference to itself', () => {
    const { stack } = outboxWithBus();

    Template.fromStack(stack).hasResourceProperties('AWS::Events::EventBus', {
      Name: Match.anyValue(),
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: OutboxBusPolicySid.onlyPublishers,
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(':event-bus/TestOutboxBus')]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it('lets the roles given to allowPublishing() through, and grants them PutEvents', () => {
    const { stack, outbox, policy } = outboxWithBus();
    const operator = anotherRole(stack, 'Operator');

    outbox.allowPublishing(operator);

    expect(isDenied(policy(), 'events:PutEvents', putEvents(arnOf(stack, operator)))).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Operator') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Allow',
            Action: 'events:PutEvents',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutboxBus'), 'Arn'] },
          }),
        ],
      },
    });
  });

  it('takes any source when no eventSources are given', () => {
    const { stack, outbox, policy } = outboxWithBus();
    const relay = arnOf(stack, outbox.relayFunction.role as Role);

    expect(isDenied(policy(), 'events:PutEvents', putEvents(relay, 'com.example.anything'))).toBe(
      false,
    );
  });

  it("denies any source but the outbox's and the verify canary's when eventSources are given", () => {
    const { stack, outbox, policy } = outboxWithBus({ eventSources: [ORDERS] });
    const relay = arnOf(stack, outbox.relayFunction.role as Role);

    const statements = policy();

    expect(isDenied(statements, 'events:PutEvents', putEvents(relay, ORDERS))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents(relay, CANARY.source))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents(relay, 'com.example.payments'))).toBe(
      true,
    );
  });

  it("tells the writers the outbox's sources (not the canary's), and * when any source goes", () => {
    expect(outboxWithBus({ eventSources: [ORDERS] }).outbox.writerEnvironment).toMatchObject({
      OUTBOX_EVENT_SOURCES: JSON.stringify([ORDERS]),
    });
    expect(outboxWithBus().outbox.writerEnvironment).toMatchObject({ OUTBOX_EVENT_SOURCES: '*' });
  });

  it.each<[string, readonly string[], string]>([
    ['empty', [], 'eventSources must not be empty'],
    ['an AWS source', ['aws.s3'], `event source 'aws.s3' must be a non-empty literal`],
    ['an empty source', [''], `event source '' must be a non-empty literal`],
  ])('fails if eventSources is %s', (_why, eventSources, message) => {
    expect(() => outboxWithBus({ eventSources })).toThrow(message);
  });

  it('is clean under cdk-nag (AwsSolutions), with a restricted writer and an operator', () => {
    const app = testApp();
    const stack = new Stack(app, 'Orders');
    const outbox = new TransactionalOutbox(stack, 'Outbox', { eventSources: [ORDERS] });
    outbox.allowPublishing(
      Role.fromRoleArn(stack, 'OnCall', 'arn:aws:iam::111122223333:role/orders-on-call'),
    );
    const writer = new LambdaFunction(stack, 'CreateOrder', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
      // No AWS managed policy: what is checked is the outbox's grants, not Lambda's defaults.
      role: anotherRole(stack, 'CreateOrderRole'),
    });
    outbox.addWriter(writer, { aggregateTypes: ['Order'] });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });
});

describe('a bus the outbox is given', () => {
  const imported = () => {
    const stack = testStack();
    const bus = EventBus.fromEventBusName(stack, 'Bus', 'commerce');
    const outbox = new TransactionalOutbox(stack, 'Outbox', {
      eventBus: bus,
      eventSources: [ORDERS],
    });
    return { stack, bus, outbox };
  };

  it('gets no policy from the construct: its owner attaches it', () => {
    const { stack } = imported();

    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('gets the same statements, one EventBusPolicy each, from the helper and busPolicyProps()', () => {
    const { stack, bus, outbox } = imported();
    const operator = anotherRole(stack, 'Operator');
    outbox.allowPublishing(operator);

    for (const props of outboxBusPolicyResourceProps({
      ...outbox.busPolicyProps(),
      eventBusName: bus.eventBusName,
      statementIdPrefix: 'orders-',
    })) {
      new CfnEventBusPolicy(stack, props.statementId, props);
    }

    const policies = Template.fromStack(stack).findResources('AWS::Events::EventBusPolicy');
    const statements = Object.values(policies).map(
      (p) => (p.Properties as { Statement: TemplateStatement }).Statement,
    );
    expect(Object.values(policies).map((p) => p.Properties.StatementId)).toEqual([
      'orders-OutboxOnlyPublishers',
      'orders-OutboxOnlySources',
    ]);
    expect(Object.values(policies).map((p) => p.Properties.EventBusName)).toEqual([
      'commerce',
      'commerce',
    ]);
    const relay = arnOf(stack, outbox.relayFunction.role as Role);
    expect(isDenied(statements, 'events:PutEvents', putEvents(arnOf(stack, operator)))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents(relay))).toBe(false);
    expect(isDenied(statements, 'events:PutEvents', putEvents('arn:aws:iam::1:role/x'))).toBe(true);
    expect(isDenied(statements, 'events:PutEvents', putEvents(relay, 'com.evil'))).toBe(true);
  });

  it('fails if a statement id would be longer than EventBridge takes', () => {
    const { bus, outbox } = imported();

    expect(() =>
      outboxBusPolicyResourceProps({
        ...outbox.busPolicyProps(),
        eventBusName: bus.eventBusName,
        statementIdPrefix: 'x'.repeat(50),
      }),
    ).toThrow('must be 1..64 letters, digits, - or _: shorten statementIdPrefix');
  });
});

describe('outboxBusPolicyDocument', () => {
  const bus = 'arn:aws:events:eu-west-1:111122223333:event-bus/commerce';
  const relay = 'arn:aws:iam::111122223333:role/orders-relay';

  it('denies everyone but the listed roles, and any source but the listed ones', () => {
    const document = outboxBusPolicyDocument({
      eventBusArn: bus,
      publisherRoleArns: [relay],
      eventSources: [ORDERS],
    }).toJSON() as { Statement: TemplateStatement[] };

    expect(isDenied(document.Statement, 'events:PutEvents', putEvents(relay))).toBe(false);
    expect(
      isDenied(document.Statement, 'events:PutEvents', putEvents(relay.replace('relay', 'api'))),
    ).toBe(true);
    expect(isDenied(document.Statement, 'events:PutEvents', putEvents(relay, 'x.y'))).toBe(true);
  });

  it('fails if no role may publish: the relay itself would be denied', () => {
    expect(() => outboxBusPolicyDocument({ eventBusArn: bus, publisherRoleArns: [] })).toThrow(
      'publisherRoleArns must not be empty: the relay itself would be denied',
    );
  });
});
