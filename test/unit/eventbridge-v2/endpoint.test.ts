import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  accountIdEndpointModeOf,
  type EndpointParameters,
  resolveEndpoint,
} from '../../../lambdas/eventbridge-v2/endpoint.js';
import {
  DescribeEventBusCommand,
  EventBridgeV2Client,
  EventBridgeV2ClientError,
} from '../../../lambdas/eventbridge-v2/index.js';
import { aClient, BUS_ARN, cborAnswer, ScriptedHandler } from '../../helpers/eventbridge-v2.js';

/**
 * Endpoint selection as the official client does it: an explicit endpoint, the configured
 * endpoint variables (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html),
 * then the service's ruleset with account-based hosts
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-account-endpoints.html); the cases
 * mirror the ruleset's published endpoint tests (aws-sdk-js-v3 eventbridgev2 model).
 */

const OTHER_ACCOUNT_BUS = BUS_ARN.replace('123456789012', '210987654321');

function endpointFor(parameters: Partial<EndpointParameters> = {}): string {
  return resolveEndpoint({
    region: 'us-east-1',
    accountIdEndpointMode: 'preferred',
    env: {},
    ...parameters,
  }).href;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the endpoint', () => {
  it('is the bus owner account host from the ARN by default (preferred mode)', () => {
    expect(endpointFor({ eventBusArn: BUS_ARN })).toBe(
      'https://123456789012.eventsv2.us-east-1.amazonaws.com/',
    );
  });

  it("takes the bus owner's account over the caller's (cross-account call)", () => {
    expect(endpointFor({ eventBusArn: OTHER_ACCOUNT_BUS, accountId: '123456789012' })).toBe(
      'https://210987654321.eventsv2.us-east-1.amazonaws.com/',
    );
  });

  it("takes the caller's account when the ARN carries none", () => {
    expect(endpointFor({ eventBusArn: 'not-an-arn', accountId: '123456789012' })).toBe(
      'https://123456789012.eventsv2.us-east-1.amazonaws.com/',
    );
  });

  it('is regional when no account is known (preferred mode)', () => {
    expect(endpointFor({ region: 'eu-west-1' })).toBe('https://eventsv2.eu-west-1.amazonaws.com/');
  });

  it('is regional in disabled mode, even with the ARN and the account', () => {
    expect(
      endpointFor({
        eventBusArn: BUS_ARN,
        accountId: '123456789012',
        accountIdEndpointMode: 'disabled',
      }),
    ).toBe('https://eventsv2.us-east-1.amazonaws.com/');
  });

  it('fails if required mode finds no account', () => {
    expect(() => endpointFor({ accountIdEndpointMode: 'required' })).toThrow(
      EventBridgeV2ClientError,
    );
  });

  it('uses the China partition suffix in cn- regions', () => {
    expect(endpointFor({ region: 'cn-north-1', eventBusArn: BUS_ARN })).toBe(
      'https://123456789012.eventsv2.cn-north-1.amazonaws.com.cn/',
    );
  });

  it('fails if the region is not a host label', () => {
    expect(() => endpointFor({ region: 'us-east-1.evil.example/x' })).toThrow(/invalid region/);
  });

  it('is the endpoint given to the client, over the variables', () => {
    const env = {
      AWS_ENDPOINT_URL_EVENTBRIDGEV2: 'http://service:1',
      AWS_ENDPOINT_URL: 'http://all:2',
    };

    expect(endpointFor({ endpoint: 'http://127.0.0.1:4010', env, eventBusArn: BUS_ARN })).toBe(
      'http://127.0.0.1:4010/',
    );
  });

  it("is the service's variable over the global one", () => {
    const env = {
      AWS_ENDPOINT_URL_EVENTBRIDGEV2: 'http://service:1',
      AWS_ENDPOINT_URL: 'http://all:2',
    };

    expect(endpointFor({ env })).toBe('http://service:1/');
    expect(endpointFor({ env: { AWS_ENDPOINT_URL: 'http://all:2' } })).toBe('http://all:2/');
  });

  it('ignores the variables when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true, not the config', () => {
    const env = { AWS_ENDPOINT_URL: 'http://all:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };

    expect(endpointFor({ env })).toBe('https://eventsv2.us-east-1.amazonaws.com/');
    expect(endpointFor({ env, endpoint: 'http://mine:3' })).toBe('http://mine:3/');
  });

  it('fails if the endpoint is not a URL, naming it', () => {
    expect(() => endpointFor({ endpoint: 'localhost 4010' })).toThrow(/'localhost 4010'/);
  });
});

describe('the account ID endpoint mode', () => {
  it('is preferred by default, else the variable, else the option', () => {
    expect(accountIdEndpointModeOf(undefined, {})).toBe('preferred');
    expect(accountIdEndpointModeOf(undefined, { AWS_ACCOUNT_ID_ENDPOINT_MODE: 'disabled' })).toBe(
      'disabled',
    );
    expect(accountIdEndpointModeOf('required', { AWS_ACCOUNT_ID_ENDPOINT_MODE: 'disabled' })).toBe(
      'required',
    );
  });

  it('fails if the mode is unknown, naming it', () => {
    expect(() => accountIdEndpointModeOf('sometimes', {})).toThrow(/'sometimes'/);
  });
});

describe('a request of the client', () => {
  it('goes over https to the account host, with a matching host header', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGEV2', '');
    vi.stubEnv('AWS_ACCOUNT_ID_ENDPOINT_MODE', '');
    const handler = new ScriptedHandler(cborAnswer(200, {}));

    await aClient(handler).send(new DescribeEventBusCommand({ EventBusArn: BUS_ARN }));

    const [request] = handler.requests;
    expect(request).toMatchObject({
      protocol: 'https:',
      hostname: '123456789012.eventsv2.us-east-1.amazonaws.com',
      headers: expect.objectContaining({ host: '123456789012.eventsv2.us-east-1.amazonaws.com' }),
    });
  });

  it('goes to AWS_ENDPOINT_URL_EVENTBRIDGEV2 (local mode), keeping its path as a prefix', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGEV2', 'http://127.0.0.1:4010/bus/');
    const handler = new ScriptedHandler(cborAnswer(200, {}));

    await aClient(handler).send(new DescribeEventBusCommand({ EventBusArn: BUS_ARN }));

    expect(handler.requests[0]).toMatchObject({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4010,
      path: '/bus/service/AWSEventsV2/operation/DescribeEventBus',
      headers: expect.objectContaining({ host: '127.0.0.1:4010' }),
    });
  });

  it('takes the region from AWS_REGION and the key from the default credential chain', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGEV2', '');
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-from-env');
    const handler = new ScriptedHandler(cborAnswer(200, {}));

    await new EventBridgeV2Client({ requestHandler: handler }).send(
      new DescribeEventBusCommand({ EventBusArn: BUS_ARN }),
    );

    const [request] = handler.requests;
    expect(request?.hostname).toBe('123456789012.eventsv2.eu-central-1.amazonaws.com');
    expect(request?.headers.authorization).toContain('Credential=AKIDFROMENV/');
    expect(request?.headers.authorization).toContain('/eu-central-1/events/aws4_request');
  });

  it('fails at construction if the endpoint option is not a URL', () => {
    expect(() => aClient(new ScriptedHandler(), { endpoint: '::' })).toThrow(
      EventBridgeV2ClientError,
    );
  });
});
