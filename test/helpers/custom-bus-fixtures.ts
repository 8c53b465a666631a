import { type CfnElement, type Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import {
  type CustomOutboxBusProps,
  lambdaEntry,
  type OutboxConsumerProps,
  TransactionalOutbox,
  type TransactionalOutboxProps,
} from '../../lib/index.js';
import { OutboxBus } from '../../lib/outbox-bus.js';
import { testStack } from './cdk.js';

/** A Custom Event Bus ARN as AWS's API pattern has it: name, then a 25-character id. */
export const A_CUSTOM_BUS_ARN =
  'arn:aws:events:us-east-1:123456789012:event-busv2/commerce/abcdefghijkl0123456789nop';

/** A statement of an IAM policy of a template. */
export interface TemplateStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every statement of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOfRole(template: Template, rolePrefix: string): TemplateStatement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties?.Roles as { Ref?: string }[] | undefined)?.some((role) =>
        role.Ref?.startsWith(rolePrefix),
      ),
    )
    .flatMap(
      (policy) =>
        (policy.Properties?.PolicyDocument as { Statement?: TemplateStatement[] } | undefined)
          ?.Statement ?? [],
    );
}

/** The actions a set of statements allows, each once, sorted. */
export function actionsOf(statements: readonly TemplateStatement[]): string[] {
  return [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
}

/**
 * An outbox on a new Custom Event Bus (`OutboxBus.custom(bus)`) and its stack; `template`
 * synthesizes on first read, so the test may add to the stack before.
 */
export function customBusOutbox(
  bus: CustomOutboxBusProps = {},
  props: Omit<TransactionalOutboxProps, 'bus' | 'eventBus'> = {},
  stack: Stack = testStack(),
) {
  const outbox = new TransactionalOutbox(stack, 'Outbox', { ...props, bus: OutboxBus.custom(bus) });
  return {
    stack,
    outbox,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** An outbox on a new Custom Event Bus encrypted with a key of the same stack. */
export function encryptedCustomBusOutbox() {
  const stack = testStack();
  const encryptionKey = new Key(stack, 'BusKey', { enableKeyRotation: true });
  const { outbox } = customBusOutbox({ encryptionKey }, {}, stack);
  return {
    stack,
    outbox,
    encryptionKey,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** A consumer of an outbox on a new Custom Event Bus, subscribed to `OrderConfirmed`; `template` synthesizes on first read. */
export function customBusConsumer(
  props: Partial<Omit<OutboxConsumerProps, 'eventBus' | 'customEventBusArn'>> = {},
) {
  const stack = testStack();
  const outbox = new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.custom() });
  const consumer = outbox.addConsumer('Shipping', {
    entry: lambdaEntry('shipping/handler.ts'),
    detailTypes: ['OrderConfirmed'],
    ...props,
  });
  return {
    stack,
    outbox,
    consumer,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** The template value of a CloudFormation attribute of a resource (or of a construct's own). */
export function getAtt(stack: Stack, resource: IConstruct, attribute: string) {
  const cfn = (resource.node.defaultChild ?? resource) as CfnElement;
  return { 'Fn::GetAtt': [stack.getLogicalId(cfn), attribute] };
}

/** An ARN only CloudFormation knows: a parameter's value. */
export function tokenArn(): string {
  return Token.asString({ Ref: 'BusArnParameter' });
}
