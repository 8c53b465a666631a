import { z } from 'zod';

/** The per-entry error codes fault injection can produce. */
export const INJECTABLE_ENTRY_ERRORS = ['ThrottlingException', 'InternalFailure'] as const;
export type InjectableEntryError = (typeof INJECTABLE_ENTRY_ERRORS)[number];

/** Longest latency `/faults` accepts: beyond it a client would time out, not wait. */
export const MAX_FAULT_LATENCY_MS = 60_000;

/** The faults in force. */
export interface Faults {
  /** Probability that an otherwise valid entry fails with `errorCode`. */
  readonly failRate: number;
  readonly errorCode: InjectableEntryError;
  /** Probability that a whole PutEvents request is answered with HTTP 500. */
  readonly requestFailRate: number;
  /** Delay added to every PutEvents answer. */
  readonly latencyMs: number;
  /**
   * Probability that a PutEvents request is processed (its valid entries accepted) but
   * answered with HTTP 500: the caller cannot know it succeeded, exactly as if it had
   * crashed between PutEvents and marking its records.
   */
  readonly lostResponseRate: number;
}

/** No faults. */
export const NO_FAULTS: Faults = Object.freeze({
  failRate: 0,
  errorCode: 'ThrottlingException',
  requestFailRate: 0,
  latencyMs: 0,
  lostResponseRate: 0,
});

const rate = (name: string) =>
  z
    .number({ error: `${name} must be a number between 0 and 1` })
    .min(0, `${name} must be between 0 and 1`)
    .max(1, `${name} must be between 0 and 1`);

/** What `POST /faults` and `setFaults` accept; every field optional (absent: no fault). */
export const faultsSchema = z.strictObject({
  failRate: rate('failRate').optional(),
  errorCode: z
    .enum(INJECTABLE_ENTRY_ERRORS, {
      error: `errorCode must be one of ${INJECTABLE_ENTRY_ERRORS.join(', ')}`,
    })
    .optional(),
  requestFailRate: rate('requestFailRate').optional(),
  lostResponseRate: rate('lostResponseRate').optional(),
  latencyMs: z
    .number({ error: 'latencyMs must be a number of milliseconds' })
    .int('latencyMs must be a whole number of milliseconds')
    .min(0, 'latencyMs must not be negative')
    .max(MAX_FAULT_LATENCY_MS, `latencyMs must be at most ${MAX_FAULT_LATENCY_MS}`)
    .optional(),
});
export type FaultsInput = z.input<typeof faultsSchema>;

/** Faults with every field filled (absent: no fault). */
export function normalizeFaults(input: z.output<typeof faultsSchema>): Faults {
  return Object.freeze({
    failRate: input.failRate ?? NO_FAULTS.failRate,
    errorCode: input.errorCode ?? NO_FAULTS.errorCode,
    requestFailRate: input.requestFailRate ?? NO_FAULTS.requestFailRate,
    latencyMs: input.latencyMs ?? NO_FAULTS.latencyMs,
    lostResponseRate: input.lostResponseRate ?? NO_FAULTS.lostResponseRate,
  });
}
