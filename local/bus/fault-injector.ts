import { setTimeout as sleep } from 'node:timers/promises';
import { AwsServiceError, type RequestFaults } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { type Faults, faultsSchema, NO_FAULTS, normalizeFaults } from './faults.js';
import type { EntryProblem } from './put-events-rules.js';

/**
 * The faults in force on PutEvents and the dice that decide when they strike: per-entry
 * failures, whole-request 500s before or after acceptance, and latency. Each roll draws
 * from `random` only when its rate is above 0, so a seeded run replays exactly.
 */
export class FaultInjector implements RequestFaults {
  private faults: Faults = NO_FAULTS;
  /** Ids of the events accepted by a request whose answer was lost, in order. */
  private readonly lostEventIds: string[] = [];
  private readonly closing = new AbortController();

  constructor(
    private readonly random: () => number,
    private readonly log: BusLog,
  ) {}

  /** The faults in force. */
  current(): Faults {
    return this.faults;
  }

  /** Replaces the faults in force (absent fields: no fault); throws a ZodError on bad input. */
  set(input: unknown): Faults {
    this.faults = normalizeFaults(faultsSchema.parse(input));
    return this.faults;
  }

  clear(): void {
    this.faults = NO_FAULTS;
  }

  /**
   * The bus's ids of the events accepted by requests whose answer was lost: a sender that
   * retries them puts them on the bus again, unless the bus de-duplicates (a copy).
   */
  lostResponseEventIds(): string[] {
    return [...this.lostEventIds];
  }

  /** The injected failure of an otherwise valid entry, or undefined when it goes through. */
  entryFailure(): EntryProblem | undefined {
    const { failRate, errorCode } = this.faults;
    if (failRate <= 0 || this.random() >= failRate) return undefined;
    return {
      code: errorCode,
      message:
        errorCode === 'ThrottlingException'
          ? 'Rate exceeded (injected).'
          : 'Internal service error (injected).',
    };
  }

  /** Waits `latencyMs`; {@link close} cuts the wait short (the request then fails). */
  async delay(): Promise<void> {
    if (this.faults.latencyMs > 0)
      await sleep(this.faults.latencyMs, undefined, { signal: this.closing.signal });
  }

  failRequest(): void {
    if (!this.rolls(this.faults.requestFailRate)) return;
    this.log('PutEvents answered with an injected HTTP 500');
    throw new AwsServiceError('InternalException', 'injected', 500);
  }

  loseResponse(output: unknown): void {
    if (!this.rolls(this.faults.lostResponseRate)) return;
    for (const entry of entriesOf(output))
      if (typeof entry.EventId === 'string') this.lostEventIds.push(entry.EventId);
    this.log('PutEvents accepted, then answered with an injected HTTP 500 (lost response)');
    throw new AwsServiceError('InternalException', 'injected after acceptance', 500);
  }

  /** Ends every pending delay, so a closing server need not wait for them. */
  close(): void {
    this.closing.abort();
  }

  /** Whether a fault of probability `rate` strikes now (no draw when the rate is 0). */
  private rolls(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }
}

/** The result entries of a PutEvents output (either bus), or none. */
function entriesOf(output: unknown): readonly { readonly EventId?: unknown }[] {
  const entries = (output as { Entries?: unknown } | null)?.Entries;
  return Array.isArray(entries) ? (entries as { EventId?: unknown }[]) : [];
}
