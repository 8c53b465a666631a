import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { OutboxBus, TransactionalOutbox } from '../../lib/index.js';

export class OrdersOnCustomBusStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // A new Custom Event Bus: FIFO subscribers get each order's events in order, and
    // repeats within 5 minutes are dropped. It keeps every event 14 days.
    const outbox = new TransactionalOutbox(this, 'Outbox', {
      bus: OutboxBus.custom({ retention: Duration.days(14) }),
    });

    // A FIFO subscriber fills an SQS FIFO queue (grouped by order); the Lambda drains it.
    const invoices = new TableV2(this, 'Invoices', {
      partitionKey: { name: 'orderId', type: AttributeType.STRING },
    });
    const invoicing = outbox.addConsumer('Invoicing', {
      entry: fileURLToPath(new URL('./invoicing.ts', import.meta.url)),
      sources: ['com.example.orders'],
      detailTypes: ['OrderConfirmed', 'OrderCancelled'],
      environment: { INVOICES_TABLE_NAME: invoices.tableName },
    });
    invoices.grantWriteData(invoicing.consumerFunction);
  }
}
