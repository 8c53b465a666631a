import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { type EventPattern, matchesPattern } from '../lambdas/outbox/index.js';
import type { DeadLetterRecord, DeliveredEvent } from './bus/fifo-subscriber.js';
import type { EventBusServer } from './event-bus-server.js';
import { lambdaContext } from './lambda-context.js';
import { type SqsHandler, toEventBridgeEvent } from './local-consumer.js';

/** Options of a {@link FifoLocalConsumer}. */
export interface FifoLocalConsumerOptions {
  readonly name: string;
  /** The subscriber's filter, as the construct writes it from the consumer's subscription. */
  readonly pattern: EventPattern;
  readonly handler: SqsHandler;
  /** Retries of an event before its record goes to the dead letters. @default 5 (AWS's default) */
  readonly maxRetryAttempts?: number;
  /** Wait before each retry. @default 200 ms */
  readonly retryDelayMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * The local stand-in for a FIFO subscriber + SQS FIFO queue + consumer Lambda on a Custom
 * Event Bus, as `addConsumer()` deploys it there: each accepted event that matches the
 * filter reaches the handler as an SQS FIFO message (body: the delivered envelope; the
 * `MessageGroupId` attribute: the event group), in publish order within its group; a
 * failed message holds its group — the bus's subscriber retries it, later events of that
 * group wait, other groups go on — and after its retries its record (no payload, as AWS
 * sends it) is kept as dead.
 */
export class FifoLocalConsumer {
  readonly dead: DeadLetterRecord[] = [];
  readonly stats = { delivered: 0, failed: 0 };
  private readonly subscription: { whenIdle(): Promise<void>; close(): Promise<void> };

  constructor(bus: EventBusServer, busArn: string, options: FifoLocalConsumerOptions) {
    this.subscription = bus.subscribe(busArn, {
      name: options.name,
      target: (events) => this.deliver(events, options),
      retryPolicy: { maxRetryAttempts: options.maxRetryAttempts ?? 5 },
      retryDelayMs: () => options.retryDelayMs ?? 200,
      onFailure: (record) => {
        this.dead.push(record);
        options.log?.(`consumer ${options.name}: ${record.failedMessages.length} event(s) dead`);
      },
    });
  }

  /** Resolves once nothing is waiting or being delivered. */
  whenIdle(): Promise<void> {
    return this.subscription.whenIdle();
  }

  async stop(): Promise<void> {
    await this.subscription.close();
  }

  /** One target call: the matching events as an SQS FIFO batch; a failure is the subscriber's to retry. */
  private async deliver(
    events: readonly DeliveredEvent[],
    options: FifoLocalConsumerOptions,
  ): Promise<void> {
    const matching = events.filter((event) =>
      matchesPattern(options.pattern, toEventBridgeEvent(event)),
    );
    if (matching.length === 0) return;
    const result = await options.handler(fifoBatch(matching), lambdaContext(options.name, 30_000));
    if (result.batchItemFailures.length > 0) {
      this.stats.failed++;
      throw new Error(`${result.batchItemFailures.length} message(s) failed`);
    }
    this.stats.delivered += matching.length;
  }
}

/** The events as Lambda hands an SQS FIFO batch over: one message per event, its group attached. */
function fifoBatch(events: readonly DeliveredEvent[]): SQSEvent {
  return {
    Records: events.map((event) => ({
      messageId: randomUUID(),
      body: JSON.stringify(toEventBridgeEvent(event)),
      attributes: { MessageGroupId: event.eventGroupId ?? 'ungrouped' },
    })),
  } as unknown as SQSEvent;
}
