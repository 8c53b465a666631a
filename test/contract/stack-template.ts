import { CfnResource, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized CloudFormation template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** A template construct the contract cannot interpret: it refuses to guess. */
export class UnsupportedTemplateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedTemplateError';
  }
}

const PSEUDO_PARAMETER = /^AWS::/;

/**
 * A synthesized stack's template, with each resource's construct path (`Outbox/Relay`) so
 * that findings name what a reader knows, not `OutboxRelay5EB66629`. Intrinsics are
 * rendered symbolically: `{Fn::GetAtt: [table, 'Arn']}` is `{Outbox/Table.Arn}`, a join
 * is the concatenation of its parts, a pseudo parameter is `{AWS::Region}`.
 *
 * @example
 * const template = StackTemplate.synthesize(new OrdersServiceStack(testApp(), 'Orders'));
 * template.render({ 'Fn::GetAtt': ['OutboxTableF17138FA', 'Arn'] }); // '{Outbox/Table.Arn}'
 */
export class StackTemplate {
  private constructor(
    readonly resources: Readonly<Record<string, TemplateResource>>,
    private readonly paths: ReadonlyMap<string, string>,
  ) {}

  /** Synthesizes the stack (offline: the test app skips bundling). */
  static synthesize(stack: Stack): StackTemplate {
    const json = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, TemplateResource>;
    };
    const paths = new Map<string, string>();
    for (const construct of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(construct)) continue;
      const logicalId = stack.resolve(construct.logicalId) as string;
      paths.set(logicalId, relativePath(stack.node.path, construct.node.path));
    }
    return new StackTemplate(json.Resources, paths);
  }

  /** A template from its JSON (unit tests); paths are the logical ids. */
  static fromJson(resources: Record<string, TemplateResource>): StackTemplate {
    return new StackTemplate(resources, new Map(Object.keys(resources).map((id) => [id, id])));
  }

  /** @throws UnsupportedTemplateError when there is no such resource */
  resource(logicalId: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (resource === undefined)
      throw new UnsupportedTemplateError(`no resource ${logicalId} in the template`);
    return resource;
  }

  /** Logical ids of the resources of a type, in template order. */
  idsOfType(type: string): string[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** The construct path of a resource, relative to the stack, without `/Resource`. */
  pathOf(logicalId: string): string {
    return this.paths.get(logicalId) ?? logicalId;
  }

  /** The logical id a `{Ref}` or `{Fn::GetAtt}` points at, or undefined for anything else. */
  referencedId(expression: unknown): string | undefined {
    const e = expression as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
    if (typeof e?.Ref === 'string' && !PSEUDO_PARAMETER.test(e.Ref)) return e.Ref;
    const getAtt = e?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    return undefined;
  }

  /**
   * Renders a value symbolically (see the class comment).
   *
   * @throws UnsupportedTemplateError for an intrinsic it does not know (Fn::Sub, Fn::If …)
   */
  render(expression: unknown): string {
    if (typeof expression === 'string') return expression;
    const e = expression as Record<string, unknown>;
    const ref = e?.Ref;
    if (typeof ref === 'string') {
      return PSEUDO_PARAMETER.test(ref) ? `{${ref}}` : `{${this.pathOf(ref)}}`;
    }
    const getAtt = e?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2) {
      return `{${this.pathOf(String(getAtt[0]))}.${String(getAtt[1])}}`;
    }
    const join = e?.['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part) => this.render(part)).join(join[0]);
    }
    throw new UnsupportedTemplateError(
      `cannot interpret ${JSON.stringify(expression)}: extend StackTemplate.render`,
    );
  }
}

/** `Stack/Outbox/Relay/Resource` → `Outbox/Relay`. */
function relativePath(stackPath: string, path: string): string {
  return path.slice(stackPath.length + 1).replace(/(\/(Resource|Default))+$/, '');
}
