import { customBusArn as localCustomBusArn } from '../../local/bus/custom-bus-arn.js';
import { type StackTemplate, UnsupportedTemplateError } from './stack-template.js';

const TABLE_TYPES = new Set(['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table']);
const BUS_TYPE = 'AWS::Events::EventBus';
/** The enhanced Custom Event Bus (eventbridgev2). */
const CUSTOM_BUS_TYPE = 'AWS::EventsV2::EventBus';
/** Its attribute that policies and the delivering Lambdas' `EVENT_BUS_ARN` name. */
const CUSTOM_BUS_ARN_ATTRIBUTE = 'EventBusArn';
const QUEUE_TYPE = 'AWS::SQS::Queue';
/** The region and account the local bus puts in queue URLs and ARNs. */
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';
/** `event-busv2/<name>/<id>`, the resource part of a Custom Event Bus ARN (eb-custom-bus-names). */
const CUSTOM_BUS_RESOURCE = /^arn:[^:]+:events:[^:]*:[^:]*:event-busv2\/([^/]+)\/[^/]+$/;

/**
 * The names a contract run gives the template's resources: a table, a bus or a Custom
 * Event Bus is named by its logical id (the Custom Event Bus's ARN is the one the local bus
 * gives that name), a queue's URL ends in it. A function's environment is the template's
 * with every token replaced that way, so each table name, bus name or ARN, or queue URL a
 * recorded call carries leads back to one template resource, and from it to the ARN its
 * role's policies name (`{Outbox/Table.Arn}`, `{Outbox/CustomBus.EventBusArn}`).
 *
 * @example
 * const names = new LocalResourceNames(template, bus.url);
 * process.env = { ...process.env, ...names.environmentOf('OutboxRelay5EB66629') };
 * names.tableArn('OutboxTableF17138FA'); // '{Outbox/Table.Arn}'
 */
export class LocalResourceNames {
  constructor(
    private readonly template: StackTemplate,
    /** Where the local SQS endpoint listens: queue URLs start with it. */
    private readonly queueEndpoint: string,
  ) {}

  /**
   * The function's environment variables, tokens replaced by local names.
   *
   * @throws UnsupportedTemplateError for a token other than a table, bus or queue `Ref`, or
   * a Custom Event Bus's `EventBusArn`
   */
  environmentOf(functionId: string): Record<string, string> {
    const environment = this.template.resource(functionId).Properties?.Environment as
      | { Variables?: Record<string, unknown> }
      | undefined;
    return Object.fromEntries(
      Object.entries(environment?.Variables ?? {}).map(([name, value]) => [
        name,
        this.localValue(name, value),
      ]),
    );
  }

  /** The local name of a table (its logical id). */
  tableName(logicalId: string): string {
    return logicalId;
  }

  /** The local name of a bus (its logical id). */
  busName(logicalId: string): string {
    return logicalId;
  }

  /** The local name of a Custom Event Bus (its logical id). */
  customBusName(logicalId: string): string {
    return logicalId;
  }

  /**
   * The local ARN of a Custom Event Bus: the one the local bus gives a bus of its
   * {@link customBusName} (a function of the name, as AWS's is of the bus it creates).
   */
  customBusLocalArn(logicalId: string): string {
    return localCustomBusArn(LOCAL_REGION, LOCAL_ACCOUNT, this.customBusName(logicalId));
  }

  /** The local URL of a queue. */
  queueUrl(logicalId: string): string {
    return `${this.queueEndpoint}/${LOCAL_ACCOUNT}/${logicalId}`;
  }

  /** The ARN a policy names for the table a call names, or an unknown-table marker. */
  tableArn(tableName: string): string {
    return this.arnOf(tableName, (type) => TABLE_TYPES.has(type), `dynamodb:table/${tableName}`);
  }

  /** The ARN a policy names for a bus given by name or ARN. */
  busArn(busNameOrArn: string): string {
    const name = busNameOrArn.replace(/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, '');
    return this.arnOf(name, (type) => type === BUS_TYPE, `events:event-bus/${name}`);
  }

  /**
   * The ARN a policy names for the Custom Event Bus a call addresses by ARN
   * (`{Outbox/CustomBus.EventBusArn}`), or an unknown-bus marker: only the exact local ARN
   * of a template bus is that bus (a re-created bus has another id, so another ARN).
   */
  customBusArn(eventBusArn: string): string {
    const name = CUSTOM_BUS_RESOURCE.exec(eventBusArn)?.[1];
    const id = name !== undefined && eventBusArn === this.customBusLocalArn(name) ? name : '';
    const unknown = `events:${eventBusArn.replace(/^arn:[^:]+:events:[^:]*:[^:]*:/, '')}`;
    return this.arnOf(id, (type) => type === CUSTOM_BUS_TYPE, unknown, CUSTOM_BUS_ARN_ATTRIBUTE);
  }

  /** The ARN a policy names for a queue given by URL. */
  queueArn(queueUrl: string): string {
    const name =
      queueUrl
        .split('/')
        .filter((part) => part !== '')
        .at(-1) ?? queueUrl;
    return this.arnOf(name, (type) => type === QUEUE_TYPE, `sqs:${queueUrl}`);
  }

  private arnOf(
    logicalId: string,
    typeFits: (type: string) => boolean,
    unknown: string,
    attribute = 'Arn',
  ): string {
    const resource = this.template.resources[logicalId];
    // Only a wildcard grant can match a resource that is not in the template.
    if (resource === undefined || !typeFits(resource.Type)) return `arn:not-in-template:${unknown}`;
    return `{${this.template.pathOf(logicalId)}.${attribute}}`;
  }

  private localValue(variable: string, value: unknown): string {
    if (typeof value === 'string') return value;
    const customBusId = this.customBusOf(value);
    if (customBusId !== undefined) return this.customBusLocalArn(customBusId);
    const id = (value as { Ref?: unknown })?.Ref;
    const type = typeof id === 'string' ? this.template.resources[id]?.Type : undefined;
    if (typeof id === 'string' && type !== undefined) {
      if (TABLE_TYPES.has(type)) return this.tableName(id);
      if (type === BUS_TYPE) return this.busName(id);
      if (type === QUEUE_TYPE) return this.queueUrl(id);
    }
    throw new UnsupportedTemplateError(
      `${variable}: cannot give ${JSON.stringify(value)} a local name; extend LocalResourceNames`,
    );
  }

  /** The logical id of the Custom Event Bus whose `EventBusArn` the value is, if it is one. */
  private customBusOf(value: unknown): string | undefined {
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
    if (!Array.isArray(getAtt) || getAtt[1] !== CUSTOM_BUS_ARN_ATTRIBUTE) return undefined;
    const id = String(getAtt[0]);
    return this.template.resources[id]?.Type === CUSTOM_BUS_TYPE ? id : undefined;
  }
}
