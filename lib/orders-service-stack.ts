import { CfnOutput, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IAccessLogDestination,
  type IAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
  type StageOptions,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { PROBLEM_TYPE_PREFIX } from '../lambdas/orders/http/problem.js';
import { ordersTableDefinition } from '../lambdas/orders/orders-table.js';
import { ORDER_ROUTES, type OrdersHandlerName } from '../lambdas/orders/routes.js';
import { shipmentsTableDefinition } from '../lambdas/shipping/shipments-table.js';
import { SHIPPING_SUBSCRIPTION } from '../lambdas/shipping/subscription.js';
import { createOutboxFunction, lambdaEntry } from './node-function.js';
import type { OutboxConsumer } from './outbox-consumer.js';
import { TransactionalOutbox, type TransactionalOutboxProps } from './transactional-outbox.js';

/** A web ACL an API Gateway stage can use: WAFv2, REGIONAL scope (not CloudFront's). */
const REGIONAL_WEB_ACL_ARN =
  /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[\w-]+\/[\w-]+$/;

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
  /**
   * Reserved concurrent executions of each of the four API Lambdas: a cap on what a flood
   * of requests can cost, and a floor the rest of the account cannot take. Opt-in: the
   * reservation fails the deploy of an account near its unreserved minimum.
   * @default - no reservation
   */
  readonly apiReservedConcurrency?: number;
  /**
   * ARN of a regional AWS WAF web ACL to attach to the API stage.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Level of the stage's execution logs. Execution logging (any level but OFF) needs the
   * account's API Gateway CloudWatch role, set once per account and region outside this
   * stack (README, "Deploy").
   * @default - MethodLoggingLevel.ERROR
   */
  readonly executionLoggingLevel?: MethodLoggingLevel;
  /**
   * Where the stage's access logs go. A CloudWatch log group needs the account's API
   * Gateway CloudWatch role too; a Firehose stream (`FirehoseLogDestination`) does not.
   * @default - a log group of this stack, kept one month
   */
  readonly accessLogDestination?: IAccessLogDestination;
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
    validateProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.ordersTable = this.createTable(
      'OrdersTable',
      ordersTableDefinition.partitionKey.name,
      removalPolicy,
    );
    this.outbox = new TransactionalOutbox(this, 'Outbox', {
      ...props.outbox,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });
    this.functions = this.createApiFunctions(props.apiReservedConcurrency);
    this.grantApiFunctions();
    this.shipmentsTable = this.createTable(
      'ShipmentsTable',
      shipmentsTableDefinition.partitionKey.name,
      removalPolicy,
    );
    this.shipping = this.createShippingConsumer(removalPolicy);
    this.api = this.createApi(props);
    this.addOutputs();
  }

  /** A table of the example: on-demand, point-in-time recovery, protected when retained. */
  private createTable(
    tableId: string,
    partitionKey: string,
    removalPolicy: RemovalPolicy,
  ): TableV2 {
    return new TableV2(this, tableId, {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }

  /** The four API Lambdas, each with the writer's settings (one config for the four). */
  private createApiFunctions(
    reservedConcurrency: number | undefined,
  ): Record<OrdersHandlerName, NodejsFunction> {
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
        ...(reservedConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: reservedConcurrency }),
      });
    return {
      'create-order': fn('create-order'),
      'get-order': fn('get-order'),
      'transition-order': fn('transition-order'),
      'cancel-order': fn('cancel-order'),
    };
  }

  /**
   * Least privilege: each function gets the actions it performs, on the orders table only;
   * only the three command handlers may write to the outbox.
   */
  private grantApiFunctions(): void {
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
  }

  /**
   * The example consumer: shipping opens a shipment on OrderConfirmed, closes it on
   * OrderCancelled, exactly once per event through its inbox.
   */
  private createShippingConsumer(removalPolicy: RemovalPolicy): OutboxConsumer {
    const shipping = this.outbox.addConsumer('Shipping', {
      entry: lambdaEntry('shipping/handler.ts'),
      sources: SHIPPING_SUBSCRIPTION.sources,
      detailTypes: SHIPPING_SUBSCRIPTION.detailTypes,
      orderPolicy: SHIPPING_SUBSCRIPTION.orderPolicy,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      environment: {
        SHIPMENTS_TABLE_NAME: this.shipmentsTable.tableName,
        POWERTOOLS_SERVICE_NAME: 'shipping',
      },
    });
    Grant.addToPrincipal({
      grantee: shipping.consumerFunction,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.shipmentsTable.tableArn],
    });
    return shipping;
  }

  /** What operators and `npx dynamo-outbox --stack <name>` read to find the resources. */
  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the Orders API (SigV4-signed requests)',
    });
    // A Custom Event Bus is addressed by its ARN only.
    if (this.outbox.busKind === 'classic') {
      new CfnOutput(this, 'EventBusName', { value: this.outbox.eventBus.eventBusName });
    } else {
      new CfnOutput(this, 'EventBusArn', { value: this.outbox.eventBusArn });
    }
    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'OutboxTableName', { value: this.outbox.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.outbox.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RelayFunctionName', { value: this.outbox.relayFunction.functionName });
    new CfnOutput(this, 'StreamFailureQueueUrl', {
      value: this.outbox.streamFailureQueue.queueUrl,
    });
    // Where the runbook's dead-letter alarms send the operator.
    new CfnOutput(this, 'SweepScheduleDeadLetterQueueUrl', {
      value: this.outbox.sweepScheduleDeadLetterQueue.queueUrl,
    });
    if (this.shipping.busKind === 'classic') {
      new CfnOutput(this, 'ShippingRuleDeadLetterQueueUrl', {
        value: this.shipping.ruleDeadLetterQueue.queueUrl,
      });
    } else {
      new CfnOutput(this, 'ShippingSubscriberDeadLetterQueueUrl', {
        value: this.shipping.subscriberDeadLetterQueue.queueUrl,
      });
    }
  }

  /** The REST API: regional, authorized, throttled, logged and traced; one route per handler. */
  private createApi(props: OrdersServiceStackProps): RestApi {
    const api = new RestApi(this, 'Api', {
      description: 'dynamo-outbox example: Orders API',
      endpointTypes: [EndpointType.REGIONAL],
      // The CloudWatch role is a setting of the whole account and region: a stack that owns
      // it overwrites everyone's and, once deleted, breaks every API's logs. Set it once.
      cloudWatchRole: false,
      deployOptions: this.stageOptions(props),
      defaultMethodOptions: props.createAuthorizer
        ? { authorizer: props.createAuthorizer(this) }
        : { authorizationType: AuthorizationType.IAM },
    });
    this.addRoutes(api);
    this.addProblemResponses(api);
    acknowledgeApiValidation(api);
    this.protectStage(api, props.webAclArn);
    return api;
  }

  /** The `prod` stage: throttled, traced, with metrics, execution and access logs. */
  private stageOptions(props: OrdersServiceStackProps): StageOptions {
    return {
      stageName: 'prod',
      throttlingRateLimit: props.throttlingRateLimit ?? 100,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      tracingEnabled: true,
      metricsEnabled: true,
      loggingLevel: props.executionLoggingLevel ?? MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      accessLogDestination:
        props.accessLogDestination ??
        new LogGroupLogDestination(
          new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH }),
        ),
      accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
    };
  }

  /**
   * One method per route, one integration per handler. Parameters are checked at the edge;
   * bodies by the Lambdas, which answer with field-level problem+json errors from the same
   * zod schemas in every runtime.
   */
  private addRoutes(api: RestApi): void {
    const validator = new RequestValidator(this, 'RequestValidator', {
      restApi: api,
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const integrations = new Map<OrdersHandlerName, LambdaIntegration>();
    for (const route of ORDER_ROUTES) {
      // No `test-invoke-stage` permission: only the deployed stage may invoke the functions.
      const integration =
        integrations.get(route.handler) ??
        new LambdaIntegration(this.functions[route.handler], { allowTestInvoke: false });
      integrations.set(route.handler, integration);
      api.root.resourceForPath(route.resource).addMethod(route.method, integration, {
        requestValidator: validator,
        requestParameters: route.resource.includes('{id}')
          ? { 'method.request.path.id': true }
          : {},
      });
    }
  }

  /** API Gateway's own errors (auth, throttling, unknown route) in problem+json too. */
  private addProblemResponses(api: RestApi): void {
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
  }

  /** Attaches the web ACL to the stage; without one, says why the stage may go without. */
  private protectStage(api: RestApi, webAclArn: string | undefined): void {
    if (webAclArn === undefined) {
      Validations.of(api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No webAclArn was given: the example API is IAM-authorized (SigV4) and throttled per stage; pass webAclArn for deployments that face the internet.',
      });
      return;
    }
    // The stage ARN refers to the stage, so the association waits for it.
    new CfnWebACLAssociation(this, 'ApiWebAclAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn,
    });
  }
}

/** Why the API goes without the request models and the Cognito pool cdk-nag asks for. */
function acknowledgeApiValidation(api: RestApi): void {
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG2',
    reason:
      'Request parameters are validated at the edge; bodies are validated by the Lambdas against the same zod schemas as in local mode, which answer with field-level problem+json errors that API Gateway models cannot produce.',
  });
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-COG4',
    reason:
      'Methods use IAM authorization (or the authorizer passed in props), not a Cognito user pool.',
  });
}

/** Validates the props early, naming the bad value. */
function validateProps(props: OrdersServiceStackProps): void {
  for (const [name, value] of [
    ['throttlingRateLimit', props.throttlingRateLimit],
    ['throttlingBurstLimit', props.throttlingBurstLimit],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new Error(`${name} must be a positive number, got ${value}`);
    }
  }
  const concurrency = props.apiReservedConcurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new Error(`apiReservedConcurrency must be a positive integer, got ${concurrency}`);
  }
  const arn = props.webAclArn;
  if (arn !== undefined && !Token.isUnresolved(arn) && !REGIONAL_WEB_ACL_ARN.test(arn)) {
    throw new Error(
      `webAclArn must be the ARN of a regional AWS WAF web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), got ${arn}`,
    );
  }
}

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
