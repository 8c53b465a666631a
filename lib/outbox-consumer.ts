import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type Metric,
  type MetricOptions,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { CfnSubscriber } from 'aws-cdk-lib/aws-eventsv2';
import { Grant, type Role } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InboxVariable } from '../lambdas/consumer/inbox-environment.js';
import { INBOX_PK, INBOX_TTL_ATTRIBUTE } from '../lambdas/consumer/inbox-schema.js';
import { SQS_MAX_MESSAGE_BYTES } from './delivered-event-size.js';
import { eventBridgeDeadLetterQueue } from './event-bridge-dead-letter-queue.js';
import { type FifoSubscription, subscribeFifo } from './fifo-subscriber.js';
import { createOutboxFunction } from './node-function.js';
import { type OutboxBusKind, validateCustomBusArn, WrongBusKindError } from './outbox-bus.js';

/**
 * Properties of an {@link OutboxConsumer}: what it subscribes to, its handler, and how its
 * queue and inbox behave.
 *
 * @example
 * ```ts
 * import { App, Duration, Stack } from 'aws-cdk-lib';
 * import { OutboxConsumer, type OutboxConsumerProps, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const outbox = new TransactionalOutbox(stack, 'Outbox');
 * const props: OutboxConsumerProps = {
 *   eventBus: outbox.eventBus,
 *   entry: new URL('./billing.ts', import.meta.url).pathname,
 *   // A full pattern when detail types are not enough: only large orders.
 *   eventPattern: {
 *     source: ['com.example.orders'],
 *     detailType: ['OrderCreated'],
 *     detail: { data: { total: [{ numeric: ['>=', 10_000] }] } },
 *   },
 *   batchSize: 25,
 *   timeout: Duration.minutes(1),
 *   inboxTtl: Duration.days(14),
 * };
 * new OutboxConsumer(stack, 'Billing', props);
 * ```
 */
export interface OutboxConsumerProps {
  /**
   * The classic bus the outbox publishes to (`outbox.eventBus`). Give this or
   * `customEventBusArn`.
   * @default - none: `customEventBusArn` must be given
   */
  readonly eventBus?: IEventBus;
  /**
   * ARN of the Custom Event Bus the outbox publishes to (`outbox.eventBusArn`): the consumer
   * then gets a FIFO subscriber and an SQS FIFO buffer, in order per aggregate. Give this or
   * `eventBus`.
   * @default - none: `eventBus` must be given
   */
  readonly customEventBusArn?: string;
  /** The consumer's handler file (absolute path), bundled like the outbox's Lambdas. */
  readonly entry: string;
  /**
   * Sources to subscribe to.
   * @default - any source (give `detailTypes` or `eventPattern` then)
   */
  readonly sources?: readonly string[];
  /**
   * Detail types to subscribe to, e.g. `['OrderConfirmed']`.
   * @default - any detail type
   */
  readonly detailTypes?: readonly string[];
  /**
   * A full EventBridge pattern instead of `sources` / `detailTypes`.
   * @default - built from `sources` and `detailTypes`
   */
  readonly eventPattern?: EventPattern;
  /**
   * The inbox's order policy, passed as `ORDER_POLICY`: `fail` (strict order; only when the
   * consumer receives every event of an aggregate), `skip-stale` or `apply`.
   * @default - 'fail'
   */
  readonly orderPolicy?: 'apply' | 'skip-stale' | 'fail';
  /**
   * How long applied event ids are remembered (TTL of the inbox items).
   * @default - 7 days
   */
  readonly inboxTtl?: Duration;
  /**
   * Messages per invocation (1..10: SQS gives more only with a batching window, not set here).
   * @default - 10
   */
  readonly batchSize?: number;
  /**
   * Deliveries of a message before it goes to the dead-letter queue (1..1,000).
   * @default - 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Timeout of the consumer function.
   * @default - 30 seconds
   */
  readonly timeout?: Duration;
  /**
   * More environment variables of the function. It also gets INBOX_TABLE_NAME,
   * ORDER_POLICY and INBOX_TTL_DAYS, which `Inbox.fromEnvironment()` reads.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Removal policy of the inbox table.
   * @default - RemovalPolicy.RETAIN: forgetting applied events would re-apply them
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deletion protection of the inbox table (like the outbox table's): pass `false` with a
   * `RemovalPolicy.DESTROY` that must really delete it.
   * @default - true
   */
  readonly deletionProtection?: boolean;
  /**
   * Topic the consumer's alarm notifies.
   * @default - alarms without actions (`outbox.addConsumer()` passes the outbox's `alarmTopic`)
   */
  readonly alarmTopic?: ITopic;
}

/**
 * A consumer of outbox events: a rule on the bus (by source / detail type) feeding an SQS
 * buffer with its dead-letter queue, the consumer function reading it with partial batch
 * failures, and the inbox table its `Inbox` de-duplicates and orders with. On a Custom Event
 * Bus (`customEventBusArn`), a FIFO subscriber feeds an SQS FIFO buffer instead: each
 * aggregate's events arrive in order, each once within 5 minutes.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { EventBus } from 'aws-cdk-lib/aws-events';
 * import { OutboxConsumer } from 'dynamo-outbox';
 *
 * // In the consuming team's stack: subscribe to the bus the Orders outbox publishes to.
 * const stack = new Stack(new App(), 'Shipping');
 * new OutboxConsumer(stack, 'Shipping', {
 *   eventBus: EventBus.fromEventBusName(stack, 'Orders', 'orders-events'),
 *   entry: new URL('./shipping.ts', import.meta.url).pathname,
 *   sources: ['com.example.orders'],
 *   detailTypes: ['OrderConfirmed', 'OrderCancelled'],
 *   // Shipping sees only some event types of an order, so gaps in sequence are normal.
 *   orderPolicy: 'skip-stale',
 * });
 * // On a Custom Event Bus: the same consumer, fed in order per aggregate.
 * new OutboxConsumer(stack, 'Billing', {
 *   customEventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-busv2/orders/abcdefghijklmnopqrstuvwxy',
 *   entry: new URL('./billing.ts', import.meta.url).pathname,
 *   detailTypes: ['OrderConfirmed'],
 * });
 * ```
 */
export class OutboxConsumer extends Construct {
  readonly inboxTable: TableV2;
  /** Which bus the consumer subscribes to: `classic` (a rule) or `custom` (a FIFO subscriber). */
  readonly busKind: OutboxBusKind;
  /** The buffer the rule (or the subscriber) fills: an SQS FIFO queue on a custom bus. */
  readonly queue: Queue;
  /** Messages that failed `maxReceiveCount` times. */
  readonly deadLetterQueue: Queue;
  /** Fires on any message in {@link deadLetterQueue}: events the handler failed for good. */
  readonly deadLetterAlarm: Alarm;
  readonly consumerFunction: NodejsFunction;
  /** The rule and its dead-letter queue and alarm, on a classic bus. */
  private readonly classic: RuleSubscription | undefined;
  /** The FIFO subscriber, its role, dead-letter queue and alarm, on a custom bus. */
  private readonly custom: (FifoSubscription & { readonly alarm: Alarm }) | undefined;

  constructor(scope: Construct, id: string, props: OutboxConsumerProps) {
    super(scope, id);
    validateProps(props);
    const timeout = props.timeout ?? Duration.seconds(30);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    this.busKind = props.customEventBusArn === undefined ? 'classic' : 'custom';
    this.inboxTable = this.createInbox(props);
    this.deadLetterQueue = this.createDeadLetterQueue();
    this.queue = this.createBuffer(timeout, maxReceiveCount);
    if (props.customEventBusArn === undefined) {
      this.classic = this.subscribe(id, props);
      this.custom = undefined;
    } else {
      this.classic = undefined;
      this.custom = this.subscribeFifo(id, props, props.customEventBusArn);
    }
    this.deadLetterAlarm = this.alarmOnDeadLetters(
      'DeadLetterAlarm',
      `Consumer ${id} failed outbox events ${maxReceiveCount} times: they are in its dead-letter queue, not applied.`,
      this.metricDeadLetterMessages({ period: Duration.minutes(1) }),
      props.alarmTopic,
    );
    this.consumerFunction = this.createFunction(id, props, timeout);
  }

  /** The rule feeding the buffer (classic bus). @throws WrongBusKindError on a custom bus */
  get rule(): Rule {
    return this.classicPart('rule').rule;
  }

  /**
   * Events EventBridge could not deliver to the buffer (the rule target's dead-letter queue),
   * on a classic bus. @throws WrongBusKindError on a custom bus
   */
  get ruleDeadLetterQueue(): Queue {
    return this.classicPart('ruleDeadLetterQueue').deadLetterQueue;
  }

  /** Fires on any event in {@link ruleDeadLetterQueue}. @throws WrongBusKindError on a custom bus */
  get ruleDeadLetterAlarm(): Alarm {
    return this.classicPart('ruleDeadLetterAlarm').alarm;
  }

  /** The FIFO subscriber feeding the buffer (custom bus). @throws WrongBusKindError on a classic bus */
  get subscriber(): CfnSubscriber {
    return this.customPart('subscriber').subscriber;
  }

  /**
   * The role the subscriber sends to the buffer and its dead-letter queue with (custom bus).
   * @throws WrongBusKindError on a classic bus
   */
  get deliveryRole(): Role {
    return this.customPart('deliveryRole').deliveryRole;
  }

  /**
   * Failure records of events the subscriber could not deliver to the buffer: event ids, not
   * payloads (custom bus). @throws WrongBusKindError on a classic bus
   */
  get subscriberDeadLetterQueue(): Queue {
    return this.customPart('subscriberDeadLetterQueue').deadLetterQueue;
  }

  /**
   * Fires on any record in {@link subscriberDeadLetterQueue} (custom bus).
   * @throws WrongBusKindError on a classic bus
   */
  get subscriberDeadLetterAlarm(): Alarm {
    return this.customPart('subscriberDeadLetterAlarm').alarm;
  }

  /** The inbox its `Inbox` de-duplicates and orders with; applied ids expire by TTL. */
  private createInbox(props: OutboxConsumerProps): TableV2 {
    return new TableV2(this, 'Inbox', {
      partitionKey: { name: INBOX_PK, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: INBOX_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /**
   * Where messages the handler failed `maxReceiveCount` times wait, 14 days: FIFO behind a
   * FIFO buffer, as SQS requires.
   */
  private createDeadLetterQueue(): Queue {
    const queue = new Queue(this, 'DeadLetterQueue', {
      ...(this.busKind === 'custom' ? { fifo: true } : {}),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the consumer buffer.',
    });
    return queue;
  }

  /**
   * The buffer the rule or the subscriber fills and the function drains. On a custom bus a
   * FIFO queue, de-duplicated by the id the subscriber sends (the bus's event id), not by
   * content.
   */
  private createBuffer(timeout: Duration, maxReceiveCount: number): Queue {
    return new Queue(this, 'Buffer', {
      ...(this.busKind === 'custom' ? { fifo: true, contentBasedDeduplication: false } : {}),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for Lambda event sources: six times the function timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      // Explicit: the largest event EventBridge delivers must fit (docs/construct.md).
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
    });
  }

  /** The consumer function: drains the buffer with partial batch failures, writes its inbox. */
  private createFunction(
    id: string,
    props: OutboxConsumerProps,
    timeout: Duration,
  ): NodejsFunction {
    const fn = createOutboxFunction(this, 'Function', {
      handler: '',
      entry: props.entry,
      timeout,
      description: `dynamo-outbox consumer ${id}`,
      environment: { ...this.inboxEnvironment(props), ...props.environment },
    });
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        reportBatchItemFailures: true,
      }),
    );
    // The inbox's own actions: read (BatchGetItem), record (TransactWriteItems: Put, Update).
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.inboxTable.tableArn],
    });
    return fn;
  }

  /** What `Inbox.fromEnvironment()` reads. */
  private inboxEnvironment(props: OutboxConsumerProps): Record<string, string> {
    return {
      [InboxVariable.tableName]: this.inboxTable.tableName,
      [InboxVariable.policy]: props.orderPolicy ?? 'fail',
      [InboxVariable.ttlDays]: String(
        (props.inboxTtl ?? Duration.days(7)).toDays({ integral: false }),
      ),
    };
  }

  /** Messages that failed for good. */
  metricDeadLetterMessages(options?: MetricOptions): Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      ...options,
    });
  }

  /**
   * The rule feeding the buffer on a classic bus; what it cannot deliver goes to the rule's
   * dead-letter queue, which alarms.
   */
  private subscribe(id: string, props: OutboxConsumerProps): RuleSubscription {
    const deadLetterQueue = eventBridgeDeadLetterQueue(this, 'RuleDeadLetterQueue', {
      writer: 'rule target',
    });
    const rule = new Rule(this, 'Rule', {
      ...(props.eventBus === undefined ? {} : { eventBus: props.eventBus }),
      description: `Outbox events for consumer ${id}`,
      eventPattern: eventPatternOf(props),
      targets: [
        new SqsQueue(this.queue, {
          // EventBridge's defaults, stated: a day of retries, then the dead-letter queue
          // instead of dropping the event.
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue,
        }),
      ],
    });
    const alarm = this.alarmOnDeadLetters(
      'RuleDeadLetterAlarm',
      `EventBridge could not deliver outbox events to consumer ${id}: they are in its rule dead-letter queue.`,
      queueDepth(deadLetterQueue, { period: Duration.minutes(1) }),
      props.alarmTopic,
    );
    return { rule, deadLetterQueue, alarm };
  }

  /**
   * The FIFO subscriber feeding the buffer on a custom bus; a failure record of what it
   * cannot deliver goes to its dead-letter queue, which alarms.
   */
  private subscribeFifo(
    id: string,
    props: OutboxConsumerProps,
    eventBusArn: string,
  ): FifoSubscription & { readonly alarm: Alarm } {
    const subscription = subscribeFifo(this, {
      eventBusArn,
      eventPattern: eventPatternOf(props),
      target: this.queue,
      description: `Outbox events for consumer ${id}`,
    });
    const alarm = this.alarmOnDeadLetters(
      'SubscriberDeadLetterAlarm',
      `EventBridge could not deliver outbox events to consumer ${id}: their ids are in its subscriber dead-letter queue.`,
      queueDepth(subscription.deadLetterQueue, { period: Duration.minutes(1) }),
      props.alarmTopic,
    );
    return { ...subscription, alarm };
  }

  /** Fires on any message a dead-letter queue holds, notifying `topic` when given. */
  private alarmOnDeadLetters(
    alarmId: string,
    description: string,
    metric: Metric,
    topic: ITopic | undefined,
  ): Alarm {
    const alarm = new Alarm(this, alarmId, {
      alarmDescription: description,
      metric,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (topic) alarm.addAlarmAction(new SnsAction(topic));
    return alarm;
  }

  /**
   * Events EventBridge could not deliver to the buffer, waiting in the rule's dead-letter queue.
   * @throws WrongBusKindError on a custom bus: see `metricSubscriberDeadLetterMessages()`
   */
  metricRuleDeadLetterMessages(options?: MetricOptions): Metric {
    return queueDepth(this.classicPart('metricRuleDeadLetterMessages()').deadLetterQueue, options);
  }

  /**
   * Failure records of events the subscriber could not deliver to the buffer (custom bus).
   * @throws WrongBusKindError on a classic bus: see `metricRuleDeadLetterMessages()`
   */
  metricSubscriberDeadLetterMessages(options?: MetricOptions): Metric {
    return queueDepth(
      this.customPart('metricSubscriberDeadLetterMessages()').deadLetterQueue,
      options,
    );
  }

  /** The classic bus's part, or the error naming `member`. */
  private classicPart(member: string): RuleSubscription {
    if (this.classic === undefined) {
      throw new WrongBusKindError(
        `consumer ${this.node.path} subscribes to a Custom Event Bus with a FIFO subscriber: ${member} is a member of a classic bus consumer`,
      );
    }
    return this.classic;
  }

  /** The custom bus's part, or the error naming `member`. */
  private customPart(member: string): FifoSubscription & { readonly alarm: Alarm } {
    if (this.custom === undefined) {
      throw new WrongBusKindError(
        `consumer ${this.node.path} subscribes to a classic bus with a rule: ${member} is a member of a Custom Event Bus consumer`,
      );
    }
    return this.custom;
  }
}

/** A rule feeding the buffer, with its dead-letter queue and the alarm on it. */
interface RuleSubscription {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;
  readonly alarm: Alarm;
}

/** The deepest a queue got: a dead-letter queue's depth, read as `Maximum`. */
function queueDepth(queue: Queue, options?: MetricOptions): Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...options });
}

/** The rule's pattern: the one given, or built from `sources` and `detailTypes`. */
function eventPatternOf(props: OutboxConsumerProps): EventPattern {
  return (
    props.eventPattern ?? {
      ...(props.sources ? { source: [...props.sources] } : {}),
      ...(props.detailTypes ? { detailType: [...props.detailTypes] } : {}),
    }
  );
}

/** Validates props early, with the bad value in the message. */
function validateProps(props: OutboxConsumerProps): void {
  const batchSize = props.batchSize ?? 10;
  const maxReceiveCount = props.maxReceiveCount ?? 5;
  // Lambda takes up to 10,000 from a standard queue only with a batching window (aws-cdk#11722).
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`batchSize must be an integer in 1..10, got ${batchSize}`);
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1_000) {
    throw new Error(`maxReceiveCount must be an integer in 1..1000, got ${maxReceiveCount}`);
  }
  if ((props.eventBus === undefined) === (props.customEventBusArn === undefined)) {
    throw new Error(
      `an OutboxConsumer needs eventBus (a classic bus) or customEventBusArn (a Custom Event Bus), exactly one: got ${props.eventBus === undefined ? 'neither' : `eventBus ${props.eventBus.node.path} and customEventBusArn ${props.customEventBusArn}`}`,
    );
  }
  if (props.customEventBusArn !== undefined) {
    validateCustomBusArn('customEventBusArn', props.customEventBusArn);
  }
  if (Object.keys(eventPatternOf(props)).length === 0) {
    throw new Error(
      'an OutboxConsumer needs sources, detailTypes or an eventPattern: it would receive every event',
    );
  }
}
