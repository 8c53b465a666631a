import {
  Annotations,
  Arn,
  ArnFormat,
  Duration,
  Lazy,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  TokenComparison,
  Validations,
} from 'aws-cdk-lib';
import {
  Alarm,
  type AlarmProps,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type Metric,
  type MetricOptions,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AttributeType,
  Billing,
  type ITableV2,
  ProjectionType,
  StreamViewType,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { type CfnEventBus, EventBus, type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { CfnEventBus as CfnCustomEventBus } from 'aws-cdk-lib/aws-eventsv2';
import {
  AnyPrincipal,
  Effect,
  Grant,
  type IGrantable,
  type IRole,
  Policy,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  type Function as CdkFunction,
  FilterCriteria,
  type IEventSourceDlq,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeliveryDefaults, DeliveryVariable } from '../lambdas/outbox/delivery-config.js';
import {
  OUTBOX_METRICS_NAMESPACE,
  OutboxMetric,
  type OutboxMetricName,
  TelemetryVariable,
} from '../lambdas/outbox/metrics.js';
import {
  aggregateKey,
  DEFAULT_PENDING_SHARDS,
  IDEMPOTENCY_PK_PREFIX,
  type KeyAttributeDefinition,
  MAX_PENDING_SHARDS,
  OUTBOX_STREAM_FILTER_PATTERN,
  outboxTableDefinition,
  PENDING_INDEX_NAME,
} from '../lambdas/outbox/schema.js';
import { VERIFY_CANARY } from '../lambdas/outbox/verify-canary.js';
import { AGGREGATE_TYPE_PATTERN } from '../lambdas/outbox/write-input.js';
import { ANY_EVENT_SOURCE, WriterVariable } from '../lambdas/outbox/writer-environment.js';
import { RelayDefaults, RelayVariable } from '../lambdas/relay/config.js';
import { SweeperDefaults, SweeperVariable } from '../lambdas/sweeper/config.js';
import { createCustomEventBus } from './custom-event-bus.js';
import { maxWriterEntryBytes } from './delivered-event-size.js';
import { eventBridgeDeadLetterQueue } from './event-bridge-dead-letter-queue.js';
import { createOutboxFunction } from './node-function.js';
import { type OutboxBus, type OutboxBusKind, WrongBusKindError } from './outbox-bus.js';
import { type OutboxBusPolicyProps, outboxBusPolicyDocument } from './outbox-bus-policy.js';
import { OutboxConsumer, type OutboxConsumerProps } from './outbox-consumer.js';
import { type OutboxMetricOptions, outboxMetric } from './outbox-metric.js';

// Spelled once, in the runtime core the relay and the sweeper emit with.
export { OUTBOX_METRICS_NAMESPACE } from '../lambdas/outbox/metrics.js';
export type { OutboxMetricEmitter, OutboxMetricOptions } from './outbox-metric.js';

/** A Custom Event Bus suppresses a repeat within 5 minutes (eb-custom-bus-what-is). */
const CUSTOM_BUS_DEDUP_WINDOW = Duration.minutes(5);
/** Grace + the default 1-minute interval stays a minute inside that window. */
const CUSTOM_BUS_SWEEPER_GRACE = Duration.minutes(3);

/**
 * Properties of a {@link TransactionalOutbox}. Every one is optional: the defaults give an
 * outbox fit for production.
 *
 * @example
 * ```ts
 * import { App, Duration, Stack } from 'aws-cdk-lib';
 * import { EventBus } from 'aws-cdk-lib/aws-events';
 * import { Topic } from 'aws-cdk-lib/aws-sns';
 * import { TransactionalOutbox, type TransactionalOutboxProps } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const props: TransactionalOutboxProps = {
 *   // Publish to the bus other teams already subscribe on.
 *   eventBus: EventBus.fromEventBusName(stack, 'Bus', 'commerce'),
 *   serviceName: 'orders-relay',
 *   retention: Duration.days(3),
 *   alarmTopic: new Topic(stack, 'OnCall'),
 *   oldestPendingAlarmThreshold: Duration.minutes(10),
 * };
 * new TransactionalOutbox(stack, 'Outbox', props);
 * ```
 */
export interface TransactionalOutboxProps {
  /**
   * An existing outbox table to relay from. It must have the outbox key schema
   * (`pk`/`sk` strings), the pending index, TTL on `expiresAt`, and a stream with new
   * images (`tableStreamArn` set).
   * @default - a new table: on-demand, stream NEW_IMAGE, TTL, point-in-time recovery,
   *   deletion protection, retained on stack deletion
   */
  readonly table?: ITableV2;
  /**
   * The bus events are published to. A bus the construct creates gets a resource policy
   * that denies `events:PutEvents` to everyone but the relay, the sweeper and the roles
   * given to `allowPublishing()`; for a bus you give, add that policy yourself
   * (`busPolicyProps()`, docs/construct.md "Who may publish").
   * @default - a new event bus, with that policy
   */
  readonly eventBus?: IEventBus;
  /**
   * Which bus to publish to: the classic bus, `OutboxBus.classic(eventBus?)`, or the enhanced
   * Custom Event Bus, `OutboxBus.custom(props?)` (a new one) or
   * `OutboxBus.fromCustomBusArn(arn)`, which keeps each aggregate's events in order for FIFO
   * subscribers and drops repeats within 5 minutes (docs/construct.md "Choosing a bus"). A
   * custom bus gets no bus policy. Give `bus` or `eventBus`, not both.
   * @default - OutboxBus.classic(eventBus)
   */
  readonly bus?: OutboxBus;
  /**
   * The only sources the outbox's events may carry. The policy of a classic bus the construct
   * creates denies any other source (the canary source of `dynamo-outbox verify` is
   * always allowed), and writers added with `addWriter()` refuse another source at write
   * time, before the relay would be refused by the bus.
   * @default - any source
   */
  readonly eventSources?: readonly string[];
  /**
   * Removal policy of the table the construct creates.
   * @default - RemovalPolicy.RETAIN: pending events survive a stack deletion
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deletion protection of the table the construct creates.
   * @default - true
   */
  readonly deletionProtection?: boolean;
  /**
   * How long delivered records stay in the table before TTL removes them (1..3,650 days).
   * Pending records never expire.
   * @default - 7 days
   */
  readonly retention?: Duration;
  /**
   * Concurrent batches per stream shard (1..10). Order is enforced by the relay, so more
   * lanes only add throughput.
   * @default - 10
   */
  readonly parallelizationFactor?: number;
  /**
   * Records per relay invocation (1..10,000).
   * @default - 100
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before invoking (0..300 s): latency against cost.
   * @default - no batching window: lowest latency
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Retries of a failed batch before Lambda skips it to the stream-failure queue (0..10,000).
   * Skipped records stay PENDING in the table: the sweeper delivers them.
   * @default - 100
   */
  readonly retryAttempts?: number;
  /**
   * Oldest record Lambda still hands to the relay (60 s..7 days); older ones are skipped to
   * the stream-failure queue and, still PENDING, left to the sweeper.
   * @default - 1 day
   */
  readonly maxRecordAge?: Duration;
  /**
   * PutEvents request size limit in bytes (1 MB since 2026; 262,144 in accounts still on 256 KB).
   * @default - 1,048,576
   */
  readonly maxRequestBytes?: number;
  /**
   * PutEvents calls the relay keeps in flight (1..50).
   * @default - 4
   */
  readonly publishConcurrency?: number;
  /**
   * Timeout of the relay function (10 s..15 min).
   * @default - 1 minute
   */
  readonly relayTimeout?: Duration;
  /**
   * Memory of the relay function, in MB (128..10,240).
   * @default - 512
   */
  readonly relayMemorySize?: number;
  /**
   * Topic the default alarms notify.
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * Iterator age (stream lag) that raises the alarm.
   * @default - 5 minutes
   */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /**
   * Service name in the relay's logs and metric dimension; distinguishes several outboxes.
   * The sweeper uses the same name with `-sweeper` instead of `-relay`.
   * @default - `<stack name>-<construct id>-relay`
   */
  readonly serviceName?: string;
  /**
   * How often the sweeper runs (1 minute..1 day).
   * @default - every minute
   */
  readonly sweepInterval?: Duration;
  /**
   * How long a record stays PENDING before the sweeper delivers it (at most 1 day). Longer
   * than the relay's usual lag, so the two rarely race (a race duplicates, never reorders).
   * On a Custom Event Bus, keep it plus `sweepInterval` under the bus's 5-minute
   * de-duplication window: a sweep that repeats an event the relay published (its marking
   * lost) is then answered `DEDUPLICATED` instead of delivered twice (a synth warning says
   * when it is not).
   * @default - 5 minutes on a classic bus; 3 minutes on a Custom Event Bus
   */
  readonly sweeperGracePeriod?: Duration;
  /**
   * Most records one sweeper run delivers (1..100,000).
   * @default - 1,000
   */
  readonly sweeperMaxRecordsPerRun?: number;
  /**
   * Reserved concurrency of the sweeper (1..1,000), e.g. 1 to never run two sweeps at once.
   * Not needed for correctness: overlapping sweeps can duplicate an event, never reorder one.
   * Lambda refuses a reservation that leaves the account less than 100 unreserved
   * executions, so on a new or sandbox account (quota 10) it fails the deploy.
   * @default - none: the sweeper uses the account's unreserved concurrency
   */
  readonly sweeperReservedConcurrency?: number;
  /**
   * Shards of the pending index the sweeper queries (1..1,000). Writers must use the same
   * number: `addWriter()` passes it to them. More shards spread the index's write load.
   * Only ever raise it on a deployed outbox: a record pending in a shard above a lowered
   * count would no longer be swept (raising keeps every old shard in the query).
   * @default - 16
   */
  readonly pendingShards?: number;
  /**
   * Messages in the poison dead-letter queue above which the alarm fires (0..1,000,000).
   * @default - 0: any poison record alarms
   */
  readonly deadLetterAlarmThreshold?: number;
  /**
   * Failed relay invocations in 5 minutes above which the alarm fires (0..1,000,000).
   * @default - 0: any failed batch alarms (only configuration errors fail a batch)
   */
  readonly relayErrorsAlarmThreshold?: number;
  /**
   * Whether to create a CloudWatch dashboard of the outbox.
   * @default - true
   */
  readonly dashboard?: boolean;
  /**
   * Name of the dashboard.
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
  /**
   * Age of the oldest PENDING record that raises the alarm. The alarm also fires when the
   * sweeper stops reporting.
   * @default - 15 minutes
   */
  readonly oldestPendingAlarmThreshold?: Duration;
}

/**
 * What a writer of the outbox may write: `grantWriteEvents()` and `addWriter()` options.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { Runtime } from 'aws-cdk-lib/aws-lambda';
 * import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
 * import { type OutboxWriterGrantOptions, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Shop');
 * const outbox = new TransactionalOutbox(stack, 'Outbox');
 * const returns = new NodejsFunction(stack, 'Returns', {
 *   entry: new URL('./returns.ts', import.meta.url).pathname,
 *   runtime: Runtime.NODEJS_24_X,
 * });
 * // The returns service writes Return aggregates, and cannot write (or emit) Orders.
 * const onlyReturns: OutboxWriterGrantOptions = { aggregateTypes: ['Return'] };
 * outbox.addWriter(returns, onlyReturns);
 * ```
 */
export interface OutboxWriterGrantOptions {
  /**
   * The aggregate types the writer may write records of (IAM `dynamodb:LeadingKeys` on
   * `<type>#*`, plus the idempotency records it needs).
   * @default - any aggregate type
   */
  readonly aggregateTypes?: readonly string[];
}

/**
 * The transactional outbox: the outbox table with its stream, the relay Lambda that
 * publishes committed events to EventBridge in order per aggregate, a dead-letter queue
 * for poison records (with their payload), and alarms.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { Runtime } from 'aws-cdk-lib/aws-lambda';
 * import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
 * import { TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * // Table, stream, relay, sweeper, dead-letter queues, alarms and dashboard.
 * const outbox = new TransactionalOutbox(stack, 'Outbox');
 * // A command handler that writes through OutboxWriter (dynamo-outbox/runtime).
 * const createOrder = new NodejsFunction(stack, 'CreateOrder', {
 *   entry: new URL('./create-order.ts', import.meta.url).pathname,
 *   runtime: Runtime.NODEJS_24_X,
 *   environment: { OUTBOX_TABLE_NAME: outbox.table.tableName },
 * });
 * outbox.grantWriteEvents(createOrder);
 * ```
 */
export class TransactionalOutbox extends Construct {
  /** The outbox table. */
  readonly table: ITableV2;
  /** Which bus the relay and the sweeper publish to: `classic` or `custom` (see `bus`). */
  readonly busKind: OutboxBusKind;
  /**
   * ARN of the bus the relay and the sweeper publish to: the classic bus's, or the Custom
   * Event Bus's (`…:event-busv2/<name>/<id>`, how that bus is addressed).
   */
  readonly eventBusArn: string;
  /** The Custom Event Bus the construct created (`OutboxBus.custom()`), else undefined. */
  readonly customEventBus: CfnCustomEventBus | undefined;
  /** The relay Lambda. */
  readonly relayFunction: NodejsFunction;
  /** Poison records, each with its full payload: never publishable as they are. */
  readonly deadLetterQueue: Queue;
  /** Metadata of stream batches Lambda gave up on (the records stay PENDING). */
  readonly streamFailureQueue: Queue;
  /** The default alarms. */
  readonly alarms: readonly Alarm[];
  /** The CloudWatch dashboard, unless `dashboard: false`. */
  readonly dashboard: Dashboard | undefined;
  /** The sweeper Lambda: delivers what stayed PENDING past the grace period. */
  readonly sweeperFunction: NodejsFunction;
  /** Sweeper runs EventBridge could not start (its schedule target's dead-letter queue). */
  readonly sweepScheduleDeadLetterQueue: Queue;
  /** Service name of the relay's logs and metrics. */
  readonly serviceName: string;
  /** Service name of the sweeper's logs and metrics. */
  readonly sweeperServiceName: string;
  /**
   * The environment an `OutboxWriter.fromEnvironment()` reads: the table name, the
   * pending-index shards, the largest publishable entry and the sources (`*`: any) of
   * this outbox. `addWriter()` sets it on a Lambda; give it to other compute (a container,
   * a test) yourself.
   */
  readonly writerEnvironment: Readonly<Record<string, string>>;
  /** Passed on to the consumers `addConsumer()` creates. */
  private readonly alarmTopic: ITopic | undefined;
  /** The roles the bus policy lets put events: see {@link addBusPublisher}. */
  private readonly busPublishers: IRole[] = [];
  /** What the bus accepts (`eventSources` and the canary's), or undefined for any source. */
  private readonly busEventSources: readonly string[] | undefined;

  /** Whether the relay and the sweeper describe the bus before publishing (own account). */
  private readonly eventBusVerified: boolean;
  /** The classic bus, or undefined on a custom bus: see {@link eventBus}. */
  private readonly classicBus: IEventBus | undefined;
  /** The customer managed key of a custom bus, which its publishers decrypt with. */
  private readonly busKey: IKey | undefined;

  constructor(scope: Construct, id: string, props: TransactionalOutboxProps = {}) {
    super(scope, id);
    validateProps(props);
    this.serviceName = props.serviceName ?? `${Stack.of(this).stackName}-${id}-relay`;
    this.sweeperServiceName = `${this.serviceName.replace(/-relay$/, '')}-sweeper`;
    this.alarmTopic = props.alarmTopic;
    this.table = props.table ?? this.createTable(props);
    this.busEventSources = busEventSourcesOf(props.eventSources);
    const bus = this.placeBus(props);
    this.busKind = bus.kind;
    this.classicBus = bus.classicBus;
    this.customEventBus = bus.customEventBus;
    this.eventBusArn = bus.eventBusArn;
    this.busKey = bus.key;
    this.eventBusVerified = this.eventBusVerifiable();
    this.writerEnvironment = this.createWriterEnvironment(props);
    this.deadLetterQueue = this.createDeadLetterQueue('DeadLetterQueue');
    this.streamFailureQueue = this.createDeadLetterQueue('StreamFailureQueue');
    const deliveryEnvironment = this.deliveryEnvironment(props);
    this.relayFunction = this.createRelay(props, deliveryEnvironment);
    this.sweepScheduleDeadLetterQueue = eventBridgeDeadLetterQueue(
      this,
      'SweepScheduleDeadLetterQueue',
      { writer: 'rule target' },
    );
    this.sweeperFunction = this.createSweeper(props, deliveryEnvironment);
    this.onlyDeliveryMaySendToDeadLetterQueue();
    this.alarms = this.createAlarms(props);
    this.dashboard = props.dashboard === false ? undefined : this.createDashboard(props);
  }

  /**
   * The classic bus the relay publishes to (given, or created with its policy).
   *
   * @throws WrongBusKindError on an outbox with a Custom Event Bus: use `eventBusArn`
   *   (and `customEventBus` for the one the construct created)
   */
  get eventBus(): IEventBus {
    if (this.classicBus === undefined) {
      throw new WrongBusKindError(
        `outbox ${this.node.path} publishes to a Custom Event Bus, not a classic one: use eventBusArn (or customEventBus) instead of eventBus`,
      );
    }
    return this.classicBus;
  }

  /** The bus as `bus` (or `eventBus`) says: given, or created here. */
  private placeBus(props: TransactionalOutboxProps): PlacedBus {
    const bus = props.bus?.definition ?? { kind: 'classic', eventBus: props.eventBus };
    if (bus.kind === 'classic') {
      const classicBus = bus.eventBus ?? this.createBus();
      return { kind: 'classic', classicBus, eventBusArn: classicBus.eventBusArn };
    }
    if ('create' in bus) {
      const customEventBus = createCustomEventBus(this, 'CustomBus', bus.create);
      return {
        kind: 'custom',
        customEventBus,
        eventBusArn: customEventBus.attrEventBusArn,
        key: bus.create.encryptionKey,
      };
    }
    return { kind: 'custom', eventBusArn: bus.eventBusArn, key: bus.encryptionKey };
  }

  /** What `OutboxWriter.fromEnvironment()` needs to write records this outbox relays. */
  private createWriterEnvironment(props: TransactionalOutboxProps): Record<string, string> {
    return {
      [WriterVariable.tableName]: this.table.tableName,
      [WriterVariable.pendingShards]: String(props.pendingShards ?? DEFAULT_PENDING_SHARDS),
      // An entry is published alone at worst: it must fit in one PutEvents request, and the
      // event EventBridge delivers from it must fit a consumer's SQS buffer.
      [WriterVariable.maxEntryBytes]: String(
        maxWriterEntryBytes(props.maxRequestBytes ?? DeliveryDefaults.maxRequestBytes),
      ),
      // The writers' own sources: the canary's is only the CLI's to write.
      [WriterVariable.eventSources]:
        props.eventSources === undefined ? ANY_EVENT_SOURCE : JSON.stringify(props.eventSources),
    };
  }

  /** A queue where records that cannot be published end: encrypted, kept 14 days. */
  private createDeadLetterQueue(queueId: string): Queue {
    const queue = new Queue(this, queueId, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the last stop for records the relay cannot publish.',
    });
    return queue;
  }

  /** The relay: reads the stream, publishes in order, quarantines poison records. */
  private createRelay(
    props: TransactionalOutboxProps,
    deliveryEnvironment: Record<string, string>,
  ): NodejsFunction {
    const relay = createOutboxFunction(this, 'Relay', {
      handler: 'relay/handler.ts',
      description: 'dynamo-outbox relay: outbox stream → EventBridge, in order per aggregate',
      memorySize: props.relayMemorySize ?? 512,
      timeout: props.relayTimeout ?? Duration.minutes(1),
      environment: {
        ...deliveryEnvironment,
        [TelemetryVariable.serviceName]: this.serviceName,
        [RelayVariable.predecessorWaitMs]: String(RelayDefaults.predecessorWaitMs),
      },
    });
    // Exactly what the relay does: read statuses, mark records, publish, quarantine.
    this.grantTableActions(relay, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem');
    this.grantDelivery(relay);
    this.addBusPublisher(roleOf(relay));
    relay.addEventSource(this.outboxStreamSource(props));
    return relay;
  }

  /** The table's stream as the relay's event source: only new PENDING records, retried long. */
  private outboxStreamSource(props: TransactionalOutboxProps): DynamoEventSource {
    return new DynamoEventSource(this.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      ...(props.maxBatchingWindow === undefined
        ? {}
        : { maxBatchingWindow: props.maxBatchingWindow }),
      parallelizationFactor: props.parallelizationFactor ?? 10,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: props.retryAttempts ?? 100,
      maxRecordAge: props.maxRecordAge ?? Duration.days(1),
      onFailure: sendOnlyDestination(this.streamFailureQueue),
      filters: [
        FilterCriteria.filter(OUTBOX_STREAM_FILTER_PATTERN as unknown as Record<string, unknown>),
      ],
    });
  }

  /**
   * Lets a command Lambda write through the `OutboxWriter`: `PutItem` (outbox and
   * idempotency records) and `GetItem` (idempotency look-up) on the outbox table, nothing
   * else. Grant the entity table's actions separately.
   *
   * By default the writer may write the records of any aggregate. With `aggregateTypes`
   * it may put only keys `<type>#…` of those types and idempotency records, and read only
   * idempotency records (IAM `dynamodb:LeadingKeys`); the relay and the sweeper refuse a
   * record whose events name another aggregate than its key, so the writer cannot emit
   * events of other aggregate types either (docs/construct.md "Who may write what").
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox');
   * // A container task that writes orders and nothing else.
   * const orderTask = new Role(stack, 'OrderTask', {
   *   assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
   * });
   * outbox.grantWriteEvents(orderTask, { aggregateTypes: ['Order'] });
   * ```
   */
  grantWriteEvents(grantee: IGrantable, options: OutboxWriterGrantOptions = {}): Grant {
    if (options.aggregateTypes === undefined) {
      return this.grantTableActions(grantee, 'dynamodb:PutItem', 'dynamodb:GetItem');
    }
    validateAggregateTypes(options.aggregateTypes);
    const idempotencyKeys = `${IDEMPOTENCY_PK_PREFIX}*`;
    // `Order#*`, built by the writer's own key function: the type ends at the first `#`.
    const aggregateKeys = options.aggregateTypes.map((type) => `${aggregateKey(type, '')}*`);
    const put = Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
      conditions: leadingKeysCondition([...aggregateKeys, idempotencyKeys]),
    });
    const get = Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
      conditions: leadingKeysCondition([idempotencyKeys]),
    });
    return put.combine(get);
  }

  /**
   * Makes a Lambda a writer of this outbox: grants what `grantWriteEvents()` grants (only
   * the keys of `options.aggregateTypes` when given) and sets {@link writerEnvironment},
   * which `OutboxWriter.fromEnvironment()` reads — so the writer's table, pending shards,
   * entry size limit and sources always match this deployment. Grant the entity table's
   * actions separately.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
   * import { Runtime } from 'aws-cdk-lib/aws-lambda';
   * import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * // An account still on 256 KB PutEvents requests: the writer then refuses larger events.
   * const outbox = new TransactionalOutbox(stack, 'Outbox', { maxRequestBytes: 262_144 });
   * const orders = new TableV2(stack, 'Orders', {
   *   partitionKey: { name: 'id', type: AttributeType.STRING },
   * });
   * const createOrder = new NodejsFunction(stack, 'CreateOrder', {
   *   entry: new URL('./create-order.ts', import.meta.url).pathname,
   *   runtime: Runtime.NODEJS_24_X,
   *   environment: { ORDERS_TABLE_NAME: orders.tableName },
   * });
   * outbox.addWriter(createOrder);
   * orders.grantReadWriteData(createOrder);
   * ```
   */
  addWriter(writer: CdkFunction, options: OutboxWriterGrantOptions = {}): Grant {
    for (const [name, value] of Object.entries(this.writerEnvironment)) {
      writer.addEnvironment(name, value);
    }
    return this.grantWriteEvents(writer, options);
  }

  /**
   * Lets a role put events on the outbox's bus: grants `events:PutEvents` on it and adds
   * the role to the principals the bus policy lets through. Meant for operators (the
   * CLI's `replay` and `redrive` publish with their credentials); anyone else publishing
   * to the bus bypasses the outbox's order and de-duplication. The role must be of the
   * bus's account: the policy has no Allow for another account.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { Role } from 'aws-cdk-lib/aws-iam';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox');
   * // The on-call engineers' SSO role, which runs `dynamo-outbox redrive`.
   * const onCall = Role.fromRoleArn(
   *   stack,
   *   'OnCall',
   *   'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_OrdersOnCall_0123456789abcdef',
   * );
   * outbox.allowPublishing(onCall);
   * ```
   */
  allowPublishing(role: IRole): Grant {
    this.addBusPublisher(role);
    // On the role only: a statement added to the bus's policy would fight its `Policy`.
    const put = Grant.addToPrincipal({
      grantee: role,
      actions: ['events:PutEvents'],
      resourceArns: [this.eventBusArn],
    });
    const decrypt = this.grantBusKeyDecrypt(role);
    return decrypt === undefined ? put : put.combine(decrypt);
  }

  /**
   * Lets a role run the CLI on this outbox (`npx dynamo-outbox status | inspect | replay |
   * redrive | verify --stack …`), and nothing more: exactly the calls those commands make
   * (docs/runbook.md lists them, with the same policy as JSON for roles outside CDK). The
   * role joins the bus policy's publishers, for `replay` and `redrive`. `verify`'s canary
   * may put only its own items (`OutboxVerifyCanary…` keys). Two policies are attached to
   * the role: one scoped to this outbox's resources, and one with the two reads IAM only
   * grants on `*` (`lambda:ListEventSourceMappings`, `cloudwatch:DescribeAlarms`).
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { Role } from 'aws-cdk-lib/aws-iam';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox');
   * // The on-call engineers' role: status, inspect, replay, redrive and verify, nothing else.
   * const onCall = Role.fromRoleName(stack, 'OnCall', 'orders-on-call');
   * outbox.grantOperate(onCall);
   * ```
   */
  grantOperate(role: IRole): void {
    this.addBusPublisher(role);
    const id = Names.nodeUniqueId(role.node);
    new Policy(this, `Operate${id}`, { roles: [role], statements: this.operatorStatements() });
    const unscoped = new Policy(this, `OperateUnscoped${id}`, {
      roles: [role],
      statements: [
        new PolicyStatement({
          sid: 'ReadsWithoutResourceTypes',
          actions: ['lambda:ListEventSourceMappings', 'cloudwatch:DescribeAlarms'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(unscoped).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'lambda:ListEventSourceMappings has no resource type, and cloudwatch:DescribeAlarms returns composite alarms only with "*": the two reads of `status` and `verify`, alone in this policy.',
    });
  }

  /** What `grantOperate()` allows on this outbox's own resources, one statement per use. */
  private operatorStatements(): PolicyStatement[] {
    const table = this.table.tableArn;
    const statement = (sid: string, actions: string[], resources: string[]) =>
      new PolicyStatement({ sid, actions, resources });
    return [
      statement(
        'FindTheStack',
        ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
        [Stack.of(this).stackId],
      ),
      statement('ReadRecords', ['dynamodb:Query'], [table, `${table}/index/${PENDING_INDEX_NAME}`]),
      statement('ReadAndRedriveRecords', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [table]),
      statement(
        'CheckTheTable',
        [
          'dynamodb:DescribeTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:DescribeContinuousBackups',
        ],
        [table],
      ),
      new PolicyStatement({
        sid: 'WriteTheCanaryOnly',
        actions: ['dynamodb:PutItem'],
        resources: [table],
        conditions: leadingKeysCondition([
          `${VERIFY_CANARY.aggregateType}#*`,
          `${VERIFY_CANARY.aggregateType}-entity#*`,
        ]),
      }),
      statement(
        'ReadQueueDepths',
        ['sqs:GetQueueAttributes'],
        [this.deadLetterQueue.queueArn, this.streamFailureQueue.queueArn],
      ),
      statement(
        'RedriveTheDeadLetterQueue',
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        [this.deadLetterQueue.queueArn],
      ),
      statement(
        'PublishToTheBus',
        ['events:DescribeEventBus', 'events:PutEvents'],
        [this.eventBusArn],
      ),
      ...(this.busKey === undefined
        ? []
        : [statement('DecryptWithTheBusKey', ['kms:Decrypt'], [this.busKey.keyArn])]),
    ];
  }

  /**
   * Denies `sqs:SendMessage` on the poison dead-letter queue to everyone but the relay and
   * the sweeper: `redrive` publishes what a message points at, so only the two writers of
   * quarantine messages may write one. An explicit Deny wins over any Allow, also over the
   * identity policies of principals in this account; a request without `aws:PrincipalArn`
   * (a service principal) makes `ArnNotEquals` true and is denied too.
   */
  private onlyDeliveryMaySendToDeadLetterQueue(): void {
    this.deadLetterQueue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyTheRelayAndTheSweeperSend',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': [
              roleOf(this.relayFunction).roleArn,
              roleOf(this.sweeperFunction).roleArn,
            ],
          },
        },
      }),
    );
  }

  /**
   * What the bus policy of this outbox holds: the bus, the roles that may publish (the
   * relay, the sweeper and those given to `allowPublishing()`, resolved at synthesis so
   * later additions count) and the allowed sources. A bus the construct creates carries
   * that policy; for a bus you passed in, give these props to `outboxBusPolicyDocument()`
   * or `outboxBusPolicyResourceProps()` and attach the result where the bus is owned.
   *
   * @example
   * ```ts
   * import { App, CfnOutput, Stack } from 'aws-cdk-lib';
   * import { EventBus } from 'aws-cdk-lib/aws-events';
   * import { outboxBusPolicyDocument, TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox', {
   *   eventBus: EventBus.fromEventBusArn(stack, 'Bus', 'arn:aws:events:eu-west-1:444455556666:event-bus/commerce'),
   *   eventSources: ['com.example.orders'],
   * });
   * // The bus belongs to the platform account: hand its owners the policy to attach.
   * new CfnOutput(stack, 'BusPolicy', {
   *   value: stack.toJsonString(outboxBusPolicyDocument(outbox.busPolicyProps()).toJSON()),
   * });
   * ```
   */
  busPolicyProps(): OutboxBusPolicyProps {
    if (this.busKind === 'custom') {
      throw new WrongBusKindError(
        `outbox ${this.node.path} publishes to a Custom Event Bus, which gets no classic bus policy (docs/construct.md "Choosing a bus")`,
      );
    }
    return {
      eventBusArn: this.eventBus.eventBusArn,
      publisherRoleArns: Lazy.list({ produce: () => this.busPublishers.map((r) => r.roleArn) }),
      ...(this.busEventSources === undefined ? {} : { eventSources: this.busEventSources }),
    };
  }

  /**
   * Adds a role to the one list of principals the bus policy lets put events (the relay,
   * the sweeper, `allowPublishing()`, `grantOperate()`); it grants nothing by itself.
   */
  private addBusPublisher(principal: IRole): void {
    if (!this.busPublishers.includes(principal)) this.busPublishers.push(principal);
  }

  /**
   * A bus whose policy lets only this outbox's publishers put events (and only its
   * sources). Its own ARN is built from its name: `Fn::GetAtt` of itself inside its
   * `Policy` would be a circular reference.
   */
  private createBus(): EventBus {
    const bus = new EventBus(this, 'Bus');
    const resource = bus.node.defaultChild as CfnEventBus;
    const ownArn = Stack.of(this).formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: resource.name,
    });
    resource.policy = Lazy.any({
      produce: () =>
        outboxBusPolicyDocument({ ...this.busPolicyProps(), eventBusArn: ownArn }).toJSON(),
    });
    return bus;
  }

  /**
   * What both delivering Lambdas read (see `deliveryEnvSchema` in the runtime core), every
   * variable set so the deployed values show in the console.
   */
  private deliveryEnvironment(props: TransactionalOutboxProps): Record<string, string> {
    const retention = props.retention ?? Duration.days(DeliveryDefaults.retentionDays);
    return {
      ...this.busEnvironment(),
      [DeliveryVariable.outboxTableName]: this.table.tableName,
      [DeliveryVariable.dlqUrl]: this.deadLetterQueue.queueUrl,
      [DeliveryVariable.retentionDays]: String(retention.toDays({ integral: false })),
      [DeliveryVariable.maxRequestBytes]: String(
        props.maxRequestBytes ?? DeliveryDefaults.maxRequestBytes,
      ),
      [DeliveryVariable.publishConcurrency]: String(
        props.publishConcurrency ?? DeliveryDefaults.publishConcurrency,
      ),
      [DeliveryVariable.safetyMarginMs]: String(DeliveryDefaults.safetyMarginMs),
      [DeliveryVariable.verifyEventBus]: String(this.eventBusVerified),
      [TelemetryVariable.metricsNamespace]: OUTBOX_METRICS_NAMESPACE,
    };
  }

  /**
   * Where the delivering Lambdas publish: the classic bus by name (exactly the variables of
   * before the Custom Event Bus), or the custom bus by kind and ARN, its only address.
   */
  private busEnvironment(): Record<string, string> {
    if (this.classicBus !== undefined) {
      return { [DeliveryVariable.eventBusName]: this.classicBus.eventBusName };
    }
    return {
      [DeliveryVariable.busKind]: 'custom',
      [DeliveryVariable.eventBusArn]: this.eventBusArn,
    };
  }

  /**
   * Whether the delivering Lambdas can prove the bus exists: `DescribeEventBus` sees only
   * buses of the caller's own account, so a bus of another account goes unchecked (with a
   * warning: a wrong name there loses events silently).
   */
  private eventBusVerifiable(): boolean {
    const { account: busAccount, label, risk } = this.busIdentity();
    const ownAccount = Stack.of(this).account;
    if (Token.compareStrings(busAccount, ownAccount) !== TokenComparison.DIFFERENT) return true;
    Annotations.of(this).addWarningV2(
      'dynamo-outbox:crossAccountBus',
      `event bus ${label} is in account ${busAccount}: the relay cannot verify that it exists (DescribeEventBus sees only its own account), ${risk}`,
    );
    return false;
  }

  /** The bus's account, how a message names the bus, and what an unchecked wrong bus costs. */
  private busIdentity(): {
    readonly account: string;
    readonly label: string;
    readonly risk: string;
  } {
    if (this.classicBus !== undefined) {
      return {
        account: this.classicBus.env.account,
        label: this.classicBus.eventBusName,
        risk: 'and PutEvents to a bus that does not exist succeeds. Check the bus ARN: a wrong one loses events.',
      };
    }
    // AWS's reference does not document DescribeEventBus on a custom bus shared from another
    // account: the check is off there too, the unkind reading. PutEvents to a missing custom
    // bus fails (ResourceNotFoundException), so nothing is lost, only delayed.
    const { account } =
      this.customEventBus === undefined
        ? Arn.split(this.eventBusArn, ArnFormat.SLASH_RESOURCE_NAME)
        : { account: Stack.of(this).account };
    return {
      account: account ?? Stack.of(this).account,
      label: this.customEventBus?.name ?? this.eventBusArn,
      risk: 'nor that it is ACTIVE. Check the bus ARN: with a wrong one, events stay PENDING.',
    };
  }

  /**
   * What publishing takes: describe the bus (proof it exists), put events on it, and send
   * poison records to the dead-letter queue — `SendMessage` alone, not the queue-attribute
   * reads `grantSendMessages()` adds.
   */
  private grantDelivery(grantee: IGrantable): void {
    if (this.classicBus === undefined) {
      // `events:` actions on the `event-busv2` ARN: the Custom Event Bus shares Classic's IAM
      // namespace (an `eventsv2:` action grants nothing).
      Grant.addToPrincipal({
        grantee,
        actions: ['events:PutEvents'],
        resourceArns: [this.eventBusArn],
      });
      this.grantBusKeyDecrypt(grantee);
    } else {
      this.classicBus.grantPutEventsTo(grantee);
    }
    if (this.eventBusVerified)
      Grant.addToPrincipal({
        grantee,
        actions: ['events:DescribeEventBus'],
        resourceArns: [this.eventBusArn],
      });
    Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.deadLetterQueue.queueArn],
    });
  }

  /**
   * `kms:Decrypt` on the customer managed key of a custom bus: every publisher of such a
   * bus needs it (docs/construct.md "Choosing a bus"). Nothing without a key.
   */
  private grantBusKeyDecrypt(grantee: IGrantable): Grant | undefined {
    if (this.busKey === undefined) return undefined;
    return Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.busKey.keyArn],
    });
  }

  /**
   * Grants actions on the table itself. Unlike `table.grant()`, no `index/*` wildcard:
   * these actions never touch an index.
   */
  private grantTableActions(grantee: IGrantable, ...actions: string[]): Grant {
    return Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }

  /** Age of the newest record the relay has read: how far it lags behind the stream. */
  metricIteratorAge(options?: MetricOptions): Metric {
    return this.relayFunction.metric('IteratorAge', { statistic: 'Maximum', ...options });
  }

  /** Poison records waiting in the dead-letter queue. */
  metricDeadLetterMessages(options?: MetricOptions): Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      ...options,
    });
  }

  /** Scheduled sweeps EventBridge could not start, waiting in the schedule's dead-letter queue. */
  metricSweepScheduleDeadLetterMessages(options?: MetricOptions): Metric {
    return this.sweepScheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      ...options,
    });
  }

  /**
   * Adds a consumer of this outbox's events: rule, SQS buffer with DLQ, inbox table, function
   * (on a Custom Event Bus: a FIFO subscriber and an SQS FIFO buffer instead of the rule).
   * Its alarms notify this outbox's `alarmTopic` unless the props name another.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox');
   * // Its own queue, inbox table and Lambda; a rule on the outbox's bus feeds the queue.
   * outbox.addConsumer('Shipping', {
   *   entry: new URL('./shipping.ts', import.meta.url).pathname,
   *   detailTypes: ['OrderConfirmed', 'OrderCancelled'],
   * });
   * ```
   */
  addConsumer(
    id: string,
    props: Omit<OutboxConsumerProps, 'eventBus' | 'customEventBusArn'>,
  ): OutboxConsumer {
    return new OutboxConsumer(this, id, {
      ...(this.alarmTopic === undefined ? {} : { alarmTopic: this.alarmTopic }),
      ...props,
      ...(this.classicBus === undefined
        ? { customEventBusArn: this.eventBusArn }
        : { eventBus: this.classicBus }),
    });
  }

  /**
   * Any metric the relay or the sweeper emits, by its `OutboxMetric` name: counts read as
   * `Sum`, gauges as `Maximum`, per minute (the sweeper's gauges per 5 minutes). Both emit
   * `EventsPublished` and `PoisonRecords`: `emitter` picks one (default: the relay).
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
   * import { TransactionalOutbox } from 'dynamo-outbox';
   *
   * const stack = new Stack(new App(), 'Orders');
   * const outbox = new TransactionalOutbox(stack, 'Outbox');
   * // The sweeper delivering at all means the relay missed records: worth a look.
   * new Alarm(stack, 'SweeperDelivers', {
   *   metric: outbox.metric('EventsPublished', { emitter: 'sweeper' }),
   *   threshold: 100,
   *   evaluationPeriods: 15,
   * });
   * ```
   */
  metric(metricName: OutboxMetricName, options?: OutboxMetricOptions): Metric {
    if (metricName === OutboxMetric.eventsDeduplicated && this.busKind !== 'custom') {
      throw new WrongBusKindError(
        `metric '${metricName}' is emitted only on a Custom Event Bus: outbox ${this.node.path} publishes to a classic bus, which never de-duplicates`,
      );
    }
    return outboxMetric(
      metricName,
      { relay: this.serviceName, sweeper: this.sweeperServiceName },
      options,
    );
  }

  /** Age in seconds of the oldest PENDING record, as the sweeper sees it (EMF metric). */
  metricOldestPendingAge(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.oldestPendingAge, options);
  }

  /** Events the relay published (EMF metric). */
  metricEventsPublished(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.eventsPublished, options);
  }

  /**
   * Entries the Custom Event Bus answered `DEDUPLICATED`: repeats of an event it accepted
   * less than 5 minutes before, counted as delivered (EMF metric of the relay).
   *
   * @throws WrongBusKindError on a classic bus, which never de-duplicates
   */
  metricEventsDeduplicated(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.eventsDeduplicated, options);
  }

  /** How far behind the stream the relay publishes, in ms: now − oldest record of a batch (EMF). */
  metricRelayLag(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.relayLag, options);
  }

  /** Records the relay left for a retry (predecessor pending, time out, marking failed) (EMF). */
  metricRecordsDeferred(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.recordsDeferred, options);
  }

  /** Records the relay quarantined (EMF). */
  metricPoisonRecords(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.poisonRecords, options);
  }

  /** Records PENDING in the table, as the sweeper counts them (EMF). */
  metricPendingRecords(options?: MetricOptions): Metric {
    return this.metric(OutboxMetric.pendingRecords, options);
  }

  private createDashboard(props: TransactionalOutboxProps): Dashboard {
    const graph = (title: string, left: Metric[], right: Metric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    const dashboard = new Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# Outbox ${this.node.path}\nAlarms and what to do: docs/runbook.md`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph('Stream lag', [this.metricIteratorAge()], [this.metricRelayLag()]),
      graph('Events published', [
        this.metricEventsPublished(),
        this.metric(OutboxMetric.eventsPublished, { emitter: 'sweeper' }),
        ...(this.busKind === 'custom' ? [this.metricEventsDeduplicated()] : []),
      ]),
      graph('Deferred and retried', [
        this.metricRecordsDeferred(),
        this.metric(OutboxMetric.publishRetries),
      ]),
    );
    dashboard.addWidgets(
      graph('Failures', [
        this.metricPoisonRecords(),
        this.relayFunction.metricErrors({ statistic: 'Sum' }),
      ]),
      graph('Dead-letter queues', [
        this.metricDeadLetterMessages(),
        this.streamFailureQueue.metricApproximateNumberOfMessagesVisible(),
        this.metricSweepScheduleDeadLetterMessages(),
      ]),
      graph('Pending', [this.metricOldestPendingAge()], [this.metricPendingRecords()]),
    );
    dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 }),
    );
    return dashboard;
  }

  /** The sweeper: delivers, in order, what stayed PENDING past the grace period. */
  private createSweeper(
    props: TransactionalOutboxProps,
    deliveryEnvironment: Record<string, string>,
  ): NodejsFunction {
    const interval = props.sweepInterval ?? Duration.minutes(1);
    const sweeper = createOutboxFunction(this, 'Sweeper', {
      handler: 'sweeper/handler.ts',
      description: 'dynamo-outbox sweeper: delivers records that stayed PENDING, in order',
      memorySize: 512,
      // Never longer than the interval: a run is over before the next tick.
      timeout: Duration.seconds(Math.min(interval.toSeconds(), 300)),
      // Opt-in: a reservation can fail the deploy of an account near its unreserved minimum.
      ...(props.sweeperReservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.sweeperReservedConcurrency }),
      environment: { ...deliveryEnvironment, ...this.sweeperEnvironment(props) },
    });
    this.grantSweep(sweeper);
    this.addBusPublisher(roleOf(sweeper));
    this.scheduleSweeps(sweeper, interval);
    return sweeper;
  }

  /**
   * The sweeper's grace period. On a Custom Event Bus a sweep's repeat of an event the relay
   * published comes grace + up to one interval after the write: inside the 5-minute
   * de-duplication window it is suppressed, outside it is a second delivery.
   */
  private sweeperGrace(props: TransactionalOutboxProps): Duration {
    if (this.busKind !== 'custom')
      return props.sweeperGracePeriod ?? Duration.seconds(SweeperDefaults.graceSeconds);
    const grace = props.sweeperGracePeriod ?? CUSTOM_BUS_SWEEPER_GRACE;
    const interval = props.sweepInterval ?? Duration.minutes(1);
    const latest = grace.toSeconds() + interval.toSeconds();
    if (latest >= CUSTOM_BUS_DEDUP_WINDOW.toSeconds())
      Annotations.of(this).addWarningV2(
        'dynamo-outbox:sweepOutsideDedupWindow',
        `sweeperGracePeriod (${grace.toSeconds()} s) + sweepInterval (${interval.toSeconds()} s) reach the Custom Event Bus's 5-minute de-duplication window: an event the sweeper repeats after a lost marking is delivered twice (consumers' inboxes still drop it); keep them under 300 s together`,
      );
    return grace;
  }

  /** What the sweeper reads besides the delivery settings (see `sweeper/config.ts`). */
  private sweeperEnvironment(props: TransactionalOutboxProps): Record<string, string> {
    return {
      [TelemetryVariable.serviceName]: this.sweeperServiceName,
      [SweeperVariable.graceSeconds]: String(this.sweeperGrace(props).toSeconds()),
      [SweeperVariable.maxRecordsPerRun]: String(
        props.sweeperMaxRecordsPerRun ?? SweeperDefaults.maxRecordsPerRun,
      ),
      [SweeperVariable.pendingShards]: String(props.pendingShards ?? DEFAULT_PENDING_SHARDS),
    };
  }

  /** Query the pending index and each aggregate's records; read statuses; mark; deliver. */
  private grantSweep(sweeper: NodejsFunction): void {
    Grant.addToPrincipal({
      grantee: sweeper,
      actions: ['dynamodb:Query'],
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${PENDING_INDEX_NAME}`],
    });
    this.grantTableActions(sweeper, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem');
    this.grantDelivery(sweeper);
  }

  /** Runs the sweeper every `interval`; a tick EventBridge cannot deliver is dead-lettered. */
  private scheduleSweeps(sweeper: NodejsFunction, interval: Duration): void {
    // A late tick or a failed run is not retried: the next tick sweeps the same records, and
    // retries would only overlap with it. Lambda's own defaults are 2 retries and 6 hours.
    sweeper.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(Math.max(interval.toSeconds(), 60), 21_600)),
    });
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the outbox sweeper',
      schedule: Schedule.rate(interval),
      targets: [
        new LambdaFunction(sweeper, {
          retryAttempts: 0,
          maxEventAge: interval,
          deadLetterQueue: this.sweepScheduleDeadLetterQueue,
        }),
      ],
    });
  }

  private createTable(props: TransactionalOutboxProps): TableV2 {
    const definition = outboxTableDefinition;
    const attribute = (key: KeyAttributeDefinition) => ({
      name: key.name,
      type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
    });
    return new TableV2(this, 'Table', {
      partitionKey: attribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      })),
    });
  }

  /** The default alarms, each notifying `alarmTopic` when given (docs/runbook.md). */
  private createAlarms(props: TransactionalOutboxProps): Alarm[] {
    const minute = { period: Duration.minutes(1) };
    const iteratorAge = props.iteratorAgeAlarmThreshold ?? Duration.minutes(5);
    const oldestPending = props.oldestPendingAlarmThreshold ?? Duration.minutes(15);
    const alarms = [
      this.alarmAbove('IteratorAgeAlarm', {
        alarmDescription: 'The outbox relay lags behind its stream: events are delayed.',
        metric: this.metricIteratorAge(minute),
        threshold: iteratorAge.toMilliseconds(),
        evaluationPeriods: 5,
      }),
      this.alarmAbove('DeadLetterAlarm', {
        alarmDescription:
          'Poison records are in the outbox dead-letter queue: events were not published.',
        metric: this.metricDeadLetterMessages(minute),
        threshold: props.deadLetterAlarmThreshold ?? 0,
      }),
      this.alarmAbove('OldestPendingAlarm', {
        alarmDescription:
          'An outbox record has been PENDING too long, or the sweeper stopped reporting: events are late or stuck.',
        metric: this.metricOldestPendingAge(),
        threshold: oldestPending.toSeconds(),
        // A sweeper that stopped reporting is as bad as an old record.
        treatMissingData: TreatMissingData.BREACHING,
      }),
      this.alarmAbove('SweepScheduleDeadLetterAlarm', {
        alarmDescription:
          'EventBridge could not start the outbox sweeper: scheduled sweeps are in its dead-letter queue.',
        metric: this.metricSweepScheduleDeadLetterMessages(minute),
        threshold: 0,
      }),
      this.alarmAbove('RelayErrorsAlarm', {
        alarmDescription:
          'The outbox relay fails whole batches (e.g. EventBridge refuses its permissions).',
        metric: this.relayFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: props.relayErrorsAlarmThreshold ?? 0,
      }),
    ];
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of alarms) alarm.addAlarmAction(action);
    }
    return alarms;
  }

  /** An alarm on a metric above its threshold; by default one period, no data is fine. */
  private alarmAbove(
    alarmId: string,
    props: Omit<AlarmProps, 'comparisonOperator' | 'evaluationPeriods'> & {
      readonly evaluationPeriods?: number;
    },
  ): Alarm {
    return new Alarm(this, alarmId, {
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      ...props,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }
}

/** The bus an outbox ended up with: exactly one of a classic bus and a custom bus's ARN. */
interface PlacedBus {
  readonly kind: OutboxBusKind;
  readonly eventBusArn: string;
  /** The classic bus, given or created. */
  readonly classicBus?: IEventBus;
  /** The Custom Event Bus the construct created. */
  readonly customEventBus?: CfnCustomEventBus;
  /** The customer managed key of a custom bus. */
  readonly key?: IKey;
}

/** The execution role of a function the construct created (always one of its own). */
function roleOf(fn: CdkFunction): IRole {
  if (fn.role === undefined) throw new Error(`${fn.node.path} has no execution role`);
  return fn.role;
}

/**
 * Allows only items whose partition key matches one of `patterns`. `ForAllValues` is true
 * for a request without the key at all, so the key is also required to be present.
 */
function leadingKeysCondition(
  patterns: readonly string[],
): Record<string, Record<string, unknown>> {
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}

/** Aggregate types a writer is restricted to: the ones the writer itself accepts. */
function validateAggregateTypes(types: readonly string[]): void {
  if (types.length === 0) {
    throw new Error('aggregateTypes must not be empty: leave it out to allow any aggregate');
  }
  for (const type of types) {
    if (Token.isUnresolved(type) || !AGGREGATE_TYPE_PATTERN.test(type)) {
      throw new Error(
        `aggregate type '${type}' must be 1..64 letters, digits, _ . - starting with a letter (a literal, not a token)`,
      );
    }
  }
}

/**
 * An on-failure destination that grants what Lambda uses it for, `sqs:SendMessage`
 * (services-dynamodb-errors), not the queue-attribute reads `SqsDlq` adds.
 */
function sendOnlyDestination(queue: IQueue): IEventSourceDlq {
  return {
    bind: (_target, targetHandler) => {
      Grant.addToPrincipal({
        grantee: targetHandler,
        actions: ['sqs:SendMessage'],
        resourceArns: [queue.queueArn],
      });
      return { destination: queue.queueArn };
    },
  };
}

/** Validates props early, with the bad value in the message; unresolved tokens pass. */
function validateProps(props: TransactionalOutboxProps): void {
  const range = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  };
  const duration = (
    name: string,
    value: Duration | undefined,
    minSeconds: number,
    maxSeconds: number,
  ) => {
    if (value === undefined || value.isUnresolved()) return;
    const seconds = value.toSeconds();
    if (seconds < minSeconds || seconds > maxSeconds) {
      throw new Error(
        `${name} must be between ${minSeconds} and ${maxSeconds} seconds, got ${value.toHumanString()}`,
      );
    }
  };
  range('parallelizationFactor', props.parallelizationFactor, 1, 10);
  range('batchSize', props.batchSize, 1, 10_000);
  range('retryAttempts', props.retryAttempts, 0, 10_000);
  range('maxRequestBytes', props.maxRequestBytes, 1024, 1_048_576);
  range('publishConcurrency', props.publishConcurrency, 1, 50);
  range('relayMemorySize', props.relayMemorySize, 128, 10_240);
  duration('retention', props.retention, 86_400, 3650 * 86_400);
  duration('maxBatchingWindow', props.maxBatchingWindow, 0, 300);
  duration('maxRecordAge', props.maxRecordAge, 60, 604_800);
  duration('relayTimeout', props.relayTimeout, 10, 900);
  duration('iteratorAgeAlarmThreshold', props.iteratorAgeAlarmThreshold, 1, 7 * 86_400);
  duration('sweepInterval', props.sweepInterval, 60, 86_400);
  duration('sweeperGracePeriod', props.sweeperGracePeriod, 0, 86_400);
  duration('oldestPendingAlarmThreshold', props.oldestPendingAlarmThreshold, 60, 7 * 86_400);
  range('sweeperMaxRecordsPerRun', props.sweeperMaxRecordsPerRun, 1, 100_000);
  range('sweeperReservedConcurrency', props.sweeperReservedConcurrency, 1, 1_000);
  range('pendingShards', props.pendingShards, 1, MAX_PENDING_SHARDS);
  range('deadLetterAlarmThreshold', props.deadLetterAlarmThreshold, 0, 1_000_000);
  range('relayErrorsAlarmThreshold', props.relayErrorsAlarmThreshold, 0, 1_000_000);
  validateEventSources(props.eventSources);
  if (props.eventBus !== undefined && props.bus !== undefined) {
    throw new Error(
      `give eventBus or bus, not both: got eventBus ${props.eventBus.node.path} and bus OutboxBus.${props.bus.kind}(…); for that classic bus pass bus: OutboxBus.classic(eventBus)`,
    );
  }
  if (props.table && props.table.tableStreamArn === undefined) {
    throw new Error(
      `table ${props.table.node.path} has no stream: the outbox needs a stream with NEW_IMAGE`,
    );
  }
}

/** What the bus accepts: `eventSources` and the canary's, or undefined for any source. */
function busEventSourcesOf(sources: readonly string[] | undefined): readonly string[] | undefined {
  return sources === undefined ? undefined : [...new Set([...sources, VERIFY_CANARY.source])];
}

/** Sources the writer would accept: non-empty, not AWS's reserved `aws.` prefix. */
function validateEventSources(sources: readonly string[] | undefined): void {
  if (sources === undefined) return;
  if (sources.length === 0) {
    throw new Error('eventSources must not be empty: leave it out to allow any source');
  }
  for (const source of sources) {
    if (Token.isUnresolved(source) || source.length === 0 || source.startsWith('aws.')) {
      throw new Error(
        `event source '${source}' must be a non-empty literal that does not start with "aws."`,
      );
    }
  }
}
