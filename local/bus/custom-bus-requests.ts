import { z } from 'zod';
import { isPlainObject } from '../../lambdas/outbox/event-input.js';
import { putEventsEntrySize } from '../../lambdas/outbox/index.js';
import { parseJson } from '../http-json.js';
import { AwsServiceError } from './aws-operation.js';
import type { BusLog } from './bus-log.js';
import { CUSTOM_BUS_ARN_PATTERN, MAX_CUSTOM_BUS_ARN_LENGTH } from './custom-bus-arn.js';

/**
 * The requests of the enhanced Custom Event Bus (eventbridgev2 PutEvents and
 * DescribeEventBus) as the wire carries them, and the rules the API reference states for
 * them. A member of the wrong wire type is answered 500 (see {@link wireRequest}); a
 * request that breaks a documented constraint is answered InvalidInputException (400) as a
 * whole, valid entries included.
 */

/** PutEvents takes 1..100 entries (API_PutEvents). */
export const MAX_CUSTOM_PUT_EVENTS_ENTRIES = 100;
const MAX_SOURCE_LENGTH = 256;
const MAX_DETAIL_TYPE_LENGTH = 128;
const MAX_RESOURCES = 100;
const MAX_RESOURCE_LENGTH = 2048;
/** EventGroupId and DeduplicationId: 1..128 (API_PutEventsSystemMetadata). */
const MAX_SYSTEM_ID_LENGTH = 128;
/** DeduplicationId must hold one character outside this class (its documented pattern). */
const NOT_WHITESPACE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the API reference's own class (tab..CR, FS..space)
  /[^\u0009-\u000D\u001C-\u0020\u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]/u;

/** A CBOR timestamp as `@smithy/core/cbor` decodes it: tag 1 around epoch seconds. */
const timestampSchema = z.object({ tag: z.literal(1), value: z.number() });

/** The PutEvents request (unknown members tolerated, as Smithy servers skip them). */
export const customPutEventsRequestSchema = z.looseObject({
  EventBusArn: z.string().nullish(),
  Entries: z
    .array(
      z.looseObject({
        Source: z.string().nullish(),
        DetailType: z.string().nullish(),
        Detail: z.string().nullish(),
        Resources: z.array(z.string()).nullish(),
        Time: timestampSchema.nullish(),
        SystemMetadata: z
          .looseObject({
            EventGroupId: z.string().nullish(),
            DeduplicationId: z.string().nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  DeduplicationConfiguration: z.looseObject({ DeduplicationType: z.string().nullish() }).nullish(),
});
export type CustomPutEventsRequest = z.infer<typeof customPutEventsRequestSchema>;
export type CustomPutEventsEntry = NonNullable<CustomPutEventsRequest['Entries']>[number];

export const customDescribeEventBusRequestSchema = z.looseObject({
  EventBusArn: z.string().nullish(),
});

/** One entry that passed every rule. */
export interface ValidEntry {
  readonly source: string;
  readonly detailType: string;
  /** The parsed Detail; `{}` when the entry has none. */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources: readonly string[];
  readonly time?: Date;
  readonly eventGroupId?: string;
  readonly deduplicationId?: string;
}

/** A PutEvents request that passed every rule. */
export interface ValidPutEvents {
  readonly busArn: string;
  readonly entries: readonly ValidEntry[];
}

/**
 * The input as `schema` reads it. A member of the wrong wire type (a string where a
 * timestamp belongs, a number where a string does) is answered as AWS's own guidance
 * describes it: "Treat a persistent 500 as a client-side wire-type problem first" (the
 * eventbridgev2 agent skill, §21). The log says what was wrong.
 */
export function wireRequest<T extends z.ZodType>(
  schema: T,
  input: unknown,
  log: BusLog,
): z.output<T> {
  const request = schema.safeParse(input);
  if (request.success) return request.data;
  const issue = request.error.issues[0];
  const where = issue?.path.map(String).join('.') ?? '';
  log(
    `request member ${where || '(body)'} has the wrong wire type (${issue?.message}): answered 500`,
  );
  throw new AwsServiceError(
    'InternalException',
    'The request failed because of an internal service error. Retry the request.',
    500,
    { cause: request.error },
  );
}

/** The request's bus ARN and entries, or the InvalidInputException of the first broken rule. */
export function validPutEvents(
  request: CustomPutEventsRequest,
  maxRequestBytes: number,
): ValidPutEvents {
  const busArn = validBusArn(request.EventBusArn);
  refuseContentBasedDeduplication(request);
  const wireEntries = entriesOf(request);
  const entries = wireEntries.map((entry, index) => validEntry(entry, `Entries[${index}]`));
  checkSize(wireEntries, maxRequestBytes);
  return { busArn, entries };
}

/** The ARN when it is a well-formed custom-bus ARN, else InvalidInputException. */
export function validBusArn(arn: string | null | undefined): string {
  if (arn == null) throw invalidInput('EventBusArn: EventBusArn is required');
  if (arn.length > MAX_CUSTOM_BUS_ARN_LENGTH || !CUSTOM_BUS_ARN_PATTERN.test(arn))
    throw invalidInput(
      `EventBusArn: ${JSON.stringify(arn)} is not an event bus ARN (arn:aws:events:{region}:{account}:event-busv2/{name}/{id})`,
    );
  return arn;
}

function entriesOf(request: CustomPutEventsRequest): readonly CustomPutEventsEntry[] {
  const entries = request.Entries;
  if (entries == null || entries.length === 0)
    throw invalidInput('Entries: must contain at least one entry');
  if (entries.length > MAX_CUSTOM_PUT_EVENTS_ENTRIES)
    throw invalidInput(
      `Entries: must contain at most ${MAX_CUSTOM_PUT_EVENTS_ENTRIES} entries, got ${entries.length}`,
    );
  return entries;
}

/**
 * Local mode keys de-duplication on `DeduplicationId` only: what EventBridge hashes for
 * CONTENT_BASED is not documented, so emulating it would be a guess.
 */
function refuseContentBasedDeduplication(request: CustomPutEventsRequest): void {
  const type = request.DeduplicationConfiguration?.DeduplicationType;
  if (request.DeduplicationConfiguration == null) return;
  if (type !== 'CONTENT_BASED')
    throw invalidInput(
      `DeduplicationConfiguration.DeduplicationType: must be CONTENT_BASED, got ${String(type)}`,
    );
  throw invalidInput(
    'DeduplicationConfiguration: the local bus does not emulate CONTENT_BASED de-duplication; set SystemMetadata.DeduplicationId on each entry',
  );
}

function validEntry(entry: CustomPutEventsEntry, at: string): ValidEntry {
  const source = requiredText(entry.Source, `${at}.Source`, MAX_SOURCE_LENGTH);
  if (source.startsWith('aws.'))
    throw invalidInput(`${at}.Source: the aws. prefix is reserved for AWS services`);
  const detailType = requiredText(entry.DetailType, `${at}.DetailType`, MAX_DETAIL_TYPE_LENGTH);
  const eventGroupId = systemId(
    entry.SystemMetadata?.EventGroupId,
    `${at}.SystemMetadata.EventGroupId`,
  );
  const deduplicationId = systemId(
    entry.SystemMetadata?.DeduplicationId,
    `${at}.SystemMetadata.DeduplicationId`,
  );
  if (deduplicationId !== undefined && !NOT_WHITESPACE.test(deduplicationId))
    throw invalidInput(`${at}.SystemMetadata.DeduplicationId: must not be only whitespace`);
  const time = timeOf(entry, at);
  return {
    source,
    detailType,
    detail: detailOf(entry.Detail, `${at}.Detail`),
    resources: resourcesOf(entry.Resources, `${at}.Resources`),
    ...(time === undefined ? {} : { time }),
    ...(eventGroupId === undefined ? {} : { eventGroupId }),
    ...(deduplicationId === undefined ? {} : { deduplicationId }),
  };
}

function requiredText(value: string | null | undefined, at: string, max: number): string {
  if (value == null || value.length === 0) throw invalidInput(`${at}: is required`);
  if (value.length > max) throw invalidInput(`${at}: must be at most ${max} characters`);
  return value;
}

function systemId(value: string | null | undefined, at: string): string | undefined {
  if (value == null) return undefined;
  if (value.length < 1 || value.length > MAX_SYSTEM_ID_LENGTH)
    throw invalidInput(`${at}: must be 1 to ${MAX_SYSTEM_ID_LENGTH} characters`);
  return value;
}

/**
 * The parsed Detail. The API reference asks for "a valid JSON string"; the classic bus
 * refuses anything but an object, and whether this one delivers a non-object under
 * `detail` is not documented, so local mode refuses it too (the less kind reading).
 */
function detailOf(
  detail: string | null | undefined,
  at: string,
): Readonly<Record<string, unknown>> {
  if (detail == null) return {};
  const parsed = parseJson(detail);
  if (!parsed.ok) throw invalidInput(`${at}: is not valid JSON (${parsed.error})`);
  if (!isPlainObject(parsed.value)) throw invalidInput(`${at}: must be a JSON object`);
  return parsed.value;
}

function resourcesOf(resources: readonly string[] | null | undefined, at: string): string[] {
  const list = resources ?? [];
  if (list.length > MAX_RESOURCES) throw invalidInput(`${at}: at most ${MAX_RESOURCES} items`);
  const long = list.findIndex((resource) => resource.length > MAX_RESOURCE_LENGTH);
  if (long >= 0) throw invalidInput(`${at}[${long}]: at most ${MAX_RESOURCE_LENGTH} characters`);
  return [...list];
}

function timeOf(entry: CustomPutEventsEntry, at: string): Date | undefined {
  if (entry.Time == null) return undefined;
  const time = new Date(entry.Time.value * 1000);
  if (Number.isNaN(time.getTime())) throw invalidInput(`${at}.Time: is out of range`);
  return time;
}

/**
 * AWS documents no size limit for this bus; local mode applies the classic bus's entry-size
 * formula against the server's `maxRequestBytes`, so an oversize batch fails here as it would
 * on the classic bus rather than pass unchecked.
 */
function checkSize(entries: readonly CustomPutEventsEntry[], limit: number): void {
  const size = entries.reduce(
    (sum, e) =>
      sum +
      putEventsEntrySize({
        Time: e.Time == null ? undefined : new Date(e.Time.value * 1000),
        Source: e.Source ?? undefined,
        DetailType: e.DetailType ?? undefined,
        Detail: e.Detail ?? undefined,
        Resources: e.Resources ?? undefined,
      }),
    0,
  );
  if (size > limit)
    throw invalidInput(
      `Entries: the entries are ${size} bytes by the PutEvents entry-size formula, over the limit of ${limit}`,
    );
}

function invalidInput(message: string): AwsServiceError {
  return new AwsServiceError('InvalidInputException', message, 400);
}
