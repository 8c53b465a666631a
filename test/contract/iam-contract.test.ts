import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxWriter } from '../../lambdas/outbox/outbox-writer.js';
import type { SweepReport } from '../../lambdas/sweeper/index.js';
import { OrdersServiceStack } from '../../lib/index.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { scheduledEvent } from '../../local/sweep-timer.js';
import { apiEvent, bodyOf } from '../helpers/api-events.js';
import { AwsCallRecorder } from '../helpers/aws-call-recorder.js';
import { testApp } from '../helpers/cdk.js';
import { aCreateBody } from '../helpers/orders-fixtures.js';
import { aCreateInput } from '../helpers/outbox-fixtures.js';
import { eventSourceFilters, rulePatternsFor, sqsBatch, streamBatch } from './contract-events.js';
import { ContractRuntime } from './contract-runtime.js';
import { type FunctionIamResult, formatIamReport } from './iam-report.js';
import { type IamFinding, verdictOf } from './iam-verdict.js';
import { permissionsOfCall, platformPermissions } from './needed-permissions.js';
import { grantsOf } from './role-grants.js';
import { StackTemplate } from './stack-template.js';

// The IAM contract of every Lambda the example stack deploys: the real handlers run
// against DynamoDB Local and the local bus with the environment the template gives them;
// each AWS call they make must be allowed by their synthesized role, and each action the
// role allows must be used by a call (or by Lambda itself on the function's behalf).

/** The handler module of each Lambda function of the stack, by construct path. */
const HANDLER_MODULES: Readonly<Record<string, string>> = {
  CreateOrder: '../../lambdas/orders/handlers/create-order.js',
  GetOrder: '../../lambdas/orders/handlers/get-order.js',
  TransitionOrder: '../../lambdas/orders/handlers/transition-order.js',
  CancelOrder: '../../lambdas/orders/handlers/cancel-order.js',
  'Outbox/Relay': '../../lambdas/relay/handler.js',
  'Outbox/Sweeper': '../../lambdas/sweeper/handler.js',
  'Outbox/Shipping/Function': '../../lambdas/shipping/handler.js',
};

/** A finding of today's construct, reported for a fix; each must still hold. */
type KnownFinding = Omit<IamFinding, 'detail'> & { readonly reason: string };

const SHIPPING = 'Outbox/Shipping/Function';
const SHIPPING_BUFFER = '{Outbox/Shipping/Buffer.Arn}';
const SQS_SOURCE_EXTRAS =
  'SqsEventSource grants grantConsumeMessages(); Lambda documents 3 actions';

const known = (
  kind: KnownFinding['kind'],
  fn: string,
  action: string,
  resource: string,
  reason: string,
): KnownFinding => ({ kind, function: fn, action, resource, reason });

const KNOWN_FINDINGS: readonly KnownFinding[] = [
  known('unused', SHIPPING, 'sqs:ChangeMessageVisibility', SHIPPING_BUFFER, SQS_SOURCE_EXTRAS),
  known('unused', SHIPPING, 'sqs:GetQueueUrl', SHIPPING_BUFFER, SQS_SOURCE_EXTRAS),
];

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type ApiHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

interface Handlers {
  readonly createOrder: ApiHandler;
  readonly getOrder: ApiHandler;
  readonly transitionOrder: ApiHandler;
  readonly cancelOrder: ApiHandler;
  readonly relay: Handler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
  readonly sweeper: Handler<ScheduledEvent, SweepReport>;
  readonly shipping: Handler<SQSEvent, SQSBatchResponse>;
}

const CALLER = 'arn:aws:iam::123456789012:user/contract';
const STALE_MS = 10 * 60 * 1000;

let template: StackTemplate;
let runtime: ContractRuntime;
let recorder: AwsCallRecorder;
/** What each path run produced: the contract only counts paths that really ran. */
const observed = new Map<string, unknown>();

beforeAll(async () => {
  template = StackTemplate.synthesize(new OrdersServiceStack(testApp(), 'DynamoOutboxOrders'));
  runtime = await ContractRuntime.start(template);
  recorder = AwsCallRecorder.install();
  const handlers = await loadHandlers();
  await driveOrdersApi(handlers);
  await writeStaleRecords();
  await driveDelivery(handlers);
  await driveShipping(handlers);
}, 120_000);

afterAll(async () => {
  recorder?.uninstall();
  await runtime?.stop();
});

describe('the IAM contract of the Orders service stack', () => {
  it('runs a handler for every Lambda function of the stack', () => {
    const functions = template.idsOfType('AWS::Lambda::Function').map((id) => template.pathOf(id));

    expect(functions.sort()).toEqual(Object.keys(HANDLER_MODULES).sort());
    for (const path of functions) {
      expect(callsOf(path).length, `${path} made no AWS call`).toBeGreaterThan(0);
    }
  });

  it('drives every path it claims to: replay, conflicts, an unknown bus, poison, duplicates', () => {
    expect(Object.fromEntries(observed)).toEqual({
      'create-order: created': 201,
      'create-order: replayed the same id': true,
      'create-order: key reused for another body': 422,
      'get-order: found': 200,
      'get-order: not found': 404,
      'transition-order: confirmed with a key': 200,
      'transition-order: shipped': 200,
      'transition-order: stale If-Match': 412,
      'cancel-order: cancelled with a key': 200,
      'cancel-order: replayed': 200,
      'transition-order and cancel-order: race settled': true,
      'relay: unknown bus fails the batch': 'PublishNotAuthorizedError',
      'sweeper: unknown bus fails the run': 'SweepNotAuthorizedError',
      'relay: published the batch': true,
      'relay: skipped the duplicates': true,
      'relay: quarantined poison': 1,
      'sweeper: delivered what the stream lost': true,
      'sweeper: quarantined poison': 2,
      'shipping: applied the batch': true,
      'shipping: skipped the redelivery': true,
    });
  });

  it('allows every call each function makes, and grants nothing it never uses', () => {
    const results = contractResults();
    console.info(formatIamReport(results));

    const unexpected = results.flatMap((r) => r.findings.filter((f) => !r.known.includes(f)));
    expect(unexpected.map(describeFinding)).toEqual([]);
  });

  it('lists as known only findings that still hold', () => {
    const found = contractResults().flatMap((r) => r.known);

    const stale = KNOWN_FINDINGS.filter((k) => !found.some((f) => keyOf(f) === keyOf(k)));
    expect(stale.map((k) => `${keyOf(k)} — fixed? remove it from KNOWN_FINDINGS`)).toEqual([]);
  });
});

/** Every function's grants, needs and findings, known ones marked. */
function contractResults(): FunctionIamResult[] {
  return template.idsOfType('AWS::Lambda::Function').map((id) => {
    const path = template.pathOf(id);
    const needed = [
      ...callsOf(path).flatMap((call) => permissionsOfCall(call, runtime.names)),
      ...platformPermissions(template, id),
    ];
    const grants = grantsOf(template, id);
    const findings = verdictOf(path, grants, needed);
    const known = findings.filter((f) => KNOWN_FINDINGS.some((k) => keyOf(k) === keyOf(f)));
    return { function: path, grants, needed, findings, known };
  });
}

const callsOf = (path: string) => recorder.calls().filter((c) => c.caller === path);
const keyOf = (f: Pick<IamFinding, 'kind' | 'function' | 'action' | 'resource'>) =>
  `${f.kind} ${f.function}: ${f.action} on ${f.resource}`;
const describeFinding = (f: IamFinding) => `${keyOf(f)} (${f.detail})`;

/** The id of the one resource at a construct path. */
function idOf(path: string): string {
  const id = Object.keys(template.resources).find((i) => template.pathOf(i) === path);
  if (id === undefined) throw new Error(`no resource at ${path}`);
  return id;
}

/** Invokes a function's handler as Lambda would, recording its calls as its own. */
function invoke<E, R>(path: string, handler: Handler<E, R>, event: E): Promise<R> {
  const timeout = Number(template.resource(idOf(path)).Properties?.Timeout ?? 3);
  return recorder.run(path, () => handler(event, lambdaContext(path, timeout * 1000)));
}

async function loadHandlers(): Promise<Handlers> {
  const load = async <T>(path: string) =>
    (await runtime.loadHandler<{ handler: T }>(HANDLER_MODULES[path] as string, idOf(path)))
      .handler;
  return {
    createOrder: await load<ApiHandler>('CreateOrder'),
    getOrder: await load<ApiHandler>('GetOrder'),
    transitionOrder: await load<ApiHandler>('TransitionOrder'),
    cancelOrder: await load<ApiHandler>('CancelOrder'),
    relay: await load('Outbox/Relay'),
    sweeper: await load('Outbox/Sweeper'),
    shipping: await load('Outbox/Shipping/Function'),
  };
}

/** Create, replay, reuse a key, read, confirm, ship, a stale If-Match, cancel, a race. */
async function driveOrdersApi(h: Handlers): Promise<void> {
  const create = (body: unknown, headers: Record<string, string> = {}) =>
    invoke(
      'CreateOrder',
      h.createOrder,
      apiEvent({ method: 'POST', resource: '/orders', body, headers, userArn: CALLER }),
    );
  const transition = (action: string, id: string, headers: Record<string, string> = {}) =>
    invoke(
      action === 'cancel' ? 'CancelOrder' : 'TransitionOrder',
      action === 'cancel' ? h.cancelOrder : h.transitionOrder,
      apiEvent({
        method: 'POST',
        resource: `/orders/{id}/${action}`,
        pathParameters: { id },
        body: action === 'cancel' ? { reason: 'changed my mind' } : undefined,
        headers,
        userArn: CALLER,
      }),
    );
  const get = (id: string) =>
    invoke(
      'GetOrder',
      h.getOrder,
      apiEvent({
        method: 'GET',
        resource: '/orders/{id}',
        pathParameters: { id },
        userArn: CALLER,
      }),
    );

  const created = await create(aCreateBody(), { 'Idempotency-Key': 'contract-create-1' });
  observed.set('create-order: created', created.statusCode);
  const orderId = String(bodyOf(created).id);
  const replay = await create(aCreateBody(), { 'Idempotency-Key': 'contract-create-1' });
  observed.set('create-order: replayed the same id', bodyOf(replay).id === orderId);
  const reused = await create(aCreateBody({ customerId: 'someone-else' }), {
    'Idempotency-Key': 'contract-create-1',
  });
  observed.set('create-order: key reused for another body', reused.statusCode);

  observed.set('get-order: found', (await get(orderId)).statusCode);
  observed.set(
    'get-order: not found',
    (await get('01936f6e-0000-7000-8000-000000000000')).statusCode,
  );
  const confirmed = await transition('confirm', orderId, {
    'Idempotency-Key': 'contract-confirm-1',
  });
  observed.set('transition-order: confirmed with a key', confirmed.statusCode);
  observed.set('transition-order: shipped', (await transition('ship', orderId)).statusCode);

  const second = String(bodyOf(await create(aCreateBody())).id);
  observed.set(
    'transition-order: stale If-Match',
    (await transition('confirm', second, { 'If-Match': '"41"' })).statusCode,
  );
  const cancelled = await transition('cancel', second, { 'Idempotency-Key': 'contract-cancel-1' });
  observed.set('cancel-order: cancelled with a key', cancelled.statusCode);
  const cancelReplay = await transition('cancel', second, {
    'Idempotency-Key': 'contract-cancel-1',
  });
  observed.set('cancel-order: replayed', cancelReplay.statusCode);

  // Confirm and cancel the same order at once: one transaction loses and is retried.
  const third = String(bodyOf(await create(aCreateBody())).id);
  const race = await Promise.all([transition('confirm', third), transition('cancel', third)]);
  observed.set(
    'transition-order and cancel-order: race settled',
    race.every((r) => [200, 409].includes(r.statusCode)) && race.some((r) => r.statusCode === 200),
  );
}

/** The aggregates whose stream records are lost, as after 24 h: only the sweeper sees them. */
const STALE_AGGREGATES = new Set(['Order#stale-good', 'Order#stale-poison']);

/** Records pending for longer than the sweeper's grace period, one of them poison. */
async function writeStaleRecords(): Promise<void> {
  const past = () => new Date(Date.now() - STALE_MS);
  await outboxWriter(past).write(anOrderWrite('stale-good'));
  await writePoison('stale-poison', past);
}

/**
 * The relay and the sweeper: first against a bus that does not exist, then against the
 * bus (a batch, the same batch again, a poison record), then the sweeper on what the
 * stream lost (one good record, one poison).
 */
async function driveDelivery(h: Handlers): Promise<void> {
  const stream = relayFeed();
  const batch = await stream.next();
  observed.set('relay: unknown bus fails the batch', await errorName(relay(h, batch)));
  observed.set('sweeper: unknown bus fails the run', await errorName(sweep(h)));

  const bus = await runtime.restartBus([runtime.names.busName(idOf('Outbox/Bus'))]);
  const published = await relay(h, batch);
  const accepted = bus.accepted().length;
  observed.set(
    'relay: published the batch',
    published.batchItemFailures.length === 0 && accepted > 0,
  );
  await relay(h, batch);
  observed.set('relay: skipped the duplicates', bus.accepted().length === accepted);

  await writePoison('poison');
  await relay(h, await stream.next());
  observed.set('relay: quarantined poison', bus.dlqMessages().length);

  const report = await sweep(h);
  observed.set('sweeper: delivered what the stream lost', report.eventsPublished > 0);
  observed.set('sweeper: quarantined poison', bus.dlqMessages().length);
}

const relay = (h: Handlers, batch: DynamoDBStreamEvent) => invoke('Outbox/Relay', h.relay, batch);
const sweep = (h: Handlers) => invoke('Outbox/Sweeper', h.sweeper, scheduledEvent());
const errorName = (run: Promise<unknown>) =>
  run.then(
    () => 'succeeded',
    (error: Error) => error.name,
  );

/**
 * The outbox stream as the relay's event source mapping delivers it: each call the
 * records not handed over yet that pass the mapping's filter, minus the lost ones.
 */
function relayFeed(): { next(): Promise<DynamoDBStreamEvent> } {
  const filters = eventSourceFilters(template, idOf('Outbox/Relay'));
  const handedOver = new Set<string>();
  return {
    async next() {
      const fresh = (await runtime.streamRecords(idOf('Outbox/Table'))).filter(
        (r) =>
          !handedOver.has(sequenceOf(r)) && !STALE_AGGREGATES.has(String(r.dynamodb?.Keys?.pk?.S)),
      );
      for (const r of fresh) handedOver.add(sequenceOf(r));
      return streamBatch(fresh, filters);
    },
  };
}

const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';

/** The shipping consumer on the SQS batch its rule fills from the bus, then a redelivery. */
async function driveShipping(h: Handlers): Promise<void> {
  const bufferId = idOf('Outbox/Shipping/Buffer');
  const batch = sqsBatch(
    runtime.bus.accepted(),
    rulePatternsFor(template, bufferId),
    template.render({ 'Fn::GetAtt': [bufferId, 'Arn'] }),
  );
  const applied = await invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set(
    'shipping: applied the batch',
    batch.Records.length > 0 && applied.batchItemFailures.length === 0,
  );
  const again = await invoke('Outbox/Shipping/Function', h.shipping, batch);
  observed.set('shipping: skipped the redelivery', again.batchItemFailures.length === 0);
}

const ordersTable = () => runtime.names.tableName(idOf('OrdersTable'));

function outboxWriter(clock?: () => Date): OutboxWriter {
  return new OutboxWriter({
    client: runtime.documentClient,
    tableName: runtime.names.tableName(idOf('Outbox/Table')),
    ...(clock === undefined ? {} : { clock }),
  });
}

/** A write creating order `id` with one event, through the real writer. */
const anOrderWrite = (id: string) =>
  aCreateInput({
    aggregate: { type: 'Order', id },
    entity: { tableName: ordersTable(), key: { id } },
  });

/** Commits order `id` with an event whose Detail is a JSON array: EventBridge refuses it. */
async function writePoison(id: string, clock?: () => Date): Promise<void> {
  const { command } = outboxWriter(clock).prepare(anOrderWrite(id));
  await runtime.documentClient.send(new TransactWriteCommand(withMalformedDetail(command)));
}

function withMalformedDetail(command: TransactWriteCommandInput): TransactWriteCommandInput {
  return {
    ...command,
    TransactItems: command.TransactItems?.map((item) => {
      const events = item.Put?.Item?.events as { detail: string }[] | undefined;
      if (item.Put === undefined || events === undefined) return item;
      return {
        Put: {
          ...item.Put,
          Item: { ...item.Put.Item, events: events.map((e) => ({ ...e, detail: '[]' })) },
        },
      };
    }),
  };
}
