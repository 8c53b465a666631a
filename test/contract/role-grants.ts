import { type StackTemplate, UnsupportedTemplateError } from './stack-template.js';

/** One action on one resource pattern, as a statement of the function's role states it. */
export interface Grant {
  readonly effect: 'Allow' | 'Deny';
  /** An action pattern, e.g. `dynamodb:PutItem` or `dynamodb:Get*`. */
  readonly action: string;
  /** A resource pattern, rendered symbolically, e.g. `{Outbox/Table.Arn}/index/*`. */
  readonly resource: string;
  /** The policy that states it (construct path). */
  readonly policy: string;
}

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly [key: string]: unknown;
}

interface PolicyDocument {
  readonly Statement?: readonly Statement[] | Statement;
}

/** Statement elements that would change the answer and that the contract cannot evaluate. */
const UNSUPPORTED_ELEMENTS = ['NotAction', 'NotResource', 'Condition', 'NotPrincipal'];

/**
 * Every action-on-resource the function's execution role states: policies attached to the
 * role (`AWS::IAM::Policy`, customer managed policies), its inline policies. An AWS
 * managed policy, a permissions boundary or a statement with a condition is refused
 * rather than guessed at.
 *
 * @throws UnsupportedTemplateError for what it cannot evaluate
 * @example
 * grantsOf(template, 'OutboxRelay5EB66629'); // [{ effect: 'Allow', action: 'events:PutEvents', … }]
 */
export function grantsOf(template: StackTemplate, functionId: string): Grant[] {
  return grantsOfRole(
    template,
    roleIdOf(template, functionId, template.resource(functionId).Properties?.Role),
  );
}

/**
 * Every action-on-resource a role of the template states, as {@link grantsOf} reads them:
 * for a role no function of ours assumes (a subscriber's delivery role).
 *
 * @throws UnsupportedTemplateError for what it cannot evaluate
 */
export function grantsOfRole(template: StackTemplate, roleId: string): Grant[] {
  return documentsOfRole(template, roleId).flatMap(({ policy, document }) =>
    statementsOf(document).flatMap((statement) => grantsOfStatement(template, policy, statement)),
  );
}

/**
 * The logical id of the role a resource names (a function's `Role`, a subscriber's
 * `InvokeConfiguration.RoleArn`).
 *
 * @throws UnsupportedTemplateError when it is not a role of this template
 */
export function roleIdOf(template: StackTemplate, ownerId: string, roleArn: unknown): string {
  const roleId = template.referencedId(roleArn);
  if (roleId === undefined || template.resources[roleId]?.Type !== 'AWS::IAM::Role') {
    throw new UnsupportedTemplateError(
      `${template.pathOf(ownerId)}: its role is not a role of this template`,
    );
  }
  return roleId;
}

function documentsOfRole(
  template: StackTemplate,
  roleId: string,
): { readonly policy: string; readonly document: PolicyDocument }[] {
  const role = template.resource(roleId).Properties ?? {};
  if (role.PermissionsBoundary !== undefined) {
    throw new UnsupportedTemplateError(`${template.pathOf(roleId)} has a permissions boundary`);
  }
  const inline = ((role.Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []).map(
    (p) => ({ policy: template.pathOf(roleId), document: p.PolicyDocument }),
  );
  const managed = ((role.ManagedPolicyArns as unknown[] | undefined) ?? []).map((arn) => {
    const id = template.referencedId(arn);
    if (id === undefined) {
      throw new UnsupportedTemplateError(
        `${template.pathOf(roleId)} has the AWS managed policy ${JSON.stringify(arn)}, whose document the contract does not know`,
      );
    }
    return { policy: template.pathOf(id), document: policyDocumentOf(template, id) };
  });
  const attached = [
    ...template.idsOfType('AWS::IAM::Policy'),
    ...template.idsOfType('AWS::IAM::ManagedPolicy'),
  ]
    .filter((id) =>
      ((template.resource(id).Properties?.Roles as unknown[] | undefined) ?? []).some(
        (r) => template.referencedId(r) === roleId,
      ),
    )
    .map((id) => ({ policy: template.pathOf(id), document: policyDocumentOf(template, id) }));
  return [...inline, ...managed, ...attached];
}

function policyDocumentOf(template: StackTemplate, policyId: string): PolicyDocument {
  return (template.resource(policyId).Properties?.PolicyDocument ?? {}) as PolicyDocument;
}

function statementsOf(document: PolicyDocument): readonly Statement[] {
  const statements = document.Statement ?? [];
  return Array.isArray(statements) ? statements : [statements as Statement];
}

function grantsOfStatement(template: StackTemplate, policy: string, statement: Statement): Grant[] {
  const unsupported = UNSUPPORTED_ELEMENTS.filter((element) => statement[element] !== undefined);
  if (unsupported.length > 0) {
    throw new UnsupportedTemplateError(
      `${policy}: a statement with ${unsupported.join(', ')} cannot be evaluated by the contract`,
    );
  }
  const effect = statement.Effect === 'Deny' ? 'Deny' : 'Allow';
  const actions = asList(statement.Action).map(String);
  const resources = asList(statement.Resource).map((r) => template.render(r));
  return actions.flatMap((action) =>
    resources.map((resource) => ({ effect, action, resource, policy }) as const),
  );
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
