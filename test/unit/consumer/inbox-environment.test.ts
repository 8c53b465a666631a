import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { inboxOptionsFromEnvironment } from '../../../lambdas/consumer/inbox-environment.js';
import { ConsumerConfigError, Inbox } from '../../../lambdas/consumer/index.js';
import type { EventEnvelope } from '../../../lambdas/outbox/envelope.js';
import { FIXED_NOW_EPOCH_SECONDS, fixedClock } from '../../helpers/outbox-fixtures.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const anEnvelope = (): EventEnvelope => ({
  eventId: '0193f0a0-0000-7000-8000-000000000001',
  aggregateType: 'Order',
  aggregateId: 'o-1',
  sequence: 1,
  occurredAt: '2026-11-25T10:00:00.000Z',
  data: {},
  metadata: {},
});

describe('inboxOptionsFromEnvironment', () => {
  it('reads the table, the order policy and the TTL the construct sets', () => {
    const options = inboxOptionsFromEnvironment({
      INBOX_TABLE_NAME: 'shipping-inbox',
      ORDER_POLICY: 'skip-stale',
      INBOX_TTL_DAYS: '0.5',
    });

    expect(options).toEqual({ tableName: 'shipping-inbox', policy: 'skip-stale', ttlDays: 0.5 });
  });

  it("defaults to the construct's defaults: strict order, 7 days", () => {
    expect(inboxOptionsFromEnvironment({ INBOX_TABLE_NAME: 'inbox' })).toEqual({
      tableName: 'inbox',
      policy: 'fail',
      ttlDays: 7,
    });
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['the table name is missing', {}, 'INBOX_TABLE_NAME: is required'],
    [
      'the order policy is unknown',
      { INBOX_TABLE_NAME: 'i', ORDER_POLICY: 'strict' },
      "ORDER_POLICY: must be 'apply', 'skip-stale' or 'fail'",
    ],
    [
      'the TTL is not positive',
      { INBOX_TABLE_NAME: 'i', INBOX_TTL_DAYS: '0' },
      'INBOX_TTL_DAYS: must be a positive number of days',
    ],
  ])('fails if %s, naming the variable', (_why, env, message) => {
    expect(() => inboxOptionsFromEnvironment(env)).toThrow(ConsumerConfigError);
    expect(() => inboxOptionsFromEnvironment(env)).toThrow(message);
  });
});

describe('Inbox.fromEnvironment', () => {
  it("remembers applied events as long as the construct's inboxTtl says", () => {
    const inbox = Inbox.fromEnvironment(
      { client, clock: fixedClock },
      { INBOX_TABLE_NAME: 'shipping-inbox', ORDER_POLICY: 'apply', INBOX_TTL_DAYS: '3' },
    );

    const [eventItem] = inbox.transactionItems(anEnvelope(), {
      action: 'apply',
      lastSequence: 0,
      gap: false,
    });

    expect(inbox.policy).toBe('apply');
    expect(eventItem?.Put?.TableName).toBe('shipping-inbox');
    expect(eventItem?.Put?.Item?.expiresAt).toBe(FIXED_NOW_EPOCH_SECONDS + 3 * 86_400);
  });

  it('fails if the TTL of a hand-made inbox is not positive', () => {
    expect(() => new Inbox({ client, tableName: 'inbox', ttlDays: -1 })).toThrow(
      'ttlDays must be positive, got -1',
    );
  });
});
