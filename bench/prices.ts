/**
 * The prices the cost model uses: us-east-1 on-demand list prices as published by AWS,
 * taken on the date below without network access. They are assumptions: check the
 * pricing pages before relying on a figure.
 */
export const PRICES = {
  takenOn: '2026-11-25',
  region: 'us-east-1',
  /** DynamoDB on-demand, per million write request units (halved from $1.25 in Nov 2024). */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  /** DynamoDB on-demand, per million read request units (halved from $0.25 in Nov 2024). */
  dynamoReadRequestUnit: 0.125 / 1e6,
  /** EventBridge custom events, per million 64 KB chunks. */
  eventBridgeEvent: 1.0 / 1e6,
  /** Bytes per billed EventBridge chunk. */
  eventBridgeChunkBytes: 64 * 1024,
  /** Lambda requests, per million. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda duration on arm64, per GB-second. */
  lambdaGbSecondArm: 0.0000133334,
} as const;

/** The price list as prose, for the report. */
export const PRICE_NOTE = [
  `Prices: ${PRICES.region} on-demand list prices as published by AWS, taken ${PRICES.takenOn} (check before relying): `,
  'DynamoDB $0.625 per million write request units and $0.125 per million read request units ',
  '(the November 2024 prices, half of the earlier $1.25 / $0.25); ',
  'EventBridge custom events $1.00 per million (each 64 KB chunk of an entry counts as one); ',
  'Lambda $0.20 per million requests and $0.0000133334 per GB-second on arm64. ',
  'These are assumptions to re-check, not quotes.',
].join('');

/** Where AWS publishes EventBridge prices. */
export const EVENTBRIDGE_PRICING_URL = 'https://aws.amazon.com/eventbridge/pricing/';

/**
 * Why the cost model has no Custom Event Bus column: its billing dimensions are known
 * (/work/research/custom-bus-aws.md §1.12), its prices are not, and none is invented.
 */
export const CUSTOM_BUS_PRICE_NOTE = [
  'The Custom Event Bus (EVENT_BUS_KIND=custom) is not priced: no published price for it was found to cite. ',
  'It bills ingestion and delivery per KB, each rounded up, plus retention ',
  '(https://raw.githubusercontent.com/aws/agent-toolkit-for-aws/main/skills/specialized-skills/serverless-skills/amazon-eventbridge-event-bus/references/cost-and-quotas.md), ',
  `unlike the classic bus's 64 KB chunks; check ${EVENTBRIDGE_PRICING_URL}.`,
].join('');
