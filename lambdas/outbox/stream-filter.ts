import { OutboxAttribute, RecordType } from './outbox-attributes.js';
import { OutboxStatus } from './outbox-status.js';

/**
 * Lambda event filter passing only outbox items whose new image is PENDING (`eventName` is not
 * relied on: Lambda documents only the `dynamodb` key).
 */
export const OUTBOX_STREAM_FILTER_PATTERN = {
  dynamodb: {
    NewImage: {
      [OutboxAttribute.recordType]: { S: [RecordType.outbox] },
      [OutboxAttribute.status]: { S: [OutboxStatus.pending] },
    },
  },
} as const;
