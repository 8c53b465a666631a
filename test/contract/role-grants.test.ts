import { describe, expect, it } from 'vitest';
import { grantsOf, grantsOfRole, roleIdOf } from './role-grants.js';
import {
  StackTemplate,
  type TemplateResource,
  UnsupportedTemplateError,
} from './stack-template.js';

/** A function whose role is `FnRole`, with the role's properties and more resources. */
function templateOf(
  roleProperties: Record<string, unknown> = {},
  more: Record<string, TemplateResource> = {},
): StackTemplate {
  return StackTemplate.fromJson({
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
    },
    FnRole: { Type: 'AWS::IAM::Role', Properties: roleProperties },
    Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
    ...more,
  });
}

const policy = (roles: unknown[], statements: unknown[]): TemplateResource => ({
  Type: 'AWS::IAM::Policy',
  Properties: { Roles: roles, PolicyDocument: { Statement: statements } },
});

describe('the grants of a function role', () => {
  it('reads each action on each resource of the policies attached to the role', () => {
    const template = templateOf(
      {},
      {
        FnPolicy: policy(
          [{ Ref: 'FnRole' }],
          [
            {
              Effect: 'Allow',
              Action: ['dynamodb:Query'],
              Resource: [
                { 'Fn::GetAtt': ['Table', 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/index/by-age']] },
              ],
            },
          ],
        ),
        OtherPolicy: policy(
          [{ Ref: 'OtherRole' }],
          [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        ),
      },
    );

    const grants = grantsOf(template, 'Fn');

    expect(grants).toEqual([
      { effect: 'Allow', action: 'dynamodb:Query', resource: '{Table.Arn}', policy: 'FnPolicy' },
      {
        effect: 'Allow',
        action: 'dynamodb:Query',
        resource: '{Table.Arn}/index/by-age',
        policy: 'FnPolicy',
      },
    ]);
  });

  it('reads the role inline policies and customer managed policies too, Deny included', () => {
    const template = templateOf(
      {
        Policies: [
          {
            PolicyDocument: {
              Statement: { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*' },
            },
          },
        ],
        ManagedPolicyArns: [{ Ref: 'Managed' }],
      },
      {
        Managed: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }],
            },
          },
        },
      },
    );

    const grants = grantsOf(template, 'Fn').map((g) => `${g.effect} ${g.action} ${g.policy}`);

    expect(grants).toEqual(['Deny dynamodb:DeleteItem FnRole', 'Allow dynamodb:GetItem Managed']);
  });

  it('fails if the role has an AWS managed policy, whose document it cannot see', () => {
    const template = templateOf({
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            ],
          ],
        },
      ],
    });

    expect(() => grantsOf(template, 'Fn')).toThrow(UnsupportedTemplateError);
  });

  it('fails if a statement has a condition, which it cannot evaluate', () => {
    const template = templateOf(
      {},
      {
        FnPolicy: policy(
          [{ Ref: 'FnRole' }],
          [
            {
              Effect: 'Allow',
              Action: 'dynamodb:GetItem',
              Resource: '*',
              Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['a'] } },
            },
          ],
        ),
      },
    );

    expect(() => grantsOf(template, 'Fn')).toThrow('Condition');
  });

  it('fails if a resource uses an intrinsic it cannot render', () => {
    const template = templateOf(
      {},
      {
        FnPolicy: policy(
          [{ Ref: 'FnRole' }],
          [
            {
              Effect: 'Allow',
              Action: 'dynamodb:GetItem',
              Resource: { 'Fn::Sub': 'arn:aws:dynamodb:us-east-1:1:table/t' },
            },
          ],
        ),
      },
    );

    expect(() => grantsOf(template, 'Fn')).toThrow(UnsupportedTemplateError);
  });

  it('reads a role no function assumes, such as a subscriber delivery role', () => {
    const template = templateOf(
      {},
      {
        DeliveryRole: { Type: 'AWS::IAM::Role', Properties: {} },
        DeliveryPolicy: policy(
          [{ Ref: 'DeliveryRole' }],
          [
            {
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': ['Buffer', 'Arn'] },
            },
          ],
        ),
      },
    );

    const grants = grantsOfRole(template, 'DeliveryRole');

    expect(grants).toEqual([
      {
        effect: 'Allow',
        action: 'sqs:SendMessage',
        resource: '{Buffer.Arn}',
        policy: 'DeliveryPolicy',
      },
    ]);
  });

  it('fails if a subscriber delivers with a role that is not a role of the template', () => {
    const template = templateOf();

    expect(() =>
      roleIdOf(template, 'Table', 'arn:aws:iam::111122223333:role/somebody-else'),
    ).toThrow(UnsupportedTemplateError);
  });
});
