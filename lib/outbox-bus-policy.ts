import { Token } from 'aws-cdk-lib';
import type { CfnEventBusPolicyProps } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * What an outbox's bus policy protects and whom it lets in: who may put events on the bus,
 * and with which sources.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { EventBus } from 'aws-cdk-lib/aws-events';
 * import { type OutboxBusPolicyProps, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const bus = EventBus.fromEventBusName(stack, 'Bus', 'commerce');
 * const outbox = new TransactionalOutbox(stack, 'Outbox', {
 *   eventBus: bus,
 *   eventSources: ['com.example.orders'],
 * });
 * // The relay's, the sweeper's and the operators' roles, and the outbox's sources.
 * const props: OutboxBusPolicyProps = outbox.busPolicyProps();
 * console.log(props.eventSources);
 * ```
 */
export interface OutboxBusPolicyProps {
  /** ARN of the bus the policy is attached to. */
  readonly eventBusArn: string;
  /**
   * ARNs of the IAM roles that may put events on the bus (the relay's, the sweeper's, the
   * operators'). Everyone else is denied, whatever their own policies allow.
   */
  readonly publisherRoleArns: readonly string[];
  /**
   * The only sources events may carry.
   * @default - any source
   */
  readonly eventSources?: readonly string[];
}

/**
 * Statement ids of the outbox bus policy (`outboxBusPolicyResourceProps()` prefixes them).
 *
 * @example
 * ```ts
 * import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
 * import { OutboxBusPolicySid } from 'dynamo-outbox';
 *
 * // Is the shared bus protected against forged events, or open to every publisher of the account?
 * const { Policy } = await new EventBridgeClient({}).send(
 *   new DescribeEventBusCommand({ Name: 'commerce' }),
 * );
 * const statements = (Policy ? JSON.parse(Policy).Statement : []) as { Sid?: string }[];
 * const guarded = statements.some((s) => s.Sid?.endsWith(OutboxBusPolicySid.onlyPublishers));
 * console.log(guarded ? 'only the outbox publishes' : 'any principal of the account may publish');
 * ```
 */
export const OutboxBusPolicySid = {
  onlyPublishers: 'OutboxOnlyPublishers',
  onlySources: 'OutboxOnlySources',
} as const;

/**
 * The statements that keep forged events off an outbox's bus: Deny `events:PutEvents` to
 * every principal but the listed roles (`aws:PrincipalArn`), and, when sources are given,
 * Deny any other `events:source`. Deny, not Allow: in one account a principal whose own
 * IAM policy allows PutEvents needs no Allow from the bus, so only an explicit Deny in the
 * bus policy stops it (docs/security.md).
 *
 * @throws Error if no publisher is listed (the relay itself would be locked out) or a list is empty
 * @example
 * ```ts
 * import { outboxBusPolicyStatements } from 'dynamo-outbox';
 *
 * const statements = outboxBusPolicyStatements({
 *   eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/commerce',
 *   publisherRoleArns: [
 *     'arn:aws:iam::111122223333:role/orders-relay',
 *     'arn:aws:iam::111122223333:role/orders-sweeper',
 *   ],
 *   eventSources: ['com.example.orders'],
 * });
 * console.log(JSON.stringify(statements.map((s) => s.toStatementJson()), null, 2));
 * ```
 */
export function outboxBusPolicyStatements(props: OutboxBusPolicyProps): PolicyStatement[] {
  validatePolicyProps(props);
  const deny = (sid: string, conditions: Record<string, Record<string, string[]>>) =>
    new PolicyStatement({
      sid,
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [props.eventBusArn],
      conditions,
    });
  // A key missing from the request (a service principal has no aws:PrincipalArn) makes a
  // negated operator true: such a request is denied too.
  const statements = [
    deny(OutboxBusPolicySid.onlyPublishers, {
      ArnNotEquals: { 'aws:PrincipalArn': [...props.publisherRoleArns] },
    }),
  ];
  if (props.eventSources !== undefined) {
    statements.push(
      deny(OutboxBusPolicySid.onlySources, {
        StringNotEquals: { 'events:source': [...props.eventSources] },
      }),
    );
  }
  return statements;
}

/**
 * The whole resource policy of a bus that only an outbox publishes to, e.g. for
 * `CfnEventBus`'s `policy` or `aws events put-permission --policy`.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { CfnEventBus } from 'aws-cdk-lib/aws-events';
 * import { outboxBusPolicyDocument } from 'dynamo-outbox';
 *
 * // The bus is owned by a platform stack; the outbox's role ARNs come from its team.
 * const stack = new Stack(new App(), 'Platform', { env: { account: '111122223333', region: 'eu-west-1' } });
 * new CfnEventBus(stack, 'Commerce', {
 *   name: 'commerce',
 *   policy: outboxBusPolicyDocument({
 *     eventBusArn: stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'commerce' }),
 *     publisherRoleArns: ['arn:aws:iam::111122223333:role/orders-relay', 'arn:aws:iam::111122223333:role/orders-sweeper'],
 *     eventSources: ['com.example.orders'],
 *   }).toJSON(),
 * });
 * ```
 */
export function outboxBusPolicyDocument(props: OutboxBusPolicyProps): PolicyDocument {
  return new PolicyDocument({ statements: outboxBusPolicyStatements(props) });
}

/**
 * The same statements as `AWS::Events::EventBusPolicy` resources, one per statement, for a
 * bus of the same account that the outbox's stack does not own. CloudFormation uses the
 * statement id as the resource's physical id, unique in the account and region
 * (aws/aws-cdk#29627): the `statementIdPrefix` keeps two stacks apart.
 *
 * @throws Error if a statement id would break the EventBridge pattern `[a-zA-Z0-9-_]{1,64}`
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { CfnEventBusPolicy, EventBus } from 'aws-cdk-lib/aws-events';
 * import { outboxBusPolicyResourceProps, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const bus = EventBus.fromEventBusName(stack, 'Bus', 'commerce');
 * const outbox = new TransactionalOutbox(stack, 'Outbox', { eventBus: bus });
 * // The bus takes events from this outbox only: its relay, its sweeper, its operators.
 * for (const props of outboxBusPolicyResourceProps({
 *   ...outbox.busPolicyProps(),
 *   eventBusName: bus.eventBusName,
 *   statementIdPrefix: 'orders-',
 * })) {
 *   new CfnEventBusPolicy(stack, props.statementId, props);
 * }
 * ```
 */
export function outboxBusPolicyResourceProps(
  props: OutboxBusPolicyProps & {
    /** Name of the bus the statements are added to. */
    readonly eventBusName: string;
    /** Prefix of the statement ids: unique per stack and bus. */
    readonly statementIdPrefix: string;
  },
): CfnEventBusPolicyProps[] {
  return outboxBusPolicyStatements(props).map((statement) => {
    const statementId = `${props.statementIdPrefix}${statement.sid ?? ''}`;
    if (!Token.isUnresolved(statementId) && !/^[a-zA-Z0-9-_]{1,64}$/.test(statementId)) {
      throw new Error(
        `statement id '${statementId}' must be 1..64 letters, digits, - or _: shorten statementIdPrefix '${props.statementIdPrefix}'`,
      );
    }
    statement.sid = statementId;
    return {
      eventBusName: props.eventBusName,
      statementId,
      statement: statement.toStatementJson(),
    };
  });
}

/** Validates early, naming the bad value; token lists are resolved later and pass. */
function validatePolicyProps(props: OutboxBusPolicyProps): void {
  const list = (name: string, values: readonly string[] | undefined, why: string) => {
    if (values === undefined || Token.isUnresolved(values as string[])) return;
    if (values.length === 0) throw new Error(`${name} must not be empty: ${why}`);
    const blank = values.find((v) => !Token.isUnresolved(v) && v.length === 0);
    if (blank !== undefined) throw new Error(`${name} must not hold an empty string`);
  };
  list('publisherRoleArns', props.publisherRoleArns, 'the relay itself would be denied');
  list('eventSources', props.eventSources, 'leave it out to allow any source');
}
