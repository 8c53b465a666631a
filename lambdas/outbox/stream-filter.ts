import { OutboxAttribute, RecordType } from './outbox-attributes.js';
import { OutboxStatus } from './outbox-status.js';

/**
 * The Lambda event-filter pattern that passes exactly the stream records the relay needs:
 * outbox items that appear PENDING. Lambda's DynamoDB filtering documents only the
 * `dynamodb` key, so the pattern does not rely on `eventName`: an INSERT of an outbox
 * record carries `status = PENDING`; our own marking (MODIFY) carries DELIVERED or FAILED;
 * a TTL deletion (REMOVE) has no new image; idempotency records have another
 * `recordType`. The relay still checks `eventName` itself.
 */
export const OUTBOX_STREAM_FILTER_PATTERN = {
  dynamodb: {
    NewImage: {
      [OutboxAttribute.recordType]: { S: [RecordType.outbox] },
      [OutboxAttribute.status]: { S: [OutboxStatus.pending] },
    },
  },
} as const;
