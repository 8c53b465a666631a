import { Names } from 'aws-cdk-lib';
import { CfnEventBus } from 'aws-cdk-lib/aws-eventsv2';
import type { Construct } from 'constructs';
import { type CustomOutboxBusProps, DEFAULT_CUSTOM_BUS_RETENTION } from './outbox-bus.js';

/**
 * The Custom Event Bus of an outbox (`AWS::EventsV2::EventBus`): named (the name is required
 * and unique in the account and region), with its retention always set (AWS keeps only 1
 * day when it is left out) and the customer managed key when one is given.
 *
 * @example
 * const bus = createCustomEventBus(this, 'CustomBus', { retention: Duration.days(14) });
 */
export function createCustomEventBus(
  scope: Construct,
  id: string,
  props: CustomOutboxBusProps,
): CfnEventBus {
  const retention = props.retention ?? DEFAULT_CUSTOM_BUS_RETENTION;
  return new CfnEventBus(scope, id, {
    name:
      props.busName ??
      Names.uniqueResourceName(scope, {
        maxLength: 256,
        separator: '-',
        allowedSpecialCharacters: '-',
      }),
    description: 'dynamo-outbox: the events of a transactional outbox, in order per aggregate',
    storageConfiguration: { retentionPeriodInDays: retention.toDays() },
    ...(props.encryptionKey === undefined
      ? {}
      : { encryptionConfiguration: { kmsKeyIdentifier: props.encryptionKey.keyArn } }),
  });
}
