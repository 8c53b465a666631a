/**
 * Where a request goes, by the rules of the official client: an explicit endpoint, else the
 * configured endpoint variables, else the service's endpoint ruleset (account-based host
 * from the bus ARN, else the regional host).
 */
import { EventBridgeV2ClientError } from './errors.js';

/** Whether the host carries an account ID (the SDKs' `account_id_endpoint_mode`). */
export type AccountIdEndpointMode = 'preferred' | 'disabled' | 'required';

/** What the endpoint depends on. */
export interface EndpointParameters {
  readonly region: string;
  /** An endpoint URL given to the client. */
  readonly endpoint?: string;
  /** The bus the request addresses; its account is the bus owner's. */
  readonly eventBusArn?: string;
  /** The caller's account, from the credentials. */
  readonly accountId?: string;
  readonly accountIdEndpointMode: AccountIdEndpointMode;
  readonly env?: NodeJS.ProcessEnv;
}

/** The base URL of the request. */
export function resolveEndpoint(parameters: EndpointParameters): URL {
  const configured = parameters.endpoint ?? configuredEndpoint(parameters.env ?? process.env);
  if (configured !== undefined) return parseEndpoint(configured);
  const { region, accountIdEndpointMode: mode } = parameters;
  if (!/^[a-z0-9-]+$/.test(region))
    throw new EventBridgeV2ClientError(`invalid region '${region}'`);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  // The bus owner's account wins over the caller's (cross-account calls), per the ruleset.
  const account =
    mode === 'disabled' ? undefined : (busAccount(parameters.eventBusArn) ?? parameters.accountId);
  if (account === undefined && mode === 'required') {
    throw new EventBridgeV2ClientError(
      'accountIdEndpointMode is required but no account ID was found in the bus ARN or the credentials',
    );
  }
  const host = `eventsv2.${region}.${suffix}`;
  return new URL(`https://${account === undefined ? host : `${account}.${host}`}`);
}

const MODES: readonly AccountIdEndpointMode[] = ['preferred', 'disabled', 'required'];

/** The mode given, else `AWS_ACCOUNT_ID_ENDPOINT_MODE`, else `preferred` (the SDKs' default). */
export function accountIdEndpointModeOf(
  configured: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AccountIdEndpointMode {
  const mode = configured ?? nonEmpty(env.AWS_ACCOUNT_ID_ENDPOINT_MODE) ?? 'preferred';
  const known = MODES.find((m) => m === mode);
  if (known === undefined) {
    throw new EventBridgeV2ClientError(
      `accountIdEndpointMode must be one of ${MODES.join(', ')}, got '${mode}'`,
    );
  }
  return known;
}

/** Parses an endpoint URL, naming it when it is not one. */
export function parseEndpoint(endpoint: string): URL {
  try {
    return new URL(endpoint);
  } catch (cause) {
    throw new EventBridgeV2ClientError(`invalid endpoint '${endpoint}'`, cause);
  }
}

function configuredEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  // The service's own variable wins over the global one.
  return nonEmpty(env.AWS_ENDPOINT_URL_EVENTBRIDGEV2) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

/** An empty variable is an unset one. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** The account field of an `events` ARN, when it is 12 digits. */
function busAccount(arn: string | undefined): string | undefined {
  const [prefix, , service, , account] = arn?.split(':') ?? [];
  if (prefix !== 'arn' || service !== 'events' || account === undefined) return undefined;
  return /^\d{12}$/.test(account) ? account : undefined;
}
