/** The two kinds of bus the outbox publishes to. @internal */
export const BUS_KINDS = ['classic', 'custom'] as const;

/** `classic`: an EventBridge event bus; `custom`: an enhanced Custom Event Bus (eventbridgev2). */
export type BusKind = (typeof BUS_KINDS)[number];

/**
 * Where events go: a classic bus by name (or ARN), or a Custom Event Bus by its ARN — the only
 * way eventbridgev2 addresses a bus (API_PutEvents: `EventBusArn`, required).
 * @internal
 */
export type BusTarget =
  | { readonly kind: 'classic'; readonly eventBusName: string }
  | { readonly kind: 'custom'; readonly eventBusArn: string };

/**
 * The `EventBusArn` pattern of eventbridgev2 (API_PutEvents, API_DescribeEventBus): partition,
 * region, 12-digit account, `event-busv2/{name}/{25-character id}`.
 * @internal
 */
export const CUSTOM_BUS_ARN_PATTERN =
  /^arn:aws(-[a-z0-9]+)*:events:[a-z][a-z0-9]*(-[a-z0-9]+)*:([0-9]{12}):event-busv2\/[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}\/[a-z0-9]{25}$/;

/** Whether a string is the ARN of a Custom Event Bus. @internal */
export function isCustomBusArn(value: string): boolean {
  return CUSTOM_BUS_ARN_PATTERN.test(value);
}

/**
 * The bus a `--bus` option or a setting names: an `event-busv2` ARN is a Custom Event Bus,
 * anything else a classic bus.
 * @internal
 */
export function busTargetOf(nameOrArn: string): BusTarget {
  return isCustomBusArn(nameOrArn)
    ? { kind: 'custom', eventBusArn: nameOrArn }
    : { kind: 'classic', eventBusName: nameOrArn };
}

/** How logs and messages name a bus. @internal */
export function busLabel(bus: BusTarget): string {
  return bus.kind === 'classic' ? bus.eventBusName : bus.eventBusArn;
}
