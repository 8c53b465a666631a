import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { PROBLEM_TYPE_PREFIX } from '../lambdas/orders/http/problem.js';
import { ordersTableDefinition } from '../lambdas/orders/orders-table.js';
import { ORDER_ROUTES, type OrdersHandlerName } from '../lambdas/orders/routes.js';
import { shipmentsTableDefinition } from '../lambdas/shipping/shipments-table.js';
import { SHIPPING_SUBSCRIPTION } from '../lambdas/shipping/subscription.js';
import { createOutboxFunction, lambdaEntry } from './node-function.js';
import type { OutboxConsumer } from './outbox-consumer.js';
import { TransactionalOutbox, type TransactionalOutboxProps } from './transactional-outbox.js';

/** Properties of the example {@link OrdersServiceStack}. */
export interface OrdersServiceStackProps extends StackProps {
  /**
   * Creates the authorizer of every route (Cognito, Lambda …) in the stack's scope.
   * @default - IAM authorization (SigV4): no anonymous access
   */
  readonly createAuthorizer?: (scope: Construct) => IAuthorizer;
  /**
   * Steady-state request rate of the stage, per second.
   * @default - 100
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of the stage.
   * @default - 200
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Removal policy of the orders table (and the outbox table).
   * @default - RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Topic the alarms notify.
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * Settings of the outbox (relay tuning, retention …).
   * @default - the construct's defaults
   */
  readonly outbox?: Omit<TransactionalOutboxProps, 'alarmTopic' | 'removalPolicy'>;
}

/**
 * The example Orders service: API Gateway (IAM-authorized, throttled, logged, traced) →
 * four API Lambdas → the orders table and the transactional outbox → EventBridge.
 *
 * @example
 * new OrdersServiceStack(app, 'Orders', { throttlingRateLimit: 50 });
 */
export class OrdersServiceStack extends Stack {
  readonly ordersTable: TableV2;
  readonly outbox: TransactionalOutbox;
  readonly api: RestApi;
  /** The example consumer's state. */
  readonly shipmentsTable: TableV2;
  /** The example consumer: shipping. */
  readonly shipping: OutboxConsumer;
  readonly functions: Readonly<Record<OrdersHandlerName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: OrdersServiceStackProps = {}) {
    super(scope, id, props);
    for (const [name, value] of [
      ['throttlingRateLimit', props.throttlingRateLimit],
      ['throttlingBurstLimit', props.throttlingBurstLimit],
    ] as const) {
      if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
        throw new Error(`${name} must be a positive number, got ${value}`);
      }
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.ordersTable = new TableV2(this, 'OrdersTable', {
      partitionKey: { name: ordersTableDefinition.partitionKey.name, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    this.outbox = new TransactionalOutbox(this, 'Outbox', {
      ...props.outbox,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });

    // Every handler reads the writer's settings (one config for the four); only the three
    // command handlers get the outbox's write grant below.
    const environment = {
      ORDERS_TABLE_NAME: this.ordersTable.tableName,
      ...this.outbox.writerEnvironment,
      POWERTOOLS_SERVICE_NAME: 'orders',
    };
    const fn = (name: OrdersHandlerName) =>
      createOutboxFunction(this, pascal(name), {
        handler: `orders/handlers/${name}.ts`,
        environment,
        description: `Orders API: ${name}`,
      });
    this.functions = {
      'create-order': fn('create-order'),
      'get-order': fn('get-order'),
      'transition-order': fn('transition-order'),
      'cancel-order': fn('cancel-order'),
    };
    // Least privilege: each function gets the actions it performs, on the table only.
    const grantOrders = (name: OrdersHandlerName, ...actions: string[]) =>
      Grant.addToPrincipal({
        grantee: this.functions[name],
        actions,
        resourceArns: [this.ordersTable.tableArn],
      });
    grantOrders('create-order', 'dynamodb:PutItem');
    grantOrders('get-order', 'dynamodb:GetItem');
    grantOrders('transition-order', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    grantOrders('cancel-order', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    for (const name of ['create-order', 'transition-order', 'cancel-order'] as const) {
      this.outbox.grantWriteEvents(this.functions[name]);
    }

    // The example consumer: shipping opens a shipment on OrderConfirmed, closes it on
    // OrderCancelled, exactly once per event through its inbox.
    this.shipmentsTable = new TableV2(this, 'ShipmentsTable', {
      partitionKey: {
        name: shipmentsTableDefinition.partitionKey.name,
        type: AttributeType.STRING,
      },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    this.shipping = this.outbox.addConsumer('Shipping', {
      entry: lambdaEntry('shipping/handler.ts'),
      sources: SHIPPING_SUBSCRIPTION.sources,
      detailTypes: SHIPPING_SUBSCRIPTION.detailTypes,
      orderPolicy: SHIPPING_SUBSCRIPTION.orderPolicy,
      removalPolicy,
      environment: {
        SHIPMENTS_TABLE_NAME: this.shipmentsTable.tableName,
        POWERTOOLS_SERVICE_NAME: 'shipping',
      },
    });
    Grant.addToPrincipal({
      grantee: this.shipping.consumerFunction,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.shipmentsTable.tableArn],
    });

    this.api = this.createApi(props);
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the Orders API (SigV4-signed requests)',
    });
    new CfnOutput(this, 'EventBusName', { value: this.outbox.eventBus.eventBusName });
    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'OutboxTableName', { value: this.outbox.table.tableName });
    // What `npx dynamo-outbox --stack <name>` reads to find the outbox's resources.
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.outbox.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RelayFunctionName', { value: this.outbox.relayFunction.functionName });
    new CfnOutput(this, 'StreamFailureQueueUrl', {
      value: this.outbox.streamFailureQueue.queueUrl,
    });
    // Where the runbook's dead-letter alarms send the operator.
    new CfnOutput(this, 'SweepScheduleDeadLetterQueueUrl', {
      value: this.outbox.sweepScheduleDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'ShippingRuleDeadLetterQueueUrl', {
      value: this.shipping.ruleDeadLetterQueue.queueUrl,
    });
  }

  private createApi(props: OrdersServiceStackProps): RestApi {
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    const api = new RestApi(this, 'Api', {
      description: 'dynamo-outbox example: Orders API',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: props.createAuthorizer
        ? { authorizer: props.createAuthorizer(this) }
        : { authorizationType: AuthorizationType.IAM },
    });
    // Parameters are checked at the edge; bodies by the Lambdas, which answer with
    // field-level problem+json errors from the same zod schemas in every runtime.
    const validator = new RequestValidator(this, 'RequestValidator', {
      restApi: api,
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const integrations = new Map<OrdersHandlerName, LambdaIntegration>();
    for (const route of ORDER_ROUTES) {
      const integration =
        integrations.get(route.handler) ?? new LambdaIntegration(this.functions[route.handler]);
      integrations.set(route.handler, integration);
      api.root.resourceForPath(route.resource).addMethod(route.method, integration, {
        requestValidator: validator,
        requestParameters: route.resource.includes('{id}')
          ? { 'method.request.path.id': true }
          : {},
      });
    }
    // API Gateway's own errors (auth, throttling, unknown route) in problem+json too.
    for (const [name, type, title] of [
      ['Default4xx', ResponseType.DEFAULT_4XX, 'Client Error'],
      ['Default5xx', ResponseType.DEFAULT_5XX, 'Server Error'],
    ] as const) {
      api.addGatewayResponse(name, {
        type,
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: {
          'application/json': `{"type":"${PROBLEM_TYPE_PREFIX}gateway-$context.error.responseType","title":"${title}","detail":$context.error.messageString,"correlationId":"$context.requestId"}`,
        },
      });
    }
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Request parameters are validated at the edge; bodies are validated by the Lambdas against the same zod schemas as in local mode, which answer with field-level problem+json errors that API Gateway models cannot produce.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'The example API is IAM-authorized (SigV4) and throttled per stage; attach a WAF web ACL in production deployments that face the internet.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Methods use IAM authorization (or the authorizer passed in props), not a Cognito user pool.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level role API Gateway uses to write execution logs; AWS publishes this managed policy for exactly that purpose.',
    });
    return api;
  }
}

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
