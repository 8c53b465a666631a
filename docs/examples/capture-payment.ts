import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OutboxWriter } from '../../lambdas/outbox/index.js';

// Created once per container, reused by every invocation. The outbox table, its pending
// shards and the largest publishable event come from what outbox.addWriter() set.
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const writer = OutboxWriter.fromEnvironment({ client });

interface CapturePayment {
  readonly paymentId: string;
  readonly amount: number;
  readonly version: number;
  readonly lastEventSeq: number;
}

/** Marks a payment captured and emits PaymentCaptured, atomically. */
export const handler = async (command: CapturePayment) => {
  const result = await writer.write({
    aggregate: { type: 'Payment', id: command.paymentId },
    entity: {
      type: 'update',
      tableName: process.env.PAYMENTS_TABLE_NAME ?? '',
      key: { id: command.paymentId },
      expectedVersion: command.version,
      lastEventSeq: command.lastEventSeq,
      set: { status: 'CAPTURED' },
    },
    events: [
      {
        source: 'com.example.payments',
        detailType: 'PaymentCaptured',
        detail: { paymentId: command.paymentId, amount: command.amount },
      },
    ],
  });
  return result.outcome === 'committed' ? { version: result.version } : result.response;
};
