import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { TransactionalOutbox } from '../../lib/index.js';

export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Outbox table, stream, relay, dead-letter queues and alarms, in one statement.
    const outbox = new TransactionalOutbox(this, 'Outbox', { retention: Duration.days(3) });

    // Your entity table and the command handler that writes through the OutboxWriter.
    const payments = new TableV2(this, 'Payments', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
    });
    const capture = new NodejsFunction(this, 'CapturePayment', {
      entry: fileURLToPath(new URL('./capture-payment.ts', import.meta.url)),
      runtime: Runtime.NODEJS_24_X,
      environment: { PAYMENTS_TABLE_NAME: payments.tableName },
    });
    // The outbox's write grant, and the environment OutboxWriter.fromEnvironment() reads.
    outbox.addWriter(capture);
    payments.grantReadWriteData(capture);

    // Consumers subscribe with rules on outbox.eventBus.
  }
}
