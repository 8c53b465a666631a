import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { busPublisher } from './bus-publisher.js';
import { BUS_KINDS, type BusKind, type BusTarget, CUSTOM_BUS_ARN_PATTERN } from './bus-target.js';
import { OutboxDelivery } from './delivery.js';
import { intVariable } from './environment.js';
import { OutboxError } from './errors.js';
import { OrderedPublisher } from './ordered-publisher.js';
import { OutboxStore } from './outbox-store.js';
import { DEFAULT_MAX_REQUEST_BYTES } from './put-events-entry.js';
import { Quarantine } from './quarantine.js';
import { WriterVariable } from './writer-environment.js';
import * as z from './zod.js';

/**
 * The environment variables every delivering Lambda (relay, sweeper) reads and
 * `TransactionalOutbox` sets: one name per setting, here and in the construct.
 * @internal
 */
export const DeliveryVariable = {
  busKind: 'EVENT_BUS_KIND',
  eventBusName: 'EVENT_BUS_NAME',
  eventBusArn: 'EVENT_BUS_ARN',
  outboxTableName: WriterVariable.tableName,
  dlqUrl: 'DLQ_URL',
  retentionDays: 'RETENTION_DAYS',
  maxRequestBytes: 'MAX_REQUEST_BYTES',
  publishConcurrency: 'PUBLISH_CONCURRENCY',
  safetyMarginMs: 'SAFETY_MARGIN_MS',
  verifyEventBus: 'VERIFY_EVENT_BUS',
} as const;

/**
 * The variables that name the bus, by kind: a deployment sets one kind's and not the
 * other's (the environment contract checks this).
 * @internal
 */
export const DeliveryBusVariables: Readonly<Record<BusKind, readonly string[]>> = {
  classic: [DeliveryVariable.eventBusName],
  custom: [DeliveryVariable.busKind, DeliveryVariable.eventBusArn],
};

/**
 * What a delivering Lambda uses when a variable is not set; the construct sets these values.
 * @internal
 */
export const DeliveryDefaults = {
  retentionDays: 7,
  maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
  publishConcurrency: 4,
  safetyMarginMs: 2_000,
} as const;

const V = DeliveryVariable;

/**
 * The environment every delivering Lambda (relay, sweeper) reads: where to publish, where
 * the outbox is, where poison goes, and how to publish.
 * @internal
 */
export const deliveryEnvSchema = z.object({
  [V.busKind]: z._default(z.enum(BUS_KINDS, 'must be classic or custom'), 'classic'),
  [V.eventBusName]: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
  [V.eventBusArn]: z.optional(
    z.string().check(z.regex(CUSTOM_BUS_ARN_PATTERN, 'must be an event-busv2 ARN')),
  ),
  [V.outboxTableName]: z.string().check(z.minLength(1, 'must not be empty')),
  [V.dlqUrl]: z.url('must be a URL'),
  [V.retentionDays]: z._default(
    z.coerce
      .number()
      .check(z.gte(1, 'must be at least 1 day'), z.lte(3650, 'must be at most 3650 days')),
    DeliveryDefaults.retentionDays,
  ),
  [V.maxRequestBytes]: z._default(intVariable(1024, 1024 * 1024), DeliveryDefaults.maxRequestBytes),
  [V.publishConcurrency]: z._default(intVariable(1, 50), DeliveryDefaults.publishConcurrency),
  [V.safetyMarginMs]: z._default(intVariable(0, 60_000), DeliveryDefaults.safetyMarginMs),
  [V.verifyEventBus]: z._default(z.enum(['true', 'false'], 'must be true or false'), 'true'),
});

/** The delivery settings, as read from {@link deliveryEnvSchema}. @internal */
export interface DeliveryConfig {
  /** Where events go: a classic bus by name, or a Custom Event Bus by ARN. */
  readonly bus: BusTarget;
  readonly outboxTableName: string;
  /** The poison DLQ: records that can never be published go there with their payload. */
  readonly dlqUrl: string;
  /** Days a delivered record is kept before TTL removes it. */
  readonly retentionDays: number;
  /** PutEvents request size limit (1 MB, or 256 KB in older accounts). */
  readonly maxRequestBytes: number;
  /** PutEvents calls in flight at once. */
  readonly publishConcurrency: number;
  /** Time kept free before the Lambda timeout for marking and answering. */
  readonly safetyMarginMs: number;
  /** Describe the bus before the first publish (off only for a bus in another account). */
  readonly verifyEventBus: boolean;
}

/**
 * What the variables cannot check one by one: the bus kind names the variable it needs.
 * @internal
 */
export function deliveryProblems(e: z.output<typeof deliveryEnvSchema>): string[] {
  if (e[V.busKind] === 'custom' && e[V.eventBusArn] === undefined)
    return [`${V.eventBusArn}: is required when ${V.busKind} is custom`];
  if (e[V.busKind] === 'classic' && e[V.eventBusName] === undefined)
    return [`${V.eventBusName}: is required`];
  return [];
}

/** The bus of a {@link DeliveryConfig}, once {@link deliveryProblems} found none. */
function deliveryBusOf(e: z.output<typeof deliveryEnvSchema>): BusTarget {
  const arn = e[V.eventBusArn];
  if (e[V.busKind] === 'custom' && arn !== undefined) return { kind: 'custom', eventBusArn: arn };
  const name = e[V.eventBusName];
  if (name !== undefined) return { kind: 'classic', eventBusName: name };
  throw new OutboxError(`invalid delivery environment: ${deliveryProblems(e).join('; ')}`);
}

/** Maps the parsed variables to a {@link DeliveryConfig}. @internal */
export function toDeliveryConfig(e: z.output<typeof deliveryEnvSchema>): DeliveryConfig {
  return {
    bus: deliveryBusOf(e),
    outboxTableName: e[V.outboxTableName],
    dlqUrl: e[V.dlqUrl],
    retentionDays: e[V.retentionDays],
    maxRequestBytes: e[V.maxRequestBytes],
    publishConcurrency: e[V.publishConcurrency],
    safetyMarginMs: e[V.safetyMarginMs],
    verifyEventBus: e[V.verifyEventBus] === 'true',
  };
}

/**
 * Creates the SDK clients and the delivery pass of a relay or sweeper Lambda, once per
 * container. The SDK finds its endpoints the standard way (e.g. `AWS_ENDPOINT_URL_*`).
 * @internal
 */
export function createOutboxDelivery(
  config: DeliveryConfig,
  logger: Logger,
): {
  readonly delivery: OutboxDelivery;
  readonly store: OutboxStore;
  readonly documentClient: DynamoDBDocumentClient;
} {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const store = new OutboxStore({
    client: documentClient,
    tableName: config.outboxTableName,
    retentionDays: config.retentionDays,
  });
  const delivery = new OutboxDelivery({
    store,
    publisher: new OrderedPublisher({
      publisher: busPublisher(config.bus, {
        maxRequestBytes: config.maxRequestBytes,
        verifyEventBus: config.verifyEventBus,
      }),
      concurrency: config.publishConcurrency,
    }),
    quarantine: new Quarantine({ sqs: new SQSClient({}), queueUrl: config.dlqUrl }),
    logger,
  });
  return { delivery, store, documentClient };
}
