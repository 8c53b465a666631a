import { describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../../local/event-bus-server.js';
import { fifoSqsBatch, subscriberFor } from './contract-events.js';
import { StackTemplate, UnsupportedTemplateError } from './stack-template.js';

const PATTERN = { source: ['com.example.orders'], 'detail-type': ['OrderConfirmed'] };

/** A subscriber sending to `Buffer`, with these properties over a FIFO RAW one filtering on DATA. */
function templateOf(properties: Record<string, unknown> = {}): StackTemplate {
  return StackTemplate.fromJson({
    Buffer: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    Subscriber: {
      Type: 'AWS::EventsV2::Subscriber',
      Properties: {
        Name: 'shipping',
        Type: 'FIFO',
        StartingPosition: 'LATEST',
        Transformer: { Type: 'RAW' },
        FilterConfiguration: { Filters: [{ Scope: 'DATA', Pattern: JSON.stringify(PATTERN) }] },
        InvokeConfiguration: { TargetArn: { 'Fn::GetAtt': ['Buffer', 'Arn'] } },
        ...properties,
      },
    },
  });
}

/** An event the local FIFO subscriber delivered, of group `Order#<id>`. */
function aDeliveredEvent(id: string, detailType: string, group?: string): DeliveredEvent {
  return {
    id: `event-${id}`,
    time: '2026-01-01T00:00:00.000Z',
    source: 'com.example.orders',
    detailType,
    detail: { aggregateId: id },
    eventBusName: 'orders',
    resources: [],
    sequenceNumber: `1000000000000000000${id.length}`,
    deliveryType: 'LIVE',
    ...(group === undefined ? {} : { eventGroupId: group }),
  };
}

describe('the FIFO subscriber of a consumer queue', () => {
  it('reads its name, starting position and DATA patterns', () => {
    const subscriber = subscriberFor(templateOf(), 'Buffer');

    expect(subscriber).toEqual({
      name: 'shipping',
      startingPosition: 'LATEST',
      dataPatterns: [PATTERN],
    });
  });

  it('fails if it filters on a scope other than DATA, which the contract cannot match', () => {
    const template = templateOf({
      FilterConfiguration: { Filters: [{ Scope: 'SYSTEM_METADATA', Pattern: '{}' }] },
    });

    expect(() => subscriberFor(template, 'Buffer')).toThrow(UnsupportedTemplateError);
  });

  it('fails if it delivers more than the payload, whose body the contract would guess', () => {
    const template = templateOf({ Transformer: { Type: 'WITH_METADATA' } });

    expect(() => subscriberFor(template, 'Buffer')).toThrow('transformer WITH_METADATA');
  });
});

describe('the SQS FIFO batch a subscriber fills', () => {
  it('holds the matching events in order, each in its group, de-duplicated by the bus event id', () => {
    const events = [
      aDeliveredEvent('o-1', 'OrderConfirmed', 'Order#o-1'),
      aDeliveredEvent('o-2', 'OrderCreated', 'Order#o-2'),
      aDeliveredEvent('o-3', 'OrderConfirmed', 'Order#o-3'),
    ];

    const batch = fifoSqsBatch(events, [PATTERN], '{Buffer.Arn}');

    expect(
      batch.Records.map((r) => [
        JSON.parse(r.body)['detail-type'],
        r.attributes.MessageGroupId,
        r.attributes.MessageDeduplicationId,
        r.eventSourceARN,
      ]),
    ).toEqual([
      ['OrderConfirmed', 'Order#o-1', 'event-o-1', '{Buffer.Arn}'],
      ['OrderConfirmed', 'Order#o-3', 'event-o-3', '{Buffer.Arn}'],
    ]);
  });

  it('fails if an event has no group, which a FIFO queue cannot take', () => {
    const events = [aDeliveredEvent('o-1', 'OrderConfirmed')];

    expect(() => fifoSqsBatch(events, [PATTERN], '{Buffer.Arn}')).toThrow('no EventGroupId');
  });
});
