/**
 * The names the construct shares with the runtime core for the Custom Event Bus, spelled here
 * once while the core gains them in parallel (issue 18): the delivering Lambdas' variables
 * `DeliveryVariable.busKind` / `DeliveryVariable.eventBusArn`
 * (lambdas/outbox/delivery-config.ts) and the relay's metric `OutboxMetric.eventsDeduplicated`
 * (lambdas/outbox/metrics.ts). On merge, these constants become those references; nothing
 * else in lib/ spells the names.
 * @internal
 */
export const CustomBusVariable = {
  /** `classic` (the default when unset) or `custom`. */
  busKind: 'EVENT_BUS_KIND',
  /** The custom bus's ARN (`…:event-busv2/<name>/<id>`), the only way to address it. */
  eventBusArn: 'EVENT_BUS_ARN',
} as const;

/**
 * The relay's count of entries the custom bus answered `DEDUPLICATED` (accepted as a
 * repeat within its 5-minute window). See {@link CustomBusVariable} for why it is spelled here.
 * @internal
 */
export const EVENTS_DEDUPLICATED_METRIC = 'EventsDeduplicated';

/** The name of a metric only a relay on a custom bus emits. @internal */
export type CustomBusMetricName = typeof EVENTS_DEDUPLICATED_METRIC;
