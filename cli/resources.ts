import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { isCustomBusArn } from '../lambdas/outbox/index.js';
import { CliError, type ErrorContext } from './errors.js';

/** The stack outputs `--stack` reads (those of `lib/orders-service-stack.ts`). */
export const STACK_OUTPUT_KEYS = {
  tableName: 'OutboxTableName',
  eventBusName: 'EventBusName',
  dlqUrl: 'DeadLetterQueueUrl',
  relayFunctionName: 'RelayFunctionName',
  streamFailureQueueUrl: 'StreamFailureQueueUrl',
} as const;

/**
 * The output a stack on a Custom Event Bus has instead of `EventBusName`: the bus's ARN,
 * the only way eventbridgev2 names a bus.
 */
export const CUSTOM_BUS_OUTPUT_KEY = 'EventBusArn';

/** What `npm start` runs, unless the environment says otherwise (see docs/local-mode.md). */
export const LOCAL_DEFAULTS = {
  host: '127.0.0.1',
  dynamoDbPort: 8000,
  busPort: 4010,
  region: 'us-east-1',
  tableName: 'outbox',
  eventBusName: 'orders-bus',
  dlqName: 'outbox-dlq',
} as const;

/** The flags that say where the outbox is. */
export interface ResourceOptions {
  /** The local runtime of `npm start`. */
  readonly local?: boolean;
  /** A CloudFormation stack whose outputs name the resources. */
  readonly stack?: string;
  /** @default - the default chain (AWS_REGION, the profile) */
  readonly region?: string;
  readonly table?: string;
  readonly bus?: string;
  readonly dlqUrl?: string;
  readonly relayFunction?: string;
  readonly streamFailureQueueUrl?: string;
}

/** Where the SDK clients go: AWS, or the loopback endpoints of local mode. */
export type Target =
  | { readonly kind: 'aws'; readonly region?: string }
  | {
      readonly kind: 'local';
      readonly region: string;
      readonly dynamoDbEndpoint: string;
      readonly busEndpoint: string;
    };

/** The outbox's resources; each may be unknown until a command needs it. */
export interface OutboxResources {
  readonly target: Target;
  readonly tableName?: string;
  readonly eventBusName?: string;
  readonly dlqUrl?: string;
  readonly relayFunctionName?: string;
  /** The event source mapping's on-failure queue (skipped stream batches). */
  readonly streamFailureQueueUrl?: string;
  /** Where the names came from: `local mode`, `stack Orders`, `flags`. */
  readonly origin: string;
  /** The stack's ARN (`--stack`): it names the account the stack, and the caller, are in. */
  readonly stackId?: string;
}

type ResourceName =
  | 'tableName'
  | 'eventBusName'
  | 'dlqUrl'
  | 'relayFunctionName'
  | 'streamFailureQueueUrl';
const FLAGS: Record<ResourceName, string> = {
  tableName: '--table',
  eventBusName: '--bus',
  dlqUrl: '--dlq-url',
  relayFunctionName: '--relay-function',
  streamFailureQueueUrl: '--stream-failure-queue-url',
};
const WHAT: Record<ResourceName, string> = {
  tableName: 'outbox table',
  eventBusName: 'event bus',
  dlqUrl: 'dead-letter queue URL',
  relayFunctionName: 'relay function',
  streamFailureQueueUrl: 'stream-failure queue URL',
};

/**
 * A resource a command cannot do without.
 *
 * @throws CliError naming the flags that would give it
 */
export function requireResource(resources: OutboxResources, name: ResourceName): string {
  const value = resources[name];
  if (value !== undefined && value !== '') return value;
  if (resources.origin.startsWith('stack '))
    throw new CliError(
      `no ${WHAT[name]}: ${resources.origin} has no output ${STACK_OUTPUT_KEYS[name]}; pass ${FLAGS[name]}`,
    );
  throw new CliError(
    `no ${WHAT[name]}: pass ${FLAGS[name]}, --stack <name> (output ${STACK_OUTPUT_KEYS[name]}) or --local`,
  );
}

/** What {@link resolveResources} needs besides the flags. */
export interface ResolveDependencies {
  /** @default - process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Creates the CloudFormation client `--stack` uses. @default - a real one */
  readonly cloudFormation?: (region: string | undefined) => Pick<CloudFormationClient, 'send'>;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535)
    throw new CliError(`${name} must be a port number 1..65535, got '${raw}'`);
  return value;
}

/** The loopback endpoints of local mode, from DYNAMODB_PORT and BUS_PORT. */
export function localTarget(env: NodeJS.ProcessEnv = process.env): Target & { kind: 'local' } {
  const { host } = LOCAL_DEFAULTS;
  return {
    kind: 'local',
    region: LOCAL_DEFAULTS.region,
    dynamoDbEndpoint: `http://${host}:${port(env, 'DYNAMODB_PORT', LOCAL_DEFAULTS.dynamoDbPort)}`,
    busEndpoint: `http://${host}:${port(env, 'BUS_PORT', LOCAL_DEFAULTS.busPort)}`,
  };
}

/**
 * The value of the stack output named exactly `key`. Never a key that merely contains it: a
 * stack may hold several outboxes, or an output that someone else named `…DeadLetterQueueUrl`,
 * and a guess would point `redrive` or `replay` at the wrong queue or bus. An outbox nested
 * in a construct gets a prefixed output key: pass its resources with their flags.
 */
function outputValue(outputs: readonly Output[], key: string): string | undefined {
  return outputs.find((o) => o.OutputKey === key)?.OutputValue;
}

/**
 * Finds the outbox's resources: the local defaults (`--local`), a stack's outputs
 * (`--stack`), or flags alone. Flags override what `--local` or `--stack` found.
 *
 * @throws CliError on conflicting flags, a missing stack, a bad port variable
 * @example
 * const resources = await resolveResources({ stack: 'OrdersService', region: 'eu-west-1' });
 */
export async function resolveResources(
  options: ResourceOptions,
  deps: ResolveDependencies = {},
): Promise<OutboxResources> {
  const env = deps.env ?? process.env;
  const flags = {
    ...(options.table === undefined ? {} : { tableName: options.table }),
    ...(options.bus === undefined ? {} : { eventBusName: options.bus }),
    ...(options.dlqUrl === undefined ? {} : { dlqUrl: options.dlqUrl }),
    ...(options.relayFunction === undefined ? {} : { relayFunctionName: options.relayFunction }),
    ...(options.streamFailureQueueUrl === undefined
      ? {}
      : { streamFailureQueueUrl: options.streamFailureQueueUrl }),
  };
  if (options.local && options.stack !== undefined)
    throw new CliError('use either --local or --stack, not both');
  if (options.local) {
    const target = localTarget(env);
    return {
      target,
      tableName: LOCAL_DEFAULTS.tableName,
      eventBusName: LOCAL_DEFAULTS.eventBusName,
      dlqUrl: `${target.busEndpoint}/queue/${LOCAL_DEFAULTS.dlqName}`,
      origin: 'local mode',
      ...flags,
    };
  }
  const target: Target = {
    kind: 'aws',
    ...(options.region === undefined ? {} : { region: options.region }),
  };
  if (options.stack === undefined) return { target, origin: 'flags', ...flags };
  const cloudFormation = (
    deps.cloudFormation ??
    ((region) => new CloudFormationClient(region === undefined ? {} : { region }))
  )(options.region);
  let outputs: readonly Output[];
  let stackId: string | undefined;
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: options.stack }),
    );
    outputs = Stacks?.[0]?.Outputs ?? [];
    stackId = Stacks?.[0]?.StackId;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? ''))
      throw new CliError(
        `stack ${options.stack} not found${options.region ? ` in ${options.region}` : ' in the default region'}: pass --region, or check the name (${e.message})`,
      );
    throw error;
  }
  const fromStack: Partial<Record<ResourceName, string>> = {};
  for (const [name, key] of Object.entries(STACK_OUTPUT_KEYS) as [ResourceName, string][]) {
    const value = outputValue(outputs, key);
    if (value !== undefined) fromStack[name] = value;
  }
  const busArn = outputValue(outputs, CUSTOM_BUS_OUTPUT_KEY);
  if (fromStack.eventBusName === undefined && busArn !== undefined && isCustomBusArn(busArn))
    fromStack.eventBusName = busArn;
  return {
    target,
    origin: `stack ${options.stack}`,
    ...(stackId === undefined ? {} : { stackId }),
    ...fromStack,
    ...flags,
  };
}

/** What an error message needs to say what the CLI could not reach. */
export function errorContext(resources: OutboxResources | undefined): ErrorContext {
  if (resources === undefined) return {};
  const names = {
    ...(resources.tableName === undefined ? {} : { tableName: resources.tableName }),
    ...(resources.dlqUrl === undefined ? {} : { dlqUrl: resources.dlqUrl }),
  };
  if (resources.target.kind !== 'local') return names;
  const hostPort = (url: string) => new URL(url).host;
  return {
    ...names,
    endpoints: new Map([
      [hostPort(resources.target.dynamoDbEndpoint), 'DynamoDB Local'],
      [hostPort(resources.target.busEndpoint), 'the local bus'],
    ]),
    connectionHint:
      'is `npm start` running? (local mode reads the ports from DYNAMODB_PORT and BUS_PORT)',
  };
}
