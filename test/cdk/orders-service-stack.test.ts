import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TokenAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ROUTES } from '../../lambdas/orders/index.js';
import { OrdersServiceStack, type OrdersServiceStackProps } from '../../lib/index.js';
import { testApp } from '../helpers/cdk.js';

const synth = (props: OrdersServiceStackProps = {}) => {
  const stack = new OrdersServiceStack(testApp(), 'Orders', props);
  return { stack, template: Template.fromStack(stack) };
};

describe('OrdersServiceStack', () => {
  let template: Template;
  let stack: OrdersServiceStack;
  beforeAll(() => {
    ({ template, stack } = synth());
  });

  it('creates the orders table keyed by id, with PITR and deletion protection, retained', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('has four API Lambdas, the relay, the sweeper and the shipping consumer, all on Node.js 24 arm64', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs24.x', Architectures: ['arm64'] },
      7,
    );
  });

  it('routes every route of the API to its handler, IAM-authorized by default', () => {
    for (const route of ORDER_ROUTES) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: route.method,
        AuthorizationType: 'AWS_IAM',
        RequestValidatorId: Match.anyValue(),
      });
    }
    template.resourceCountIs('AWS::ApiGateway::Method', ORDER_ROUTES.length);
  });

  it('requires the id path parameter where the route has one', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.path.id': true },
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
    });
  });

  it('throttles, traces and access-logs the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
  });

  it("answers API Gateway's own errors in problem+json", () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
  });

  it('gives each function only the actions it performs on the orders table', () => {
    const policyOf = (role: string) =>
      Object.values(
        template.findResources('AWS::IAM::Policy', {
          Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}`) }] },
        }),
      );
    const ordersActions = (role: string) =>
      policyOf(role)
        .flatMap(
          (p) =>
            (
              p as {
                Properties: {
                  PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
                };
              }
            ).Properties.PolicyDocument.Statement,
        )
        .filter((s) => JSON.stringify(s.Resource).includes('OrdersTable'))
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    expect(ordersActions('CreateOrderRole')).toEqual(['dynamodb:PutItem']);
    expect(ordersActions('GetOrderRole')).toEqual(['dynamodb:GetItem']);
    expect(ordersActions('TransitionOrderRole')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    expect(ordersActions('CancelOrderRole')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(policyOf('GetOrderRole'))).not.toContain('OutboxTable');
  });

  it('configures the handlers with the table names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ORDERS_TABLE_NAME: Match.anyValue(),
          OUTBOX_TABLE_NAME: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'orders',
        }),
      },
    });
  });

  it('outputs the API URL, the bus name, the table names and the dead-letter queues verify reads', () => {
    for (const name of [
      'ApiUrl',
      'EventBusName',
      'OrdersTableName',
      'OutboxTableName',
      'DeadLetterQueueUrl',
      'RelayFunctionName',
      'StreamFailureQueueUrl',
      'SweepScheduleDeadLetterQueueUrl',
      'ShippingRuleDeadLetterQueueUrl',
    ])
      template.hasOutput(name, {});
    expect(stack.outbox.table).toBeDefined();
  });

  it('uses the authorizer passed in props instead of IAM', () => {
    const { template: custom } = synth({
      createAuthorizer: (scope) =>
        new TokenAuthorizer(scope, 'Authorizer', {
          handler: new LambdaFunction(scope, 'AuthFn', {
            runtime: Runtime.NODEJS_24_X,
            handler: 'index.handler',
            code: Code.fromInline('exports.handler = async () => ({})'),
          }),
        }),
    });

    custom.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'CUSTOM' });
  });

  it('can be destroyed with its stack when asked', () => {
    synth({ removalPolicy: RemovalPolicy.DESTROY }).template.allResources(
      'AWS::DynamoDB::GlobalTable',
      { DeletionPolicy: 'Delete' },
    );
  });

  it('fails if the throttling rate is not positive', () => {
    expect(() => synth({ throttlingRateLimit: 0 })).toThrow(
      'throttlingRateLimit must be a positive number, got 0',
    );
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('finds nothing unacknowledged in the Orders service', () => {
    const app = testApp();
    new OrdersServiceStack(app, 'Orders');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  it('fails a stack that breaks a rule, so the check above is live', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'PlainQueue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow();
  });
});
