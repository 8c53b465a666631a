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
import { OutboxWriter } from '../../lambdas/outbox/outbox-writer.js';
import type { SweepReport } from '../../lambdas/sweeper/index.js';
import type { OrdersServiceStack } from '../../lib/index.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { scheduledEvent } from '../../local/sweep-timer.js';
import { apiEvent, bodyOf } from '../helpers/api-events.js';
import { AwsCallRecorder, type RecordedAwsCall } from '../helpers/aws-call-recorder.js';
import { aCreateBody } from '../helpers/orders-fixtures.js';
import { aCreateInput } from '../helpers/outbox-fixtures.js';
import { eventSourceFilters, streamBatch } from './contract-events.js';
import { ContractRuntime } from './contract-runtime.js';
import type { FunctionIamResult } from './iam-report.js';
import { type IamFinding, verdictOf } from './iam-verdict.js';
import {
  type NeededPermission,
  permissionsOfCall,
  platformPermissions,
  subscriberPermissions,
} from './needed-permissions.js';
import { type Grant, grantsOf, grantsOfRole, roleIdOf } from './role-grants.js';
import { StackTemplate } from './stack-template.js';

/** The handler module of each Lambda function of the stack, by construct path. */
export const HANDLER_MODULES: Readonly<Record<string, string>> = {
  CreateOrder: '../../lambdas/orders/handlers/create-order.js',
  GetOrder: '../../lambdas/orders/handlers/get-order.js',
  TransitionOrder: '../../lambdas/orders/handlers/transition-order.js',
  CancelOrder: '../../lambdas/orders/handlers/cancel-order.js',
  'Outbox/Relay': '../../lambdas/relay/handler.js',
  'Outbox/Sweeper': '../../lambdas/sweeper/handler.js',
  'Outbox/Shipping/Function': '../../lambdas/shipping/handler.js',
};

/** A finding of today's construct, reported for a fix; each must still hold. */
/**
 * The paths every Orders contract run drives, and what each gave: the two IAM contracts (classic
 * and Custom Event Bus) check a run took all of them before they judge its calls.
 */
export const OBSERVED_PATHS: Readonly<Record<string, unknown>> = {
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
};

export type KnownFinding = Omit<IamFinding, 'detail'> & { readonly reason: string };

/** A {@link KnownFinding}, with the one-line reason it is accepted for now. */
export const known = (
  kind: KnownFinding['kind'],
  fn: string,
  action: string,
  resource: string,
  reason: string,
): KnownFinding => ({ kind, function: fn, action, resource, reason });

const SHIPPING = 'Outbox/Shipping/Function';
const SHIPPING_BUFFER = '{Outbox/Shipping/Buffer.Arn}';
const SQS_SOURCE_EXTRAS =
  'SqsEventSource grants grantConsumeMessages(); Lambda documents 3 actions';

/** What the shipping consumer's SQS event source grants beyond Lambda's documented needs, on either bus. */
export const SHIPPING_SQS_SOURCE_FINDINGS: readonly KnownFinding[] = [
  known('unused', SHIPPING, 'sqs:ChangeMessageVisibility', SHIPPING_BUFFER, SQS_SOURCE_EXTRAS),
  known('unused', SHIPPING, 'sqs:GetQueueUrl', SHIPPING_BUFFER, SQS_SOURCE_EXTRAS),
];

export type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type ApiHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** The handler of each Lambda function of the stack, imported with its template environment. */
export interface Handlers {
  readonly createOrder: ApiHandler;
  readonly getOrder: ApiHandler;
  readonly transitionOrder: ApiHandler;
  readonly cancelOrder: ApiHandler;
  readonly relay: Handler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
  readonly sweeper: Handler<ScheduledEvent, SweepReport>;
  readonly shipping: Handler<SQSEvent, SQSBatchResponse>;
}

/** The outbox stream as the relay's event source mapping hands it over, call by call. */
export interface RelayFeed {
  next(): Promise<DynamoDBStreamEvent>;
}

const CALLER = 'arn:aws:iam::123456789012:user/contract';
const STALE_MS = 10 * 60 * 1000;

/** The aggregates whose stream records are lost, as after 24 h: only the sweeper sees them. */
const STALE_AGGREGATES = new Set(['Order#stale-good', 'Order#stale-poison']);

/**
 * One IAM contract run of an Orders service stack: its synthesized template, the local
 * services shaped by it, the recorder of every AWS call, and the paths both buses share
 * (the Orders API, records the stream lost, poison). What a path produced goes into
 * {@link observed}: the contract only counts paths that really ran.
 *
 * @example
 * const run = await OrdersContractRun.start(new OrdersServiceStack(testApp(), 'DynamoOutboxOrders'));
 * const handlers = await run.loadHandlers();
 * await run.driveOrdersApi(handlers);
 * run.results(KNOWN_FINDINGS);
 */
export class OrdersContractRun {
  /** What each path run produced, by path. */
  readonly observed = new Map<string, unknown>();

  private constructor(
    readonly template: StackTemplate,
    readonly runtime: ContractRuntime,
    readonly recorder: AwsCallRecorder,
  ) {}

  /** Synthesizes the stack, starts the local services and records from now on. */
  static async start(stack: OrdersServiceStack): Promise<OrdersContractRun> {
    const template = StackTemplate.synthesize(stack);
    const runtime = await ContractRuntime.start(template);
    return new OrdersContractRun(template, runtime, AwsCallRecorder.install());
  }

  /** Stops recording and the local services. */
  async stop(): Promise<void> {
    this.recorder.uninstall();
    await this.runtime.stop();
  }

  /** The id of the one resource at a construct path. */
  idOf(path: string): string {
    const id = Object.keys(this.template.resources).find((i) => this.template.pathOf(i) === path);
    if (id === undefined) throw new Error(`no resource at ${path}`);
    return id;
  }

  /** The calls the function at `path` made. */
  callsOf(path: string): RecordedAwsCall[] {
    return this.recorder.calls().filter((c) => c.caller === path);
  }

  /** Invokes a function's handler as Lambda would, recording its calls as its own. */
  invoke<E, R>(path: string, handler: Handler<E, R>, event: E): Promise<R> {
    const timeout = Number(this.template.resource(this.idOf(path)).Properties?.Timeout ?? 3);
    return this.recorder.run(path, () => handler(event, lambdaContext(path, timeout * 1000)));
  }

  /** Every handler, each imported with exactly its function's template environment. */
  async loadHandlers(): Promise<Handlers> {
    const load = async <T>(path: string) =>
      (
        await this.runtime.loadHandler<{ handler: T }>(
          HANDLER_MODULES[path] as string,
          this.idOf(path),
        )
      ).handler;
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
  async driveOrdersApi(h: Handlers): Promise<void> {
    const create = (body: unknown, headers: Record<string, string> = {}) =>
      this.invoke(
        'CreateOrder',
        h.createOrder,
        apiEvent({ method: 'POST', resource: '/orders', body, headers, userArn: CALLER }),
      );
    const transition = (action: string, id: string, headers: Record<string, string> = {}) =>
      this.invoke(
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
      this.invoke(
        'GetOrder',
        h.getOrder,
        apiEvent({
          method: 'GET',
          resource: '/orders/{id}',
          pathParameters: { id },
          userArn: CALLER,
        }),
      );
    const observed = this.observed;

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
    const cancelled = await transition('cancel', second, {
      'Idempotency-Key': 'contract-cancel-1',
    });
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
      race.every((r) => [200, 409].includes(r.statusCode)) &&
        race.some((r) => r.statusCode === 200),
    );
  }

  /** Records pending for longer than the sweeper's grace period, one of them poison. */
  async writeStaleRecords(): Promise<void> {
    const past = () => new Date(Date.now() - STALE_MS);
    await this.outboxWriter(past).write(this.anOrderWrite('stale-good'));
    await this.writePoison('stale-poison', past);
  }

  /** Commits order `id` with an event whose Detail is a JSON array: EventBridge refuses it. */
  async writePoison(id: string, clock?: () => Date): Promise<void> {
    const { command } = this.outboxWriter(clock).prepare(this.anOrderWrite(id));
    await this.runtime.documentClient.send(new TransactWriteCommand(withMalformedDetail(command)));
  }

  /**
   * The outbox stream as the relay's event source mapping delivers it: each call the
   * records not handed over yet that pass the mapping's filter, minus the lost ones.
   */
  relayFeed(): RelayFeed {
    const filters = eventSourceFilters(this.template, this.idOf('Outbox/Relay'));
    const outboxTable = this.idOf('Outbox/Table');
    const handedOver = new Set<string>();
    return {
      next: async () => {
        const fresh = (await this.runtime.streamRecords(outboxTable)).filter(
          (r) =>
            !handedOver.has(sequenceOf(r)) &&
            !STALE_AGGREGATES.has(String(r.dynamodb?.Keys?.pk?.S)),
        );
        for (const r of fresh) handedOver.add(sequenceOf(r));
        return streamBatch(fresh, filters);
      },
    };
  }

  /** The relay on one stream batch. */
  relay(h: Handlers, batch: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    return this.invoke('Outbox/Relay', h.relay, batch);
  }

  /** One scheduled run of the sweeper. */
  sweep(h: Handlers): Promise<SweepReport> {
    return this.invoke('Outbox/Sweeper', h.sweeper, scheduledEvent());
  }

  /** Every function's grants, needs and findings, known ones marked. */
  results(knownFindings: readonly KnownFinding[]): FunctionIamResult[] {
    return this.template.idsOfType('AWS::Lambda::Function').map((id) => {
      const path = this.template.pathOf(id);
      const needed = [
        ...this.callsOf(path).flatMap((call) => permissionsOfCall(call, this.runtime.names)),
        ...platformPermissions(this.template, id),
      ];
      return resultOf(path, grantsOf(this.template, id), needed, knownFindings);
    });
  }

  /**
   * The delivery role of each Custom Event Bus subscriber: EventBridge uses it, not our code,
   * so it is held to what AWS documents a subscriber needs ({@link subscriberPermissions}).
   */
  subscriberRoleResults(knownFindings: readonly KnownFinding[]): FunctionIamResult[] {
    return this.template.idsOfType('AWS::EventsV2::Subscriber').map((id) => {
      const invoke = this.template.resource(id).Properties?.InvokeConfiguration as
        | { RoleArn?: unknown }
        | undefined;
      const roleId = roleIdOf(this.template, id, invoke?.RoleArn);
      const needed = subscriberPermissions(this.template, id);
      return resultOf(
        this.template.pathOf(roleId),
        grantsOfRole(this.template, roleId),
        needed,
        knownFindings,
      );
    });
  }

  private outboxWriter(clock?: () => Date): OutboxWriter {
    return new OutboxWriter({
      client: this.runtime.documentClient,
      tableName: this.runtime.names.tableName(this.idOf('Outbox/Table')),
      ...(clock === undefined ? {} : { clock }),
    });
  }

  /** A write creating order `id` with one event, through the real writer. */
  private anOrderWrite(id: string) {
    return aCreateInput({
      aggregate: { type: 'Order', id },
      entity: { tableName: this.runtime.names.tableName(this.idOf('OrdersTable')), key: { id } },
    });
  }
}

/** The name of the error a run failed with, or `succeeded`. */
export const errorName = (run: Promise<unknown>): Promise<string> =>
  run.then(
    () => 'succeeded',
    (error: Error) => error.name,
  );

/** A finding as the contract names it, without its detail. */
export const keyOf = (f: Pick<IamFinding, 'kind' | 'function' | 'action' | 'resource'>): string =>
  `${f.kind} ${f.function}: ${f.action} on ${f.resource}`;

/** A finding as a failed assertion shows it. */
export const describeFinding = (f: IamFinding): string => `${keyOf(f)} (${f.detail})`;

/** The verdict of one role, its known findings marked. */
function resultOf(
  principal: string,
  grants: Grant[],
  needed: NeededPermission[],
  knownFindings: readonly KnownFinding[],
): FunctionIamResult {
  const findings = verdictOf(principal, grants, needed);
  const marked = findings.filter((f) => knownFindings.some((k) => keyOf(k) === keyOf(f)));
  return { function: principal, grants, needed, findings, known: marked };
}

const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';

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
