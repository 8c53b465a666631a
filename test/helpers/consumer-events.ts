/**
 * An EventBridge event carrying an outbox envelope, as a rule delivers it to a consumer
 * (event id `<aggregateId>/<sequence>`).
 */
export const anOutboxEvent = (
  sequence: number,
  detailType = 'OrderConfirmed',
  aggregateId = 'o-1',
) => ({
  version: '0',
  id: `eb-${aggregateId}-${sequence}`,
  'detail-type': detailType,
  source: 'com.example.orders',
  account: '000000000000',
  time: '2026-11-25T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventId: `${aggregateId}/${sequence}`,
    aggregateType: 'Order',
    aggregateId,
    sequence,
    occurredAt: '2026-11-25T10:00:00Z',
    data: { orderId: aggregateId, total: 100 * sequence },
    metadata: {},
  },
});

/**
 * An SQS FIFO batch as Lambda hands it over: each message carries its `MessageGroupId`
 * attribute (the Custom Event Bus's FIFO subscriber sets it to the event group, the
 * aggregate); message ids m-0, m-1, …
 */
export const aFifoBatch = (...messages: { readonly group: string; readonly event: unknown }[]) =>
  ({
    Records: messages.map(({ group, event }, i) => ({
      messageId: `m-${i}`,
      body: JSON.stringify(event),
      attributes: { MessageGroupId: group },
    })),
  }) as unknown as import('aws-lambda').SQSEvent;
