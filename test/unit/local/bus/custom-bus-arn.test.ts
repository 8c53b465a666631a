import { describe, expect, it } from 'vitest';
import {
  CUSTOM_BUS_ARN_PATTERN,
  customBusArn,
  subscriberArn,
} from '../../../../local/bus/custom-bus-arn.js';

describe('customBusArn', () => {
  it('builds an ARN the API reference pattern accepts, its id 25 characters of [a-z0-9]', () => {
    const arn = customBusArn('us-east-1', '000000000000', 'orders.v2_bus-1');

    expect(arn).toMatch(
      /^arn:aws:events:us-east-1:000000000000:event-busv2\/orders\.v2_bus-1\/[a-z0-9]{25}$/,
    );
    expect(CUSTOM_BUS_ARN_PATTERN.test(arn)).toBe(true);
  });

  it('derives the id from the name alone: the same name gives the same ARN, another name another id', () => {
    const first = customBusArn('us-east-1', '000000000000', 'orders');

    expect(customBusArn('us-east-1', '000000000000', 'orders')).toBe(first);
    expect(customBusArn('us-east-1', '000000000000', 'payments').split('/')[2]).not.toBe(
      first.split('/')[2],
    );
  });
});

describe('subscriberArn', () => {
  it('names the subscriber in the bus region and account, with a 25-character id', () => {
    const arn = subscriberArn(customBusArn('eu-west-1', '123456789012', 'orders'), 'shipping');

    expect(arn).toMatch(
      /^arn:aws:events:eu-west-1:123456789012:subscriber\/shipping\/[a-z0-9]{25}$/,
    );
  });
});

describe('CUSTOM_BUS_ARN_PATTERN', () => {
  it.each([
    ['a classic event-bus ARN', 'arn:aws:events:us-east-1:000000000000:event-bus/orders'],
    [
      'an id of 24 characters',
      'arn:aws:events:us-east-1:000000000000:event-busv2/orders/abcdefghijklmnopqrstuvwx',
    ],
    [
      'an id with upper case',
      'arn:aws:events:us-east-1:000000000000:event-busv2/orders/EXAMPLE1234567890abcdefgh',
    ],
    [
      'an 11-digit account',
      'arn:aws:events:us-east-1:00000000000:event-busv2/orders/abcdefghijklmnopqrstuvwxy',
    ],
    [
      'a name starting with a dot',
      'arn:aws:events:us-east-1:000000000000:event-busv2/.orders/abcdefghijklmnopqrstuvwxy',
    ],
  ])('refuses %s', (_, arn) => {
    expect(CUSTOM_BUS_ARN_PATTERN.test(arn)).toBe(false);
  });
});
