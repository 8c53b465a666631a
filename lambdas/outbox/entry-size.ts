/**
 * The fields of a PutEvents request entry that count towards its size.
 */
export interface SizedEntry {
  readonly Time?: Date | undefined;
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}

const utf8 = (s: string | undefined): number =>
  s === undefined ? 0 : Buffer.byteLength(s, 'utf8');

/**
 * Size of a PutEvents entry by the formula EventBridge documents ("Calculating PutEvents
 * event entry size"): 14 bytes for Time when present, plus the UTF-8 bytes of Source,
 * DetailType, Detail and each Resource. EventBusName and TraceHeader do not count.
 *
 * @example
 * putEventsEntrySize({ Time: new Date(), Source: 'orders', DetailType: 'OrderCreated', Detail: '{}' });
 * // 14 + 6 + 12 + 2 = 34
 */
export function putEventsEntrySize(entry: SizedEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  return size;
}
