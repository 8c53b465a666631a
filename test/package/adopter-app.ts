/**
 * A CDK app of a team that adopts dynamo-outbox with `npm install`: the files
 * `install.test.ts` writes into a throwaway folder outside the repository. Plain JavaScript
 * for the app and the handler (no TypeScript toolchain needed to synthesize), plus one
 * TypeScript file that must type-check against the installed declarations.
 */

/** The app: the construct from the package root, the writer from `/runtime`. */
export const appMjs = `import { App, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { TransactionalOutbox } from 'dynamo-outbox';
import { OutboxWriter } from 'dynamo-outbox/runtime';

if (typeof OutboxWriter !== 'function') throw new Error('dynamo-outbox/runtime exports no OutboxWriter');

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Adopter');
const outbox = new TransactionalOutbox(stack, 'Outbox');
const createOrder = new NodejsFunction(stack, 'CreateOrder', {
  entry: 'create-order.mjs',
  runtime: Runtime.NODEJS_24_X,
  bundling: { format: OutputFormat.ESM },
  environment: { ORDERS_TABLE_NAME: 'orders' },
});
outbox.addWriter(createOrder);
outbox.addConsumer('Shipping', {
  entry: new URL('./shipping.mjs', import.meta.url).pathname,
  detailTypes: ['OrderCreated'],
  orderPolicy: 'skip-stale',
});
app.synth();
`;

/** The team's own command handler, writing through the package's writer. */
export const createOrderMjs = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OutboxWriter } from 'dynamo-outbox/runtime';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const writer = OutboxWriter.fromEnvironment({ client });

export const handler = async (command) => {
  const result = await writer.write({
    aggregate: { type: 'Order', id: command.id },
    entity: {
      type: 'create',
      tableName: process.env.ORDERS_TABLE_NAME ?? '',
      key: { id: command.id },
      item: { total: command.total },
    },
    events: [
      {
        source: 'com.example.orders',
        detailType: 'OrderCreated',
        detail: { id: command.id, total: command.total },
      },
    ],
  });
  return result.outcome === 'committed' ? { version: result.version } : result.response;
};
`;

/** The team's consumer: returns its write, committed with the inbox record. */
export const shippingMjs = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Inbox, sqsOutboxConsumer } from 'dynamo-outbox/runtime';

const inbox = Inbox.fromEnvironment({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})) });

export const handler = sqsOutboxConsumer(inbox, async (envelope) => [
  { Put: { TableName: 'shipments', Item: { orderId: envelope.aggregateId } } },
]);
`;

/** Type-checked with the repository's TypeScript against the installed `.d.ts` files. */
export const typedTs = `import { App, Duration, Stack } from 'aws-cdk-lib';
import { TransactionalOutbox, type TransactionalOutboxProps } from 'dynamo-outbox';
import {
  type EventEnvelope,
  type OutboxWriteInput,
  type OutboxWriteResult,
  OutboxWriter,
  VersionConflictError,
} from 'dynamo-outbox/runtime';

const props: TransactionalOutboxProps = { retention: Duration.days(3), batchSize: 50 };
const outbox = new TransactionalOutbox(new Stack(new App(), 'Typed'), 'Outbox', props);
const tableName: string = outbox.table.tableName;

type Client = ConstructorParameters<typeof OutboxWriter>[0]['client'];

export async function write(client: Client, input: OutboxWriteInput): Promise<number> {
  const writer = new OutboxWriter({ client, tableName });
  try {
    const result: OutboxWriteResult = await writer.write(input);
    return result.outcome === 'committed' ? result.version : 0;
  } catch (error) {
    if (error instanceof VersionConflictError) return -1;
    throw error;
  }
}

export const sequenceOf = (envelope: EventEnvelope): number => envelope.sequence;
`;

export const tsconfigJson = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  files: ['typed.ts'],
};
