import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { OutboxWriter } from '../../lambdas/outbox/index.js';
import { type OutboxWriterGrantOptions, TransactionalOutbox } from '../../lib/index.js';
import { testStack } from '../helpers/cdk.js';
import { conditionsHold, type TemplateStatement } from '../helpers/iam-conditions.js';
import { aCreateInput } from '../helpers/outbox-fixtures.js';

/** The statements an outbox grant gave a writer role. */
function writerStatements(options?: OutboxWriterGrantOptions): TemplateStatement[] {
  const stack = testStack();
  const outbox = new TransactionalOutbox(stack, 'Outbox');
  const role = new Role(stack, 'Writer', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
  });
  outbox.grantWriteEvents(role, options);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Writer') }] },
  });
  return Object.values(policies).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: TemplateStatement[] }).Statement,
  );
}

/**
 * Whether the statements allow `action` on an item with this partition key: some Allow
 * statement's conditions hold for it (the resource, the outbox table, is the same for all).
 */
function allows(statements: TemplateStatement[], action: string, partitionKey: string): boolean {
  const request = { 'dynamodb:LeadingKeys': [partitionKey] };
  return statements.some(
    (s) => s.Effect === 'Allow' && [s.Action].flat().includes(action) && conditionsHold(s, request),
  );
}

/** The outbox-table keys the real writer puts for a write (record, idempotency record). */
function keysWritten(type: string, id: string, idempotent: boolean): string[] {
  const writer = new OutboxWriter({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: 'outbox',
  });
  const { command } = writer.prepare(
    aCreateInput({
      aggregate: { type, id },
      ...(idempotent
        ? {
            idempotency: {
              key: 'k-1',
              scope: 'arn:aws:iam::1:user/alice',
              request: {},
              response: {},
            },
          }
        : {}),
    }),
  );
  return (command.TransactItems ?? [])
    .map((item) => item.Put)
    .filter((put) => put?.TableName === 'outbox')
    .map((put) => String(put?.Item?.pk));
}

describe('a writer restricted to aggregate types', () => {
  it("may put only its types' records and idempotency records, and get only idempotency records", () => {
    const statements = writerStatements({ aggregateTypes: ['Order', 'Return'] });

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': ['Order#*', 'Return#*', 'IDEMPOTENCY#*'],
          },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IDEMPOTENCY#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ]);
  });

  it('is allowed every key the real writer puts for its type, idempotent or not', () => {
    const statements = writerStatements({ aggregateTypes: ['Order'] });
    const keys = [
      ...keysWritten('Order', '0193a8f2-7c1e-7d3a-9a55-2f0c1b6e8d41', true),
      // Ids may hold what the key's own separator and IAM's wildcards are.
      ...keysWritten('Order', 'a#b*c?d', false),
    ];

    expect(keys).toHaveLength(3);
    expect(keys.filter((key) => !allows(statements, 'dynamodb:PutItem', key))).toEqual([]);
  });

  it('fails if it would be allowed the key of another type, even one whose name starts alike', () => {
    const statements = writerStatements({ aggregateTypes: ['Order'] });
    const foreign = [
      ...keysWritten('OrderLine', 'l-1', false),
      ...keysWritten('Payment', 'Order#1', false),
    ];

    expect(foreign.filter((key) => allows(statements, 'dynamodb:PutItem', key))).toEqual([]);
  });

  it('fails if it could read an outbox record rather than an idempotency record', () => {
    const statements = writerStatements({ aggregateTypes: ['Order'] });
    const [record, idempotency] = keysWritten('Order', 'o-1', true);

    expect(allows(statements, 'dynamodb:GetItem', String(idempotency))).toBe(true);
    expect(allows(statements, 'dynamodb:GetItem', String(record))).toBe(false);
  });

  it('fails if a request without any key would be allowed (ForAllValues holds for no value)', () => {
    const statements = writerStatements({ aggregateTypes: ['Order'] });

    const unkeyed = statements.filter((s) => conditionsHold(s, {}));

    expect(unkeyed).toEqual([]);
  });

  it('keeps the whole-table grant when no types are given', () => {
    expect(writerStatements()).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'Arn'] },
      },
    ]);
  });

  it('is what addWriter() grants', () => {
    const stack = testStack();
    const outbox = new TransactionalOutbox(stack, 'Outbox');
    const writer = new LambdaFunction(stack, 'CreateOrder', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });

    outbox.addWriter(writer, { aggregateTypes: ['Order'] });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^CreateOrder') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:PutItem',
            Condition: Match.objectLike({
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['Order#*', 'IDEMPOTENCY#*'] },
            }),
          }),
        ]),
      },
    });
  });

  it.each<[string, readonly string[], string]>([
    ['empty', [], 'aggregateTypes must not be empty'],
    ['holding a #', ['Order#'], "aggregate type 'Order#' must be 1..64 letters"],
    ['holding a wildcard', ['Ord*'], "aggregate type 'Ord*' must be 1..64 letters"],
    ['not starting with a letter', ['1Order'], "aggregate type '1Order' must be 1..64 letters"],
  ])('fails if the aggregate types are %s', (_why, aggregateTypes, message) => {
    expect(() => writerStatements({ aggregateTypes })).toThrow(message);
  });
});
