import { Duration, Token } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';

/** Which EventBridge product an outbox publishes to: the classic bus, or the Custom Event Bus. */
export type OutboxBusKind = 'classic' | 'custom';

/**
 * The API pattern of a Custom Event Bus ARN (`EventBusArn` of PutEvents and DescribeEventBus):
 * `arn:<partition>:events:<region>:<account>:event-busv2/<name>/<25-character id>`.
 */
const CUSTOM_BUS_ARN =
  /^arn:aws(-[a-z0-9]+)*:events:[a-z][a-z0-9]*(-[a-z0-9]+)*:[0-9]{12}:event-busv2\/[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}\/[a-z0-9]{25}$/;

/** The name of a Custom Event Bus or subscriber (API `Name`): 1..256, alphanumeric first. */
const CUSTOM_BUS_NAME = /^[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}$/;

/** The retention AWS allows on a Custom Event Bus, in days (`RetentionPeriodInDays`). */
const RETENTION_DAYS = { min: 1, max: 365 } as const;

/**
 * The bus retention the construct sets unless told otherwise. AWS's own default is 1 day;
 * 7 days matches how long the outbox keeps delivered records and consumers remember applied
 * event ids, so an event a subscriber dead-lettered (its record holds ids, not the payload)
 * is still on the bus to be read again after a weekend.
 */
export const DEFAULT_CUSTOM_BUS_RETENTION = Duration.days(7);

/**
 * Thrown when a member of one bus kind is used on the other, e.g. `outbox.eventBus` (a classic
 * `IEventBus`) on an outbox that publishes to a Custom Event Bus.
 */
export class WrongBusKindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongBusKindError';
  }
}

/**
 * Properties of a Custom Event Bus the outbox creates: `OutboxBus.custom(props)`.
 *
 * @example
 * ```ts
 * import { App, Duration, Stack } from 'aws-cdk-lib';
 * import { Key } from 'aws-cdk-lib/aws-kms';
 * import { type CustomOutboxBusProps, OutboxBus, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const props: CustomOutboxBusProps = {
 *   busName: 'orders',
 *   retention: Duration.days(14),
 *   encryptionKey: new Key(stack, 'BusKey', { enableKeyRotation: true }),
 * };
 * new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.custom(props) });
 * ```
 */
export interface CustomOutboxBusProps {
  /**
   * Name of the bus: 1..256 letters, digits, `.`, `-`, `_`, starting with a letter or digit;
   * unique in the account and region.
   * @default - a name built from the stack name and the construct path
   */
  readonly busName?: string;
  /**
   * How long the bus keeps every event, in whole days (1..365): what a new or paused
   * subscriber can still read. Retention is billed by stored volume.
   * @default - 7 days (AWS's own default is 1 day)
   */
  readonly retention?: Duration;
  /**
   * A customer managed KMS key to encrypt the bus with; the relay, the sweeper and the
   * operators get `kms:Decrypt` on it. Its key policy must also let EventBridge use it
   * (docs/construct.md, "Choosing a bus").
   * @default - an AWS owned key
   */
  readonly encryptionKey?: IKey;
}

/**
 * Options of a Custom Event Bus the outbox is given by ARN: `OutboxBus.fromCustomBusArn()`.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { Key } from 'aws-cdk-lib/aws-kms';
 * import { type ImportedCustomBusOptions, OutboxBus, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * const options: ImportedCustomBusOptions = {
 *   encryptionKey: Key.fromKeyArn(stack, 'BusKey', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
 * };
 * new TransactionalOutbox(stack, 'Outbox', {
 *   bus: OutboxBus.fromCustomBusArn(
 *     'arn:aws:events:eu-west-1:111122223333:event-busv2/commerce/abcdefghijklmnopqrstuvwxy',
 *     options,
 *   ),
 * });
 * ```
 */
export interface ImportedCustomBusOptions {
  /**
   * The customer managed KMS key the bus is encrypted with: publishers need `kms:Decrypt`
   * on it.
   * @default - the bus uses an AWS owned key
   */
  readonly encryptionKey?: IKey;
}

/** What an {@link OutboxBus} stands for: the outbox reads it to build or address the bus. */
export type OutboxBusDefinition =
  | { readonly kind: 'classic'; readonly eventBus?: IEventBus }
  | { readonly kind: 'custom'; readonly create: CustomOutboxBusProps }
  | { readonly kind: 'custom'; readonly eventBusArn: string; readonly encryptionKey?: IKey };

/**
 * The bus a `TransactionalOutbox` publishes to: the classic EventBridge bus (the default), or
 * the enhanced Custom Event Bus, which orders per aggregate for FIFO subscribers and drops
 * repeats within 5 minutes (docs/construct.md, "Choosing a bus").
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { OutboxBus, TransactionalOutbox } from 'dynamo-outbox';
 *
 * const stack = new Stack(new App(), 'Orders');
 * // A new Custom Event Bus keeping events 7 days; consumers get FIFO subscribers.
 * const outbox = new TransactionalOutbox(stack, 'Outbox', { bus: OutboxBus.custom() });
 * outbox.addConsumer('Shipping', {
 *   entry: new URL('./shipping.ts', import.meta.url).pathname,
 *   detailTypes: ['OrderConfirmed'],
 * });
 * ```
 */
export class OutboxBus {
  /**
   * The classic EventBridge bus: `eventBus`, or a new one with a policy that only lets the
   * outbox publish. Today's behaviour, and the default.
   */
  static classic(eventBus?: IEventBus): OutboxBus {
    return new OutboxBus(
      eventBus === undefined ? { kind: 'classic' } : { kind: 'classic', eventBus },
    );
  }

  /**
   * A new Custom Event Bus (`AWS::EventsV2::EventBus`) with its retention and encryption.
   *
   * @throws Error if `busName` or `retention` is out of AWS's range, naming the value
   */
  static custom(props: CustomOutboxBusProps = {}): OutboxBus {
    validateCustomBusProps(props);
    return new OutboxBus({ kind: 'custom', create: props });
  }

  /**
   * An existing Custom Event Bus, by its full ARN (the name alone does not address it).
   *
   * @throws Error if the ARN is not a Custom Event Bus ARN, naming it
   */
  static fromCustomBusArn(eventBusArn: string, options: ImportedCustomBusOptions = {}): OutboxBus {
    validateCustomBusArn('eventBusArn', eventBusArn);
    return new OutboxBus({
      kind: 'custom',
      eventBusArn,
      ...(options.encryptionKey === undefined ? {} : { encryptionKey: options.encryptionKey }),
    });
  }

  private constructor(
    /** What the bus is: read by the outbox. */
    readonly definition: OutboxBusDefinition,
  ) {}

  /** Which EventBridge product the bus is. */
  get kind(): OutboxBusKind {
    return this.definition.kind;
  }
}

/**
 * Checks a Custom Event Bus ARN against the API pattern; an unresolved token passes.
 * @internal
 */
export function validateCustomBusArn(name: string, arn: string): void {
  if (Token.isUnresolved(arn) || CUSTOM_BUS_ARN.test(arn)) return;
  throw new Error(
    `${name} must be a Custom Event Bus ARN (arn:aws:events:<region>:<account>:event-busv2/<name>/<25-character id>), got ${arn}`,
  );
}

/** Checks the props of a bus to create against AWS's ranges, naming the bad value. */
function validateCustomBusProps(props: CustomOutboxBusProps): void {
  const { busName, retention } = props;
  if (busName !== undefined && !Token.isUnresolved(busName) && !CUSTOM_BUS_NAME.test(busName)) {
    throw new Error(
      `busName must be 1..256 letters, digits, '.', '-' or '_' starting with a letter or digit, got '${busName}'`,
    );
  }
  if (retention === undefined || retention.isUnresolved()) return;
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < RETENTION_DAYS.min || days > RETENTION_DAYS.max) {
    throw new Error(
      `retention of a Custom Event Bus must be whole days in ${RETENTION_DAYS.min}..${RETENTION_DAYS.max}, got ${retention.toHumanString()}`,
    );
  }
}
