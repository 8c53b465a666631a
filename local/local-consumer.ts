import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type EventPattern, matchesPattern } from '../lambdas/outbox/index.js';
import type { LocalEvent } from './event-bus-server.js';
import { lambdaContext } from './lambda-context.js';

/** The event as an EventBridge rule target (or its SQS buffer) receives it. */
export function toEventBridgeEvent(event: LocalEvent): Record<string, unknown> {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: '000000000000',
    time: event.time,
    region: 'us-east-1',
    resources: event.resources,
    detail: event.detail,
  };
}

/** A consumer Lambda fed by an SQS buffer, as the `OutboxConsumer` construct deploys it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The local stand-in for a rule + SQS buffer + consumer Lambda: events the bus accepts
 * that match the rule's pattern are delivered as SQS messages, one at a time; a message
 * the handler reports as failed is delivered again after a delay, up to
 * `maxReceiveCount` times, then kept as dead.
 *
 * @example
 * const shipping = new LocalConsumer({ name: 'shipping', pattern: { 'detail-type': ['OrderConfirmed'] }, handler });
 * bus.onEvent((event) => shipping.offer(event));
 */
export class LocalConsumer {
  readonly dead: Record<string, unknown>[] = [];
  readonly stats = { delivered: 0, failed: 0 };
  private readonly queue: { message: Record<string, unknown>; receives: number }[] = [];
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly options: {
      readonly name: string;
      readonly pattern: EventPattern;
      readonly handler: SqsHandler;
      readonly maxReceiveCount?: number;
      readonly retryDelayMs?: number;
      readonly log?: (line: string) => void;
    },
  ) {}

  /** Takes the event if the rule's pattern matches it. */
  offer(event: LocalEvent): void {
    const message = toEventBridgeEvent(event);
    if (this.stopped || !matchesPattern(this.options.pattern, message)) return;
    this.queue.push({ message, receives: 0 });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** True when nothing is queued or being delivered. */
  get idle(): boolean {
    return this.queue.length === 0 && this.running === undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    for (
      let next = this.queue.shift();
      next !== undefined && !this.stopped;
      next = this.queue.shift()
    ) {
      next.receives++;
      const messageId = randomUUID();
      let failed = true;
      try {
        const result = await this.options.handler(
          {
            Records: [
              { messageId, body: JSON.stringify(next.message) } as SQSEvent['Records'][number],
            ],
          },
          lambdaContext(this.options.name, 30_000),
        );
        failed = result.batchItemFailures.length > 0;
      } catch (error) {
        this.options.log?.(`consumer ${this.options.name} failed: ${(error as Error).message}`);
      }
      if (!failed) {
        this.stats.delivered++;
        continue;
      }
      this.stats.failed++;
      if (next.receives >= (this.options.maxReceiveCount ?? 5)) {
        this.dead.push(next.message);
        this.options.log?.(
          `consumer ${this.options.name}: message dead after ${next.receives} receives`,
        );
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 200));
      this.queue.push(next);
    }
  }
}
