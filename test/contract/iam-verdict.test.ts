import { describe, expect, it } from 'vitest';
import { verdictOf } from './iam-verdict.js';
import type { NeededPermission } from './needed-permissions.js';
import type { Grant } from './role-grants.js';

const TABLE = '{Outbox/Table.Arn}';

const allow = (action: string, resource: string): Grant => ({
  effect: 'Allow',
  action,
  resource,
  policy: 'RelayRole/DefaultPolicy',
});
const deny = (action: string, resource: string): Grant => ({
  ...allow(action, resource),
  effect: 'Deny',
});
const need = (action: string, resource: string): NeededPermission => ({
  action,
  resource,
  by: 'code',
  reason: action.split(':')[1] ?? action,
});

const kindsOf = (grants: Grant[], needed: NeededPermission[]) =>
  verdictOf('Outbox/Relay', grants, needed).map((f) => `${f.kind} ${f.action} ${f.resource}`);

describe('the IAM verdict of a role', () => {
  it('finds nothing when every need is granted exactly and every grant is needed', () => {
    const verdict = kindsOf(
      [allow('dynamodb:UpdateItem', TABLE), allow('events:PutEvents', '{Outbox/Bus.Arn}')],
      [need('dynamodb:UpdateItem', TABLE), need('events:PutEvents', '{Outbox/Bus.Arn}')],
    );

    expect(verdict).toEqual([]);
  });

  it('fails if a call needs an action no statement allows', () => {
    const verdict = kindsOf(
      [allow('events:PutEvents', '{Outbox/Bus.Arn}')],
      [
        need('events:PutEvents', '{Outbox/Bus.Arn}'),
        need('events:DescribeEventBus', '{Outbox/Bus.Arn}'),
      ],
    );

    expect(verdict).toEqual(['missing events:DescribeEventBus {Outbox/Bus.Arn}']);
  });

  it('fails if the role lacks events:DescribeEventBus on the Custom Event Bus it publishes to', () => {
    const customBus = '{Outbox/CustomBus.EventBusArn}';

    const verdict = kindsOf(
      [allow('events:PutEvents', customBus)],
      [need('events:PutEvents', customBus), need('events:DescribeEventBus', customBus)],
    );

    expect(verdict).toEqual([`missing events:DescribeEventBus ${customBus}`]);
  });

  it('fails if the Custom Event Bus is granted under the eventsv2 prefix, which IAM has no actions for', () => {
    const customBus = '{Outbox/CustomBus.EventBusArn}';

    const verdict = kindsOf(
      [allow('eventsv2:PutEvents', customBus)],
      [need('events:PutEvents', customBus)],
    );

    expect(verdict).toEqual([
      `missing events:PutEvents ${customBus}`,
      `unused eventsv2:PutEvents ${customBus}`,
    ]);
  });

  it('fails if the action is allowed on another resource only', () => {
    const verdict = kindsOf(
      [allow('dynamodb:GetItem', '{OrdersTable.Arn}')],
      [need('dynamodb:GetItem', TABLE)],
    );

    expect(verdict).toEqual([
      `missing dynamodb:GetItem ${TABLE}`,
      'unused dynamodb:GetItem {OrdersTable.Arn}',
    ]);
  });

  it('fails if a grant on the table is all there is for a query of its index', () => {
    const verdict = kindsOf(
      [allow('dynamodb:Query', TABLE)],
      [need('dynamodb:Query', `${TABLE}/index/pending-by-age`)],
    );

    expect(verdict).toContain(`missing dynamodb:Query ${TABLE}/index/pending-by-age`);
  });

  it('fails if a Deny refuses what an Allow allows', () => {
    const verdict = kindsOf(
      [allow('dynamodb:*', '*'), deny('dynamodb:DeleteItem', TABLE)],
      [need('dynamodb:DeleteItem', TABLE)],
    );

    expect(verdict).toContain(`missing dynamodb:DeleteItem ${TABLE}`);
  });

  it('fails if a granted action is never needed', () => {
    const verdict = kindsOf(
      [
        allow('sqs:SendMessage', '{Outbox/DeadLetterQueue.Arn}'),
        allow('sqs:GetQueueUrl', '{Outbox/DeadLetterQueue.Arn}'),
      ],
      [need('sqs:SendMessage', '{Outbox/DeadLetterQueue.Arn}')],
    );

    expect(verdict).toEqual(['unused sqs:GetQueueUrl {Outbox/DeadLetterQueue.Arn}']);
  });

  it('fails if a wildcard grants more than what is needed, though it covers the need', () => {
    const verdict = kindsOf(
      [allow('dynamodb:Get*', TABLE), allow('dynamodb:Query', `${TABLE}/index/*`)],
      [need('dynamodb:GetItem', TABLE), need('dynamodb:Query', `${TABLE}/index/pending-by-age`)],
    );

    expect(verdict).toEqual([
      `wider dynamodb:Get* ${TABLE}`,
      `wider dynamodb:Query ${TABLE}/index/*`,
    ]);
  });

  it('accepts a wildcard resource that is itself what is needed (X-Ray has no resource-level permissions)', () => {
    const verdict = kindsOf(
      [allow('xray:PutTraceSegments', '*')],
      [need('xray:PutTraceSegments', '*')],
    );

    expect(verdict).toEqual([]);
  });

  it('matches actions case-insensitively, as IAM does', () => {
    const verdict = kindsOf([allow('DynamoDB:putitem', TABLE)], [need('dynamodb:PutItem', TABLE)]);

    expect(verdict).toEqual([]);
  });

  it('treats references as literal text: a wildcard in a reference name matches nothing else', () => {
    const verdict = kindsOf(
      [allow('dynamodb:GetItem', '{Outbox/*.Arn}')],
      [need('dynamodb:GetItem', TABLE)],
    );

    expect(verdict).toContain(`missing dynamodb:GetItem ${TABLE}`);
  });
});
