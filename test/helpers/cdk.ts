import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { WrongBusKindError } from '../../lib/outbox-bus.js';

/**
 * An app whose stacks skip Lambda bundling: templates in milliseconds. The one test that
 * bundles for real synthesizes `bin/app.ts` with the CDK CLI.
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** A stack in a {@link testApp}. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Test');
}

/** A CloudWatch metric as a template or a construct names it; values may be CFN tokens. */
export interface ReferencedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, unknown>>;
  /** Where it was found, for failure messages: `alarm X`, `dashboard Y`, `outbox.metricZ()`. */
  readonly from: string;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface CfnMetric {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions?: readonly { Name: string; Value: unknown }[];
}

const resourcesOf = (template: Template) =>
  (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;

const dimensionsOf = (dimensions: CfnMetric['Dimensions']) =>
  Object.fromEntries((dimensions ?? []).map((d) => [d.Name, d.Value]));

/** Every metric the template's alarms watch, metric-math alarms included. */
export function alarmMetrics(template: Template): ReferencedMetric[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm')).flatMap(
    ([id, resource]) => {
      const alarm = (resource as CfnResource).Properties as Partial<CfnMetric> & {
        Metrics?: readonly { MetricStat?: { Metric: CfnMetric } }[];
      };
      const single =
        alarm.MetricName === undefined || alarm.Namespace === undefined
          ? []
          : [
              {
                Namespace: alarm.Namespace,
                MetricName: alarm.MetricName,
                Dimensions: alarm.Dimensions,
              },
            ];
      const math = (alarm.Metrics ?? []).flatMap((q) =>
        q.MetricStat ? [q.MetricStat.Metric] : [],
      );
      return [...single, ...math].map((m) => ({
        namespace: m.Namespace,
        metricName: m.MetricName,
        dimensions: dimensionsOf(m.Dimensions),
        from: `alarm ${id}`,
      }));
    },
  );
}

const TOKEN = /^@@token:([\w-]+)@@$/;

/** Flattens a DashboardBody `Fn::Join`, keeping each token as a marker that survives JSON. */
function joinBody(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(joinBody).join(join[0]);
  return `@@token:${Buffer.from(JSON.stringify(value)).toString('base64url')}@@`;
}

/** A dashboard value back as what the template holds: a string or the CFN token object. */
function untoken(value: string): unknown {
  const marker = TOKEN.exec(value);
  return marker?.[1] === undefined
    ? value
    : JSON.parse(Buffer.from(marker[1], 'base64url').toString('utf8'));
}

/** Every metric the template's dashboards graph (`[namespace, name, dim, value, …, {options}]`). */
export function dashboardMetrics(template: Template): ReferencedMetric[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Dashboard')).flatMap(
    ([id, resource]) => {
      const body = JSON.parse(joinBody((resource as CfnResource).Properties?.DashboardBody)) as {
        widgets: { properties?: { title?: string; metrics?: unknown[][] } }[];
      };
      return body.widgets.flatMap((widget) =>
        (widget.properties?.metrics ?? []).flatMap((row) => {
          const [namespace, metricName, ...pairs] = row.filter(
            (part): part is string => typeof part === 'string',
          );
          if (namespace === undefined || metricName === undefined) return [];
          const dimensions: Record<string, unknown> = {};
          for (let i = 0; i + 1 < pairs.length; i += 2) {
            dimensions[pairs[i] as string] = untoken(pairs[i + 1] as string);
          }
          return [
            {
              namespace,
              metricName,
              dimensions,
              from: `dashboard ${id} widget "${widget.properties?.title ?? ''}"`,
            },
          ];
        }),
      );
    },
  );
}

/**
 * What every public `metricXxx()` method of a construct returns, its tokens resolved. A
 * method of the other bus kind (it throws `WrongBusKindError`, e.g. `metricEventsDeduplicated()`
 * on a classic outbox) names no metric of this deployment and is left out; any other error
 * is thrown.
 */
export function metricMethods(construct: IConstruct, label: string): ReferencedMetric[] {
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(construct)).filter((name) =>
    /^metric[A-Z]/.test(name),
  );
  return names.flatMap((name) => {
    const method = Reflect.get(construct, name) as (this: IConstruct) => Metric;
    const metric = metricOfThisBusKind(() => method.call(construct));
    if (metric === undefined) return [];
    return [
      {
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: Stack.of(construct).resolve(metric.dimensions ?? {}) as Record<string, unknown>,
        from: `${label}.${name}()`,
      },
    ];
  });
}

/** The metric `read` returns, or undefined when it belongs to the other bus kind. */
function metricOfThisBusKind(read: () => Metric): Metric | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof WrongBusKindError) return undefined;
    throw error;
  }
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** A value CloudFormation could give a token: names, URLs and ARNs that look like AWS's. */
function plausible(value: unknown, resources: Record<string, CfnResource>): string {
  if (typeof value === 'string') return value;
  const token = value as {
    Ref?: string;
    'Fn::GetAtt'?: [string, string];
    'Fn::Join'?: [string, unknown[]];
  };
  if (token.Ref !== undefined) {
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[token.Ref] !== undefined) return pseudo[token.Ref] as string;
    // Ref of a queue is its URL; of a table, a bus or a function, its name.
    return resources[token.Ref]?.Type === 'AWS::SQS::Queue'
      ? `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${token.Ref}`
      : token.Ref;
  }
  if (token['Fn::GetAtt'] !== undefined) {
    const [id, attribute] = token['Fn::GetAtt'];
    if (attribute === 'QueueUrl') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
    if (attribute.endsWith('Arn')) return `arn:aws:service:${REGION}:${ACCOUNT}:${id}`;
    return id;
  }
  if (token['Fn::Join'] !== undefined) {
    const [separator, parts] = token['Fn::Join'];
    return parts.map((part) => plausible(part, resources)).join(separator);
  }
  throw new Error(`no plausible value for ${JSON.stringify(value)}`);
}

/**
 * The environment the template gives a Lambda function, each token replaced by a plausible
 * value (a queue's URL, a table's name …), as the function would see it once deployed.
 */
export function deployedEnvironment(template: Template, logicalId: string): Record<string, string> {
  const resources = resourcesOf(template);
  const variables =
    (resources[logicalId]?.Properties?.Environment as { Variables?: Record<string, unknown> })
      ?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, plausible(value, resources)]),
  );
}

/**
 * Logical ids of the queues something dead-letters into: a Lambda's `DLQ_URL`, an event
 * source mapping's on-failure destination, a rule target's dead-letter queue, a subscriber's
 * on-failure queue, a queue's redrive target.
 */
export function deadLetterQueueIds(template: Template): Set<string> {
  const ids = new Set<string>();
  const refOf = (value: unknown) =>
    (value as { Ref?: string } | undefined)?.Ref ??
    (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  const add = (value: unknown) => {
    const id = refOf(value);
    if (id !== undefined) ids.add(id);
  };
  for (const resource of Object.values(resourcesOf(template))) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') {
      add(
        (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.DLQ_URL,
      );
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      add(
        (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
          ?.Destination,
      );
    }
    if (resource.Type === 'AWS::Events::Rule') {
      for (const target of (p.Targets as { DeadLetterConfig?: { Arn?: unknown } }[]) ?? []) {
        add(target.DeadLetterConfig?.Arn);
      }
    }
    if (resource.Type === 'AWS::EventsV2::Subscriber') {
      add((p.OnFailureConfiguration as { Arn?: unknown } | undefined)?.Arn);
    }
    if (resource.Type === 'AWS::SQS::Queue') {
      add((p.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
    }
  }
  return ids;
}
