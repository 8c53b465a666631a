import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { fields } from './output.js';
import type { OutboxResources } from './resources.js';

/** Where a command that publishes or changes something is about to act. */
export interface OperatorTarget {
  /** The AWS account, `local mode`, or `unknown`. */
  readonly account: string;
  /** Where the account was read: `the stack's ARN`, `the event bus ARN`, … */
  readonly accountFrom: string;
  readonly region: string;
  /** Where the resource names came from: `stack Orders`, `local mode`, `flags`. */
  readonly resourcesFrom: string;
  readonly tableName?: string;
  readonly eventBusName?: string;
  readonly dlqUrl?: string;
}

/** What {@link describeTarget} reads the account and region with. */
export interface TargetDependencies {
  readonly eventBridge: Pick<EventBridgeClient, 'send'> & {
    readonly config: { readonly region: () => Promise<string> };
  };
}

const ACCOUNT = /^\d{12}$/;

/** The account field of an ARN (`arn:aws:service:region:account:…`), if it is one. */
function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account !== undefined && ACCOUNT.test(account) ? account : undefined;
}

/** The account in an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function accountOfQueueUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const account = new URL(url).pathname.split('/')[1];
    return account !== undefined && ACCOUNT.test(account) ? account : undefined;
  } catch {
    return undefined;
  }
}

/** The bus's ARN, if the caller may describe it (the run itself checks the bus again). */
async function busArn(deps: TargetDependencies, name: string): Promise<string | undefined> {
  try {
    return (await deps.eventBridge.send(new DescribeEventBusCommand({ Name: name }))).Arn;
  } catch {
    return undefined;
  }
}

/**
 * The account the command will act in, from what the CLI already reads:
 * `@aws-sdk/client-sts` (GetCallerIdentity) is not a dependency, but a stack found by name
 * (`--stack`) is in the caller's own account and its ARN says which; else the bus's ARN
 * (DescribeEventBus, which `replay` and `redrive` call before publishing anyway), else the
 * queue URL.
 */
async function account(
  resources: OutboxResources,
  deps: TargetDependencies,
): Promise<{ account: string; accountFrom: string }> {
  if (resources.target.kind === 'local')
    return { account: 'local mode', accountFrom: 'no AWS account' };
  const fromStack = accountOfArn(resources.stackId);
  if (fromStack !== undefined) return { account: fromStack, accountFrom: "the stack's ARN" };
  const fromBus =
    resources.eventBusName === undefined
      ? undefined
      : accountOfArn(await busArn(deps, resources.eventBusName));
  if (fromBus !== undefined) return { account: fromBus, accountFrom: 'the event bus ARN' };
  const fromQueue = accountOfQueueUrl(resources.dlqUrl);
  if (fromQueue !== undefined)
    return { account: fromQueue, accountFrom: 'the dead-letter queue URL' };
  return { account: 'unknown', accountFrom: 'no stack, bus or queue names it' };
}

/**
 * Where a command is about to act: account, region, and the resources it touches.
 *
 * @example
 * const target = await describeTarget(resources, clients);
 * process.stderr.write(renderTarget(target));
 */
export async function describeTarget(
  resources: OutboxResources,
  deps: TargetDependencies,
): Promise<OperatorTarget> {
  const region =
    resources.target.region ??
    (await deps.eventBridge.config.region().catch(() => 'unknown (none configured)'));
  return {
    ...(await account(resources, deps)),
    region,
    resourcesFrom: resources.origin,
    ...(resources.tableName === undefined ? {} : { tableName: resources.tableName }),
    ...(resources.eventBusName === undefined ? {} : { eventBusName: resources.eventBusName }),
    ...(resources.dlqUrl === undefined ? {} : { dlqUrl: resources.dlqUrl }),
  };
}

/** The target as `label: value` lines. */
export function renderTarget(target: OperatorTarget): string {
  return fields([
    ['account', `${target.account} (${target.accountFrom})`],
    ['region', target.region],
    ['resources from', target.resourcesFrom],
    ['table', target.tableName],
    ['event bus', target.eventBusName],
    ['dead-letter queue', target.dlqUrl],
  ]);
}
