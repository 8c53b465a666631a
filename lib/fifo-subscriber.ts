import { Names, Stack } from 'aws-cdk-lib';
import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { CfnSubscriber } from 'aws-cdk-lib/aws-eventsv2';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { eventBridgeDeadLetterQueue } from './event-bridge-dead-letter-queue.js';

/**
 * The SQS FIFO parameters of the subscriber, in JSONata over the delivered event: the group
 * is the publisher's `EventGroupId` (the aggregate key), the de-duplication id the event id
 * the bus assigned, unique per accepted event and stable across the subscriber's retries (the
 * publisher's `DeduplicationId` is unique only within its group, SQS de-duplicates across
 * the queue). A string literal in a JSONata path is a field name, so `"aws:EventId"` reads
 * the key with the colon.
 */
export const FIFO_SQS_PARAMETERS = {
  messageGroupId: '{% $events.SystemMetadata.EventGroupId %}',
  messageDeduplicationId: '{% $events.SystemMetadata."aws:EventId" %}',
} as const;

/**
 * The subscriber's retry policy: EventBridge's classic target defaults, stated (a day, 185
 * tries), instead of the Custom Event Bus's 5 tries in 300 s, so an outage of the queue
 * dead-letters nothing. While an event is retried, the later events of its aggregate wait:
 * order is kept, latency is given up.
 */
const RETRY_POLICY = { maxRetryAttempts: 185, maxEventAgeInSeconds: 86_400 } as const;

/** What a FIFO subscriber delivers, and where. */
export interface FifoSubscriberProps {
  /** ARN of the Custom Event Bus (`…:event-busv2/<name>/<id>`). */
  readonly eventBusArn: string;
  /** The classic pattern of the events to deliver, matched against the event's data. */
  readonly eventPattern: EventPattern;
  /** The SQS FIFO queue the events go to, in order per aggregate. */
  readonly target: IQueue;
  /** What the subscriber is for, shown in the console. */
  readonly description: string;
}

/** A FIFO subscriber with the role it delivers with and its dead-letter queue. */
export interface FifoSubscription {
  readonly subscriber: CfnSubscriber;
  /** The role EventBridge assumes to send to the target and to the dead-letter queue. */
  readonly deliveryRole: Role;
  /** Failure records of events the subscriber could not deliver (ids, not payloads). */
  readonly deadLetterQueue: Queue;
}

/**
 * A FIFO subscriber on a Custom Event Bus (`AWS::EventsV2::Subscriber`) that delivers the
 * matching events to an SQS FIFO queue in publish order per aggregate: the payload only
 * (`RAW`: the classic envelope with `detail`), retried for a day, then a failure record in
 * its dead-letter queue. It waits for every subscriber created before it on the same bus in
 * the stack: AWS applies one subscriber create or delete at a time per bus.
 *
 * @example
 * const { subscriber } = subscribeFifo(this, { eventBusArn, eventPattern, target: buffer, description });
 */
export function subscribeFifo(scope: Construct, props: FifoSubscriberProps): FifoSubscription {
  // FIFO, so the failure records of one aggregate stay in order (AWS documents no requirement
  // either way; its own FIFO-subscriber sample uses a FIFO queue).
  const deadLetterQueue = eventBridgeDeadLetterQueue(scope, 'SubscriberDeadLetterQueue', {
    writer: 'subscriber',
    fifo: true,
  });
  const deliveryRole = createDeliveryRole(scope, [props.target, deadLetterQueue]);
  const subscriber = new CfnSubscriber(scope, 'Subscriber', {
    name: Names.uniqueResourceName(scope, {
      maxLength: 256,
      separator: '-',
      allowedSpecialCharacters: '-',
    }),
    description: props.description,
    eventBusArn: props.eventBusArn,
    type: 'FIFO',
    // Explicit, as their defaults are not documented: only new events (like a new rule),
    // delivered from the start.
    startingPosition: 'LATEST',
    state: 'RUNNING',
    filterConfiguration: { filters: [dataFilter(scope, props.eventPattern)] },
    transformer: { type: 'RAW' },
    invokeConfiguration: {
      targetArn: props.target.queueArn,
      roleArn: deliveryRole.roleArn,
      sqsParameters: { ...FIFO_SQS_PARAMETERS },
    },
    retryPolicy: { ...RETRY_POLICY },
    onFailureConfiguration: { arn: deadLetterQueue.queueArn },
  });
  // The role's grants exist before the first delivery.
  subscriber.node.addDependency(deliveryRole);
  afterEarlierSubscribers(subscriber);
  return { subscriber, deliveryRole, deadLetterQueue };
}

/**
 * The role the subscriber delivers with: only EventBridge acting for this account may assume
 * it, and it may only send to `queues` (a subscriber writes with its role, not under a queue
 * policy).
 */
function createDeliveryRole(scope: Construct, queues: readonly IQueue[]): Role {
  const role = new Role(scope, 'DeliveryRole', {
    assumedBy: new ServicePrincipal('events.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    }),
    description: 'Lets an EventBridge subscriber send outbox events to its SQS FIFO queue',
  });
  Grant.addToPrincipal({
    grantee: role,
    actions: ['sqs:SendMessage'],
    resourceArns: queues.map((queue) => queue.queueArn),
  });
  return role;
}

/** The classic rule pattern as a filter on the event's data (PutEvents: the envelope). */
function dataFilter(scope: Construct, pattern: EventPattern): CfnSubscriber.FilterProperty {
  return { scope: 'DATA', pattern: Stack.of(scope).toJsonString(renderedPattern(pattern)) };
}

/** Makes `subscriber` wait for every other subscriber on its bus created before it in its stack. */
function afterEarlierSubscribers(subscriber: CfnSubscriber): void {
  const earlier = Stack.of(subscriber)
    .node.findAll()
    .filter(
      (c): c is CfnSubscriber =>
        c instanceof CfnSubscriber && c !== subscriber && c.eventBusArn === subscriber.eventBusArn,
    );
  for (const other of earlier) subscriber.node.addDependency(other);
}

/** The pattern as a rule renders it: `detailType` becomes `detail-type`. */
function renderedPattern(pattern: EventPattern): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [
      key === 'detailType' ? 'detail-type' : key,
      value,
    ]),
  );
}
