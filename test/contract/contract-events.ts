import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { type EventPattern, matchesPattern } from '../../lambdas/outbox/event-pattern.js';
import type { LocalEvent } from '../../local/event-bus-server.js';
import { toEventBridgeEvent } from '../../local/local-consumer.js';
import type { StackTemplate } from './stack-template.js';

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

function sqsRecord(body: string, queueArn: string): SQSRecord {
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
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
