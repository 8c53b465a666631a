import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { type EventPattern, matchesPattern } from '../../lambdas/outbox/event-pattern.js';
import type { DeliveredEvent, LocalEvent } from '../../local/event-bus-server.js';
import { toEventBridgeEvent } from '../../local/local-consumer.js';
import { type StackTemplate, UnsupportedTemplateError } from './stack-template.js';

/**
 * The filter patterns of the event source mappings of a function (Lambda hands it only
 * records matching one of them).
 */
export function eventSourceFilters(template: StackTemplate, functionId: string): EventPattern[] {
  return template
    .idsOfType('AWS::Lambda::EventSourceMapping')
    .map((id) => template.resource(id).Properties ?? {})
    .filter((p) => template.referencedId(p.FunctionName) === functionId)
    .flatMap(
      (p) => (p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? [],
    )
    .map((filter) => JSON.parse(filter.Pattern) as EventPattern);
}

/** A stream batch of the records that pass the filters (all of them without filters). */
export function streamBatch(
  records: readonly DynamoDBRecord[],
  filters: readonly EventPattern[],
): DynamoDBStreamEvent {
  return {
    Records: records.filter(
      (record) => filters.length === 0 || filters.some((f) => matchesPattern(f, record)),
    ),
  };
}

/** The event patterns of the rules whose targets include the queue. */
export function rulePatternsFor(template: StackTemplate, queueId: string): EventPattern[] {
  return template
    .idsOfType('AWS::Events::Rule')
    .map((id) => template.resource(id).Properties ?? {})
    .filter((p) =>
      ((p.Targets as { Arn?: unknown }[] | undefined) ?? []).some(
        (t) => template.referencedId(t.Arn) === queueId,
      ),
    )
    .map((p) => p.EventPattern as EventPattern);
}

/**
 * The SQS batch a consumer's event source mapping delivers: the bus events its rule
 * matches, as EventBridge writes them into the buffer queue.
 */
export function sqsBatch(
  events: readonly LocalEvent[],
  patterns: readonly EventPattern[],
  queueArn: string,
): SQSEvent {
  return {
    Records: events
      .map(toEventBridgeEvent)
      .filter((event) => patterns.some((p) => matchesPattern(p, event)))
      .map((event) => sqsRecord(JSON.stringify(event), queueArn)),
  };
}

/** A Custom Event Bus subscriber as the contract reads it from the template. */
export interface SubscriberDefinition {
  /** The subscriber's `Name`. */
  readonly name: string;
  /** `StartingPosition`: where a new subscriber starts reading the bus. */
  readonly startingPosition: 'LATEST' | 'POINT_IN_TIME';
  /** Its `DATA` filters: an event is delivered only if it matches every one. */
  readonly dataPatterns: readonly EventPattern[];
}

/**
 * The FIFO subscriber (`AWS::EventsV2::Subscriber`) that sends to the queue: its name,
 * starting position and filters. It refuses what it would have to guess: a subscriber that
 * is not FIFO, delivers anything but the payload (`RAW`), or filters on another scope.
 *
 * @throws UnsupportedTemplateError when no subscriber, or more than one, sends to the queue
 */
export function subscriberFor(template: StackTemplate, queueId: string): SubscriberDefinition {
  const subscribers = template
    .idsOfType('AWS::EventsV2::Subscriber')
    .map((id) => template.resource(id).Properties ?? {})
    .filter(
      (p) =>
        template.referencedId((p.InvokeConfiguration as { TargetArn?: unknown })?.TargetArn) ===
        queueId,
    );
  const [p, ...others] = subscribers;
  if (p === undefined || others.length > 0) {
    throw new UnsupportedTemplateError(
      `${template.pathOf(queueId)}: ${subscribers.length} subscribers send to it, expected one`,
    );
  }
  const transformer = (p.Transformer as { Type?: unknown } | undefined)?.Type ?? 'RAW';
  if (p.Type !== 'FIFO' || transformer !== 'RAW') {
    throw new UnsupportedTemplateError(
      `subscriber ${String(p.Name)}: type ${String(p.Type)}, transformer ${String(transformer)}; the contract delivers FIFO RAW`,
    );
  }
  return {
    name: String(p.Name),
    startingPosition: p.StartingPosition === 'POINT_IN_TIME' ? 'POINT_IN_TIME' : 'LATEST',
    dataPatterns: dataPatternsOf(p.FilterConfiguration),
  };
}

function dataPatternsOf(configuration: unknown): EventPattern[] {
  const filters =
    (configuration as { Filters?: { Pattern?: unknown; Scope?: unknown }[] } | undefined)
      ?.Filters ?? [];
  return filters.map((filter) => {
    if (filter.Scope !== 'DATA' || typeof filter.Pattern !== 'string') {
      throw new UnsupportedTemplateError(
        `a subscriber filter of scope ${String(filter.Scope)}: the contract matches DATA patterns only`,
      );
    }
    return JSON.parse(filter.Pattern) as EventPattern;
  });
}

/**
 * The SQS FIFO batch a consumer's event source mapping delivers from the buffer its FIFO
 * subscriber fills: the delivered events that match every DATA filter, in delivery order,
 * each body the payload (`RAW`: the envelope with `detail`), its group the event's group
 * (`MessageGroupId`) and its de-duplication id the bus's event id, as the construct's
 * subscriber sets them (`FIFO_SQS_PARAMETERS`).
 */
export function fifoSqsBatch(
  events: readonly DeliveredEvent[],
  patterns: readonly EventPattern[],
  queueArn: string,
): SQSEvent {
  return {
    Records: events
      .filter((event) => patterns.every((p) => matchesPattern(p, toEventBridgeEvent(event))))
      .map((event) =>
        sqsRecord(JSON.stringify(toEventBridgeEvent(event)), queueArn, {
          MessageGroupId: groupOf(event),
          MessageDeduplicationId: event.id,
          SequenceNumber: event.sequenceNumber,
        }),
      ),
  };
}

/** The event's group: without one, the subscriber's `MessageGroupId` expression has no value and the delivery fails. */
function groupOf(event: DeliveredEvent): string {
  if (event.eventGroupId === undefined) {
    throw new Error(`event ${event.id} has no EventGroupId: a FIFO queue cannot take it`);
  }
  return event.eventGroupId;
}

function sqsRecord(
  body: string,
  queueArn: string,
  fifo: Partial<SQSRecord['attributes']> = {},
): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: now,
      ...fifo,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
