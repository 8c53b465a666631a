import type { RecordedAwsCall } from '../helpers/aws-call-recorder.js';
import type { LocalResourceNames } from './local-resource-names.js';
import type { StackTemplate } from './stack-template.js';

/** One IAM permission a function needs: an action on a resource, and why. */
export interface NeededPermission {
  /** e.g. `dynamodb:PutItem`. */
  readonly action: string;
  /** The resource as the template's policies name it, e.g. `{Outbox/Table.Arn}`. */
  readonly resource: string;
  /**
   * `code`: a call the handler made; `platform`: what AWS does with the role — Lambda for
   * the function, EventBridge with a subscriber's delivery role.
   */
  readonly by: 'code' | 'platform';
  /** The call (`TransactWriteItems/Put`) or the platform feature that needs it. */
  readonly reason: string;
}

/** A recorded call this contract cannot map to IAM actions: map it, do not skip it. */
export class UnmappedCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappedCallError';
  }
}

type Mapper = (input: Record<string, unknown>, names: LocalResourceNames) => Access[];

/** An action on a resource, before it gets its reason. */
interface Access {
  readonly action: string;
  readonly resource: string;
  readonly detail?: string;
}

/** The transaction item kinds and the item-level action each needs (DynamoDB "Using IAM with transactions"). */
const TRANSACT_WRITE_ACTIONS = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
} as const;

const onTable =
  (action: string): Mapper =>
  (input, names) => [{ action, resource: names.tableArn(String(input.TableName)) }];

const onTableOrIndex =
  (action: string): Mapper =>
  (input, names) => {
    const table = names.tableArn(String(input.TableName));
    const index = input.IndexName === undefined ? '' : `/index/${String(input.IndexName)}`;
    return [{ action, resource: `${table}${index}` }];
  };

const onEachRequestedTable =
  (action: string): Mapper =>
  (input, names) =>
    Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {}).map((table) => ({
      action,
      resource: names.tableArn(table),
    }));

const onQueue =
  (action: string): Mapper =>
  (input, names) => [{ action, resource: names.queueArn(String(input.QueueUrl)) }];

const transactWrite: Mapper = (input, names) =>
  ((input.TransactItems as Record<string, { TableName?: unknown }>[] | undefined) ?? []).flatMap(
    (item) =>
      Object.entries(TRANSACT_WRITE_ACTIONS)
        .filter(([kind]) => item[kind] !== undefined)
        .map(([kind, action]) => ({
          action,
          resource: names.tableArn(String(item[kind]?.TableName)),
          detail: kind,
        })),
  );

const transactGet: Mapper = (input, names) =>
  ((input.TransactItems as { Get?: { TableName?: unknown } }[] | undefined) ?? []).map((item) => ({
    action: 'dynamodb:GetItem',
    resource: names.tableArn(String(item.Get?.TableName)),
    detail: 'Get',
  }));

/** One action on the Custom Event Bus a request addresses by ARN (no per-entry bus there). */
const onCustomBus =
  (action: string): Mapper =>
  (input, names) => [{ action, resource: names.customBusArn(String(input.EventBusArn)) }];

const putEvents: Mapper = (input, names) =>
  ((input.Entries as { EventBusName?: unknown }[] | undefined) ?? []).map((entry) => ({
    action: 'events:PutEvents',
    resource: names.busArn(String(entry.EventBusName ?? 'default')),
  }));

/**
 * Each operation and the IAM actions it needs, on which resources, from the Service
 * Authorization Reference (DynamoDB, EventBridge, SQS) and DynamoDB's "Using IAM with
 * transactions"; the Custom Event Bus's (`EventBridgeV2`) from its user guide: its actions
 * are `events:`, shared with the classic bus, on the `event-busv2` ARN (eb-custom-bus-names),
 * `events:PutEvents` on the bus and `events:DescribeEventBus` "to confirm the bus is ACTIVE"
 * (eb-custom-bus-permissions). An operation missing here fails the contract
 * (UnmappedCallError).
 */
const MAPPERS: Readonly<Record<string, Readonly<Record<string, Mapper>>>> = {
  DynamoDB: {
    GetItem: onTable('dynamodb:GetItem'),
    PutItem: onTable('dynamodb:PutItem'),
    UpdateItem: onTable('dynamodb:UpdateItem'),
    DeleteItem: onTable('dynamodb:DeleteItem'),
    DescribeTable: onTable('dynamodb:DescribeTable'),
    Query: onTableOrIndex('dynamodb:Query'),
    Scan: onTableOrIndex('dynamodb:Scan'),
    BatchGetItem: onEachRequestedTable('dynamodb:BatchGetItem'),
    BatchWriteItem: onEachRequestedTable('dynamodb:BatchWriteItem'),
    TransactWriteItems: transactWrite,
    TransactGetItems: transactGet,
  },
  EventBridge: {
    PutEvents: putEvents,
    DescribeEventBus: (input, names) => [
      {
        action: 'events:DescribeEventBus',
        resource: names.busArn(String(input.Name ?? 'default')),
      },
    ],
  },
  EventBridgeV2: {
    PutEvents: onCustomBus('events:PutEvents'),
    DescribeEventBus: onCustomBus('events:DescribeEventBus'),
  },
  SQS: {
    SendMessage: onQueue('sqs:SendMessage'),
    // Batch operations are authorized by the single-message action.
    SendMessageBatch: onQueue('sqs:SendMessage'),
    ReceiveMessage: onQueue('sqs:ReceiveMessage'),
    DeleteMessage: onQueue('sqs:DeleteMessage'),
    DeleteMessageBatch: onQueue('sqs:DeleteMessage'),
    ChangeMessageVisibility: onQueue('sqs:ChangeMessageVisibility'),
    GetQueueAttributes: onQueue('sqs:GetQueueAttributes'),
  },
};

/**
 * The permissions one recorded call needs, one per action and resource.
 *
 * @throws UnmappedCallError for an operation the contract does not know yet
 */
export function permissionsOfCall(
  call: RecordedAwsCall,
  names: LocalResourceNames,
): NeededPermission[] {
  const mapper = MAPPERS[call.service]?.[call.operation];
  if (mapper === undefined) {
    throw new UnmappedCallError(
      `${call.caller} called ${call.service} ${call.operation}: add its IAM actions to needed-permissions.ts`,
    );
  }
  return mapper(call.input, names).map((access) => ({
    action: access.action,
    resource: access.resource,
    by: 'code',
    reason: access.detail === undefined ? call.operation : `${call.operation}/${access.detail}`,
  }));
}

/**
 * What Lambda itself does with the function's role: write its logs, send X-Ray segments,
 * and, for each event source mapping, read the source and send to its on-failure
 * destination. Documented in the Lambda developer guide (see docs/construct.md).
 */
export function platformPermissions(
  template: StackTemplate,
  functionId: string,
): NeededPermission[] {
  const properties = template.resource(functionId).Properties ?? {};
  return [
    ...loggingPermissions(template, functionId, properties),
    ...tracingPermissions(properties),
    ...template
      .idsOfType('AWS::Lambda::EventSourceMapping')
      .filter(
        (id) =>
          template.referencedId(template.resource(id).Properties?.FunctionName) === functionId,
      )
      .flatMap((id) => eventSourcePermissions(template, id)),
  ];
}

const platform = (actions: readonly string[], resource: string, reason: string) =>
  actions.map((action): NeededPermission => ({ action, resource, by: 'platform', reason }));

function loggingPermissions(
  template: StackTemplate,
  functionId: string,
  properties: Readonly<Record<string, unknown>>,
): NeededPermission[] {
  const logGroup = (properties.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
  const logGroupId = template.referencedId(logGroup);
  // Without a log group of its own, Lambda writes to /aws/lambda/<function name>.
  const resource =
    logGroupId === undefined
      ? `arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:/aws/lambda/{${template.pathOf(functionId)}}:*`
      : `{${template.pathOf(logGroupId)}.Arn}`;
  return platform(
    ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resource,
    'Lambda writes the function logs',
  );
}

function tracingPermissions(properties: Readonly<Record<string, unknown>>): NeededPermission[] {
  const mode = (properties.TracingConfig as { Mode?: unknown } | undefined)?.Mode;
  return mode === 'Active'
    ? platform(
        ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        '*',
        'active X-Ray tracing (no resource-level permissions)',
      )
    : [];
}

function eventSourcePermissions(template: StackTemplate, mappingId: string): NeededPermission[] {
  const properties = template.resource(mappingId).Properties ?? {};
  const sourceId = template.referencedId(properties.EventSourceArn);
  const source = sourceId === undefined ? undefined : template.resource(sourceId);
  const sourceArn = template.render(properties.EventSourceArn);
  const needs: NeededPermission[] = [];
  if (source?.Type === 'AWS::SQS::Queue') {
    if (source.Properties?.KmsMasterKeyId !== undefined) {
      throw new UnmappedCallError(`${sourceArn} is KMS-encrypted: add kms:Decrypt to its needs`);
    }
    needs.push(
      ...platform(
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        sourceArn,
        'the SQS event source mapping polls the queue',
      ),
    );
  } else if (sourceArn.endsWith('.StreamArn}')) {
    needs.push(
      ...platform(
        [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        sourceArn,
        'the DynamoDB stream event source mapping reads the stream',
      ),
    );
  } else {
    throw new UnmappedCallError(`event source ${sourceArn}: add what its mapping needs`);
  }
  const onFailure = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } })
    ?.OnFailure?.Destination;
  if (onFailure !== undefined) {
    const destination = template.resource(template.referencedId(onFailure) ?? '');
    if (destination.Type !== 'AWS::SQS::Queue') {
      throw new UnmappedCallError(`on-failure destination ${destination.Type}: add its action`);
    }
    needs.push(
      ...platform(
        ['sqs:SendMessage'],
        template.render(onFailure),
        'the event source mapping sends discarded batches to its on-failure destination',
      ),
    );
  }
  return needs;
}

/**
 * What EventBridge does with a FIFO subscriber's delivery role (`InvokeConfiguration.RoleArn`
 * of an `AWS::EventsV2::Subscriber`): no code of ours uses it, so its needs are the ones
 * AWS documents. It sends to the target queue — "The role needs `sqs:SendMessage` on the
 * queue" (eb-custom-bus-target-sqs; EventBridge calls `SendMessageBatch`, which the
 * single-message action authorizes) — and writes the failure record of an event it gave up
 * on to the `OnFailureConfiguration` queue (eb-custom-bus-retry). The user guide does not say
 * which principal writes that record; AWS's eventbridgev2 skill says the role must carry
 * `sqs:SendMessage` on the dead-letter queue too, so the contract needs it (the less kind
 * reading: without it, a record would be lost).
 *
 * @throws UnmappedCallError for a target or destination other than an unencrypted or
 * SSE-SQS queue (a KMS key adds `kms:GenerateDataKey` and `kms:Decrypt`)
 */
export function subscriberPermissions(
  template: StackTemplate,
  subscriberId: string,
): NeededPermission[] {
  const properties = template.resource(subscriberId).Properties ?? {};
  const invoke = properties.InvokeConfiguration as { TargetArn?: unknown } | undefined;
  const onFailure = (properties.OnFailureConfiguration as { Arn?: unknown } | undefined)?.Arn;
  const send = (arn: unknown, reason: string) =>
    platform(['sqs:SendMessage'], subscriberQueueArn(template, arn), reason);
  return [
    ...send(invoke?.TargetArn, "EventBridge delivers to the subscriber's target queue"),
    ...(onFailure === undefined
      ? []
      : send(
          onFailure,
          "EventBridge writes the failure record to the subscriber's dead-letter queue",
        )),
  ];
}

/** The rendered ARN of a queue of the template a subscriber sends to, if it is one the contract knows. */
function subscriberQueueArn(template: StackTemplate, arn: unknown): string {
  const rendered = template.render(arn ?? '');
  const queue = template.resources[template.referencedId(arn) ?? ''];
  if (queue?.Type !== 'AWS::SQS::Queue') {
    throw new UnmappedCallError(`subscriber destination ${rendered}: add what its delivery needs`);
  }
  if (queue.Properties?.KmsMasterKeyId !== undefined) {
    throw new UnmappedCallError(
      `${rendered} is KMS-encrypted: add kms:GenerateDataKey and kms:Decrypt`,
    );
  }
  return rendered;
}
