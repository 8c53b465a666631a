import { createHash } from 'node:crypto';

/**
 * Names and ARNs of the enhanced Custom Event Bus as the eventbridgev2 API reference
 * constrains them: `arn:{partition}:events:{region}:{account}:event-busv2/{name}/{id}`,
 * the id 25 characters of `[a-z0-9]` that EventBridge generates.
 */

/** `EventBusArn` of PutEvents and DescribeEventBus (API_PutEvents, pattern and 1..1011 chars). */
export const CUSTOM_BUS_ARN_PATTERN =
  /^arn:aws(-[a-z0-9]+)*:events:[a-z][a-z0-9]*(-[a-z0-9]+)*:([0-9]{12}):event-busv2\/[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}\/[a-z0-9]{25}$/;
export const MAX_CUSTOM_BUS_ARN_LENGTH = 1011;
/** A bus name as CreateEventBus takes it: 1..256, alphanumeric first. */
export const CUSTOM_BUS_NAME_PATTERN = /^[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}$/;

const ID_LENGTH = 25;

/**
 * The ARN of a local custom bus. AWS generates the id; local mode derives it from the
 * name, so a restarted `npm start` (or a test) addresses the same bus by the same ARN.
 */
export function customBusArn(region: string, accountId: string, name: string): string {
  return `arn:aws:events:${region}:${accountId}:event-busv2/${name}/${generatedId(`bus:${name}`)}`;
}

/** The ARN of a local subscriber, `…:subscriber/{name}/{id}`, the id derived like a bus's. */
export function subscriberArn(busArn: string, name: string): string {
  const [, , , region = '', accountId = ''] = busArn.split(':');
  return `arn:aws:events:${region}:${accountId}:subscriber/${name}/${generatedId(`subscriber:${busArn}:${name}`)}`;
}

/** 25 characters of `[a-z0-9]`, a function of `seed` alone. */
function generatedId(seed: string): string {
  const digest = BigInt(`0x${createHash('sha256').update(seed).digest('hex')}`);
  return digest.toString(36).padStart(ID_LENGTH, '0').slice(0, ID_LENGTH);
}
