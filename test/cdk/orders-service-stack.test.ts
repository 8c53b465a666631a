import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MethodLoggingLevel, TokenAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_ROUTES } from '../../lambdas/orders/index.js';
import {
  lambdaEntry,
  OrdersServiceStack,
  type OrdersServiceStackProps,
  OutboxBus,
  TransactionalOutbox,
} from '../../lib/index.js';
import { testApp, testStack } from '../helpers/cdk.js';

const synth = (props: OrdersServiceStackProps = {}) => {
  const stack = new OrdersServiceStack(testApp(), 'Orders', props);
  return { stack, template: Template.fromStack(stack) };
};

const WEB_ACL_ARN =
  'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders-api/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

interface PolicyStatementJson {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of every IAM policy of the template, with the policy's logical id. */
const statementsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
    (
      policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }
    ).Properties.PolicyDocument.Statement.map((statement) => ({ id, statement })),
  );

/** The Orders stack synthesized with cdk-nag's AwsSolutions pack. */
const nagSynth = (
  props: OrdersServiceStackProps = {},
  change?: (stack: OrdersServiceStack) => void,
) => {
  const app = testApp();
  const stack = new OrdersServiceStack(app, 'Orders', props);
  change?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return () => app.synth();
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

  it("does not own the account's API Gateway CloudWatch role, a setting of the whole region", () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } }),
          ]),
        }),
      },
      0,
    );
  });

  it('sends access logs where it is told, and logs no execution when told OFF', () => {
    const firehose =
      'arn:aws:firehose:eu-west-1:123456789012:deliverystream/amazon-apigateway-orders';

    const { template: custom } = synth({
      accessLogDestination: { bind: () => ({ destinationArn: firehose }) },
      executionLoggingLevel: MethodLoggingLevel.OFF,
    });

    custom.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: firehose, Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'OFF' })],
    });
    custom.resourceCountIs('AWS::Logs::LogGroup', 7);
  });

  it('lets only the deployed stage invoke the API Lambdas (no test-invoke-stage permission)', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));

    expect(permissions.length).toBeGreaterThan(0);
    expect(JSON.stringify(permissions)).not.toContain('test-invoke-stage');
  });

  it('reserves no concurrency for the API Lambdas unless asked', () => {
    const reserved = synth({ apiReservedConcurrency: 5 }).template.findResources(
      'AWS::Lambda::Function',
      { Properties: { ReservedConcurrentExecutions: 5 } },
    );

    expect(Object.keys(reserved).sort()).toEqual([
      expect.stringMatching(/^CancelOrder[0-9A-F]{8}$/),
      expect.stringMatching(/^CreateOrder[0-9A-F]{8}$/),
      expect.stringMatching(/^GetOrder[0-9A-F]{8}$/),
      expect.stringMatching(/^TransitionOrder[0-9A-F]{8}$/),
    ]);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
  });

  it('attaches the web ACL it is given to the stage', () => {
    const { template: protectedApi } = synth({ webAclArn: WEB_ACL_ARN });

    const [apiId] = Object.keys(protectedApi.findResources('AWS::ApiGateway::RestApi'));
    const [stageId] = Object.keys(protectedApi.findResources('AWS::ApiGateway::Stage'));
    protectedApi.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: WEB_ACL_ARN,
      ResourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            '::/restapis/',
            { Ref: apiId },
            '/stages/',
            { Ref: stageId },
          ],
        ],
      },
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('protects the shipping inbox from deletion like the other tables, unless destroyable', () => {
    template.allResourcesProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 4);

    synth({ removalPolicy: RemovalPolicy.DESTROY }).template.allResourcesProperties(
      'AWS::DynamoDB::GlobalTable',
      { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] },
    );
  });

  it('puts the X-Ray statement of each function in a policy of its own, the only grant on "*"', () => {
    const onAnything = statementsOf(template).filter(({ statement }) =>
      [statement.Resource].flat().includes('*'),
    );

    expect(onAnything).toHaveLength(7);
    for (const { id, statement } of onAnything) {
      expect(id).toMatch(/TracingPolicy/);
      expect(statement.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    }
    const tracingPolicies = statementsOf(template).filter(({ id }) => /TracingPolicy/.test(id));
    expect(tracingPolicies).toHaveLength(7);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { TracingConfig: { Mode: 'Active' } },
      7,
    );
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

  it("outputs the bus ARN and the shipping subscriber's dead-letter queue on a Custom Event Bus", () => {
    const { template: custom, stack: customStack } = synth({ outbox: { bus: OutboxBus.custom() } });
    const outputs = Object.keys(custom.toJSON().Outputs);

    custom.hasOutput('EventBusArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutboxCustomBus'), 'EventBusArn'] },
    });
    custom.hasOutput('ShippingSubscriberDeadLetterQueueUrl', {
      Value: {
        Ref: customStack.getLogicalId(
          customStack.shipping.subscriberDeadLetterQueue.node.defaultChild as never,
        ),
      },
    });
    expect(outputs).not.toContain('EventBusName');
    expect(outputs).not.toContain('ShippingRuleDeadLetterQueueUrl');
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

  it.each([0, 1.5, -2])('fails if the API reserved concurrency is %s', (value) => {
    expect(() => synth({ apiReservedConcurrency: value })).toThrow(
      `apiReservedConcurrency must be a positive integer, got ${value}`,
    );
  });

  it.each([
    [
      'a CloudFront-scope web ACL',
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/a1b2c3',
    ],
    ['a WAF Classic web ACL', 'arn:aws:waf-regional:eu-west-1:123456789012:webacl/a1b2c3'],
    ['no ARN at all', 'orders-api'],
  ])('fails if webAclArn is %s', (_, webAclArn) => {
    expect(() => synth({ webAclArn })).toThrow(
      `webAclArn must be the ARN of a regional AWS WAF web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), got ${webAclArn}`,
    );
  });
});

describe('OutboxConsumer inbox', () => {
  it('is protected from deletion by default, like the outbox table', () => {
    const stack = testStack();
    new TransactionalOutbox(stack, 'Outbox').addConsumer('Billing', {
      entry: lambdaEntry('shipping/handler.ts'),
      detailTypes: ['OrderConfirmed'],
    });

    Template.fromStack(stack).allResourcesProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('finds nothing unacknowledged in the Orders service', () => {
    const app = testApp();
    new OrdersServiceStack(app, 'Orders');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  it('finds nothing unacknowledged on a Custom Event Bus with a customer managed key and two FIFO consumers', () => {
    const app = testApp();
    const encryptionKey = new Key(new Stack(app, 'Keys'), 'BusKey', { enableKeyRotation: true });
    const stack = new OrdersServiceStack(app, 'Orders', {
      outbox: { bus: OutboxBus.custom({ encryptionKey }) },
    });
    stack.outbox.addConsumer('Billing', {
      entry: lambdaEntry('shipping/handler.ts'),
      detailTypes: ['OrderConfirmed'],
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::EventsV2::Subscriber', 2);
  });

  it('finds nothing unacknowledged with a web ACL attached (APIG3 met, not acknowledged)', () => {
    expect(nagSynth({ webAclArn: WEB_ACL_ARN })).not.toThrow();
  });

  it.each([
    ['an API Lambda', (stack: OrdersServiceStack): NodejsFunction => stack.functions['get-order']],
    ['the relay', (stack: OrdersServiceStack): NodejsFunction => stack.outbox.relayFunction],
    ['a consumer', (stack: OrdersServiceStack): NodejsFunction => stack.shipping.consumerFunction],
  ])(
    'fails if %s is granted anything else on "*": only the X-Ray policy is acknowledged',
    (_, fn) => {
      const synthesize = nagSynth({}, (stack) => {
        fn(stack).addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }),
        );
      });

      expect(synthesize).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
    },
  );

  it('fails a stack that breaks a rule, so the check above is live', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'PlainQueue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow();
  });
});
