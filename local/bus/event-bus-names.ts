/** `Name` of DescribeEventBus, as the API reference constrains it. */
const EVENT_BUS_NAME_PATTERN =
  /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/;
const MAX_EVENT_BUS_NAME_LENGTH = 1600;
/** A custom bus name as CreateEventBus takes it. */
export const BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]{1,256}$/;

/** A bus name, with the region and account of the event-bus ARN it came in, if any. */
export interface ParsedBusName {
  readonly name: string;
  readonly arnRegion?: string;
  readonly arnAccount?: string;
}

/** `default`, the name given, or the name inside an event-bus ARN. */
export function busName(name: string | null | undefined): string {
  if (!name) return 'default';
  return parseBusName(name).name;
}

/** The bus name of a name or event-bus ARN, with the ARN's region and account if any. */
export function parseBusName(nameOrArn: string): ParsedBusName {
  const arn = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
  if (arn === null) return { name: nameOrArn };
  const [, arnRegion = '', arnAccount = '', name = ''] = arn;
  return { name, arnRegion, arnAccount };
}

/** Why `Name` breaks DescribeEventBus's constraints (AWS's wording), or undefined. */
export function busNameProblem(name: string): string | undefined {
  if (name.length < 1) return 'have length greater than or equal to 1';
  if (name.length > MAX_EVENT_BUS_NAME_LENGTH)
    return `have length less than or equal to ${MAX_EVENT_BUS_NAME_LENGTH}`;
  if (!EVENT_BUS_NAME_PATTERN.test(name))
    return `satisfy regular expression pattern: ${EVENT_BUS_NAME_PATTERN.source.slice(1, -1)}`;
  return undefined;
}
