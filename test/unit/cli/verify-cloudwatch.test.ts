import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { CloudWatchError } from '../../../cli/errors.js';
import { CloudWatchAlarms } from '../../../cli/verify-cloudwatch.js';

/** What the fake fetch saw of one request. */
interface SentRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** A fetch that answers each call with the next response and records the requests. */
function fakeFetch(
  responses: readonly Response[],
): typeof fetch & { readonly sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  let next = 0;
  const fetchFn = async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: JSON.parse(String(init?.body)) as Record<string, unknown>,
    });
    const response = responses[next++];
    if (response === undefined) throw new Error('unexpected request');
    return response;
  };
  return Object.assign(fetchFn, { sent }) as typeof fetch & { readonly sent: SentRequest[] };
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { 'content-type': 'application/x-amz-json-1.0', ...init.headers },
  });

/** A client signing with a Lambda client's signer, on fixed credentials. */
function aClient(fetchFn: typeof fetch, region = 'eu-west-1'): CloudWatchAlarms {
  const lambda = new LambdaClient({
    region,
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session-token',
    },
  });
  return new CloudWatchAlarms({
    region: lambda.config.region,
    signer: lambda.config.signer,
    fetch: fetchFn,
  });
}

describe('CloudWatchAlarms', () => {
  it('sends DescribeAlarms as AWS JSON 1.0, SigV4-signed for monitoring in the region', async () => {
    const fetchFn = fakeFetch([json({ MetricAlarms: [] })]);

    await aClient(fetchFn).describeAlarms(['a-1', 'a-2']);

    const [request] = fetchFn.sent;
    expect(request?.url).toBe('https://monitoring.eu-west-1.amazonaws.com/');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
      'x-amzn-query-mode': 'true',
      'x-amz-security-token': 'session-token',
    });
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/monitoring\/aws4_request, SignedHeaders=[^,]*host;[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers).not.toHaveProperty('host');
    expect(request?.body).toEqual({
      AlarmNames: ['a-1', 'a-2'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
  });

  it('reads metric and composite alarms, epoch-second timestamps, and every page', async () => {
    const fetchFn = fakeFetch([
      json({
        MetricAlarms: [
          { AlarmName: 'a-1', StateValue: 'OK', StateUpdatedTimestamp: 1_764_583_200 },
        ],
        NextToken: 'page-2',
      }),
      json({
        CompositeAlarms: [{ AlarmName: 'c-1', StateValue: 'ALARM', StateReason: 'a-1 in ALARM' }],
      }),
    ]);

    const states = await aClient(fetchFn).describeAlarms(['a-1', 'c-1']);

    expect(states).toEqual([
      { name: 'a-1', state: 'OK', updatedAt: new Date('2025-12-01T10:00:00.000Z') },
      { name: 'c-1', state: 'ALARM', reason: 'a-1 in ALARM' },
    ]);
    expect(fetchFn.sent[1]?.body).toMatchObject({ NextToken: 'page-2' });
  });

  it('asks for at most 100 names per call', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    const fetchFn = fakeFetch([json({}), json({})]);

    await aClient(fetchFn).describeAlarms(names);

    expect(fetchFn.sent.map((r) => (r.body.AlarmNames as string[]).length)).toEqual([100, 50]);
  });

  it('uses the China partition’s domain in a China region', async () => {
    const fetchFn = fakeFetch([json({})]);

    await aClient(fetchFn, 'cn-north-1').describeAlarms(['a-1']);

    expect(fetchFn.sent[0]?.url).toBe('https://monitoring.cn-north-1.amazonaws.com.cn/');
  });

  it('fails with the AWS error code of a refused call', async () => {
    const fetchFn = fakeFetch([
      json(
        {
          __type: 'com.amazonaws.cloudwatch#AccessDeniedException',
          message: 'User is not authorized to perform: cloudwatch:DescribeAlarms',
        },
        { status: 403, headers: { 'x-amzn-query-error': 'AccessDenied;Sender' } },
      ),
    ]);

    const error = await aClient(fetchFn)
      .describeAlarms(['a-1'])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CloudWatchError);
    expect(error).toMatchObject({ code: 'AccessDenied', statusCode: 403 });
    expect((error as Error).message).toContain('cloudwatch:DescribeAlarms');
  });
});
