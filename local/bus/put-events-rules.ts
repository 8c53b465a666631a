import { z } from 'zod';
import { isPlainObject } from '../../lambdas/outbox/event-input.js';
import {
  MAX_DETAIL_TYPE_LENGTH,
  MAX_PUT_EVENTS_ENTRIES,
  putEventsEntrySize,
} from '../../lambdas/outbox/index.js';
import { parseJson } from '../http-json.js';
import { AwsServiceError } from './aws-operation.js';

/** The PutEvents request as the wire carries it (unknown fields tolerated, as AWS does). */
export const putEventsRequestSchema = z.looseObject({
  Entries: z
    .array(
      z.looseObject({
        Source: z.string().nullish(),
        DetailType: z.string().nullish(),
        Detail: z.string().nullish(),
        EventBusName: z.string().nullish(),
        Time: z.number().nullish(),
        Resources: z.array(z.string()).nullish(),
        TraceHeader: z.string().nullish(),
      }),
    )
    .nullish(),
  EndpointId: z.string().nullish(),
});
export type PutEventsRequest = z.infer<typeof putEventsRequestSchema>;
export type PutEventsEntry = NonNullable<PutEventsRequest['Entries']>[number];

/** Why one entry fails: the ErrorCode and ErrorMessage PutEvents answers for it. */
export interface EntryProblem {
  readonly code: string;
  readonly message: string;
}

/** The request's entries, or the ValidationException of a request with none or more than 10. */
export function entriesOf(request: PutEventsRequest): PutEventsEntry[] {
  const entries = request.Entries;
  if (entries == null || entries.length === 0)
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value ${entries == null ? 'null' : '[]'} at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  if (entries.length > MAX_PUT_EVENTS_ENTRIES)
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES} (got ${entries.length})`,
    );
  return entries;
}

/** The size of the entries by EventBridge's documented entry-size formula. */
export function entriesSize(entries: readonly PutEventsEntry[]): number {
  return entries.reduce(
    (sum, e) =>
      sum +
      putEventsEntrySize({
        Time: e.Time == null ? undefined : new Date(e.Time * 1000),
        Source: e.Source ?? undefined,
        DetailType: e.DetailType ?? undefined,
        Detail: e.Detail ?? undefined,
        Resources: e.Resources ?? undefined,
      }),
    0,
  );
}

/** Validates one entry like EventBridge; the problem, or undefined when it is valid. */
export function entryProblem(entry: PutEventsEntry): EntryProblem | undefined {
  if (!entry.Source) return invalid('Source', 'Source is a required argument.');
  if (entry.Source.startsWith('aws.'))
    return { code: 'NotAuthorizedForSourceException', message: 'Not authorized for the source.' };
  if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
  if (entry.DetailType.length > MAX_DETAIL_TYPE_LENGTH)
    return invalid(
      'DetailType',
      `Provided DetailType is longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`,
    );
  if (entry.Time != null && Number.isNaN(new Date(entry.Time * 1000).getTime()))
    return invalid('Time', 'Time is out of range.');
  if (entry.Detail == null) return invalid('Detail', 'Detail is a required argument.');
  const detail = parseJson(entry.Detail);
  if (!detail.ok || !isPlainObject(detail.value))
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  return undefined;
}

function invalid(name: string, reason: string): EntryProblem {
  return { code: 'InvalidArgument', message: `Parameter ${name} is not valid. Reason: ${reason}` };
}
