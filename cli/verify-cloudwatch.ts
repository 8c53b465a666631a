import type { HttpRequest, Provider, RequestSigner } from '@smithy/types';
import { CloudWatchError } from './errors.js';

/** An alarm's state as DescribeAlarms reports it. */
export interface AlarmState {
  readonly name: string;
  /** `OK`, `ALARM` or `INSUFFICIENT_DATA`. */
  readonly state: string;
  readonly reason?: string;
  readonly updatedAt?: Date;
}

/** Reads alarm states: what the `alarms` check needs of CloudWatch. */
export interface AlarmReader {
  /** The named alarms that exist (metric and composite), in no particular order. */
  describeAlarms(names: readonly string[]): Promise<AlarmState[]>;
}

/**
 * What {@link CloudWatchAlarms} signs and sends with: any SDK client's `config.region` and
 * `config.signer` (its SigV4 signer on the default credential chain; verify signs each call
 * for `monitoring` in the region, whatever service the signer was made for).
 */
export interface CloudWatchAlarmsConfig {
  readonly region: Provider<string>;
  readonly signer: () => Promise<RequestSigner>;
  /** @default - `https://monitoring.<region>.amazonaws.com` (`.com.cn` in China) */
  readonly endpoint?: string;
  /** @default - globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** CloudWatch's SigV4 signing name. */
const SIGNING_NAME = 'monitoring';
/** The `X-Amz-Target` prefix of CloudWatch's AWS JSON 1.0 protocol. */
const TARGET_PREFIX = 'GraniteServiceVersion20100801';
/** DescribeAlarms takes at most 100 names. */
const MAX_NAMES = 100;

interface RawAlarm {
  readonly AlarmName?: string;
  readonly StateValue?: string;
  readonly StateReason?: string;
  /** Epoch seconds in AWS JSON 1.0. */
  readonly StateUpdatedTimestamp?: number | string;
}

interface DescribeAlarmsOutput {
  readonly MetricAlarms?: readonly RawAlarm[];
  readonly CompositeAlarms?: readonly RawAlarm[];
  readonly NextToken?: string;
}

const timestamp = (value: number | string | undefined): Date | undefined =>
  value === undefined ? undefined : new Date(typeof value === 'number' ? value * 1000 : value);

const toAlarmState = (raw: RawAlarm): AlarmState => {
  const updatedAt = timestamp(raw.StateUpdatedTimestamp);
  return {
    name: raw.AlarmName ?? '?',
    state: raw.StateValue ?? 'unknown',
    ...(raw.StateReason === undefined ? {} : { reason: raw.StateReason }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
  };
};

/**
 * CloudWatch DescribeAlarms over AWS JSON 1.0, signed with SigV4 by an SDK client's own
 * signer: the one CloudWatch call `verify` makes, without @aws-sdk/client-cloudwatch (not a
 * dependency of this package).
 * CloudWatch's model lists the `awsJson1_0` protocol next to `awsQuery`; the AWS SDKs send
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>` with `x-amzn-query-mode: true`.
 *
 * @example
 * const lambda = new LambdaClient({});
 * const alarms = new CloudWatchAlarms({ region: lambda.config.region, signer: lambda.config.signer });
 * const states = await alarms.describeAlarms(['Orders-OutboxIteratorAgeAlarm-1A2B']);
 */
export class CloudWatchAlarms implements AlarmReader {
  private readonly config: CloudWatchAlarmsConfig;

  constructor(config: CloudWatchAlarmsConfig) {
    this.config = config;
  }

  async describeAlarms(names: readonly string[]): Promise<AlarmState[]> {
    const states: AlarmState[] = [];
    for (let i = 0; i < names.length; i += MAX_NAMES) {
      let nextToken: string | undefined;
      do {
        const page = (await this.call('DescribeAlarms', {
          AlarmNames: names.slice(i, i + MAX_NAMES),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        })) as DescribeAlarmsOutput;
        states.push(
          ...[...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])].map(toAlarmState),
        );
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
    }
    return states;
  }

  /** One signed AWS JSON 1.0 call; throws CloudWatchError on a non-2xx answer. */
  private async call(operation: string, input: unknown): Promise<unknown> {
    const region = await this.config.region();
    const url = new URL(this.config.endpoint ?? endpointOf(region));
    const request: HttpRequest = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${TARGET_PREFIX}.${operation}`,
        'x-amzn-query-mode': 'true',
      },
      body: JSON.stringify(input),
    };
    const signer = await this.config.signer();
    const signed = await signer.sign(request, {
      signingService: SIGNING_NAME,
      signingRegion: region,
    });
    // fetch sets Host itself (the same value, signed above).
    const { host: _host, ...headers } = signed.headers;
    const response = await (this.config.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body: request.body as string,
    });
    const text = await response.text();
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) throw errorOf(operation, response, body);
    return body;
  }
}

/** CloudWatch's regional endpoint (the China partition has its own domain). */
function endpointOf(region: string): string {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${SIGNING_NAME}.${region}.${domain}/`;
}

/** The error code: the query-compatible header (`AccessDenied;Sender`), else `__type`. */
function errorOf(
  operation: string,
  response: Response,
  body: Record<string, unknown>,
): CloudWatchError {
  const queryError = response.headers.get('x-amzn-query-error')?.split(';')[0];
  const type = typeof body.__type === 'string' ? body.__type.split('#').pop() : undefined;
  const message = body.message ?? body.Message;
  return new CloudWatchError(
    operation,
    queryError ?? type ?? 'Unknown',
    response.status,
    typeof message === 'string' ? message : response.statusText,
  );
}
