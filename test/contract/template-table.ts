import type {
  IndexDefinition,
  KeyAttributeDefinition,
  TableDefinition,
} from '../../lambdas/outbox/schema.js';
import { type TemplateResource, UnsupportedTemplateError } from './stack-template.js';

interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

interface TableProperties {
  readonly AttributeDefinitions?: readonly { AttributeName: string; AttributeType: string }[];
  readonly KeySchema?: readonly KeySchemaElement[];
  readonly GlobalSecondaryIndexes?: readonly {
    IndexName: string;
    KeySchema: readonly KeySchemaElement[];
    Projection?: { ProjectionType?: string };
  }[];
  readonly StreamSpecification?: { StreamViewType?: TableDefinition['stream'] };
  readonly TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
}

/**
 * The table a template deploys, as the project's `TableDefinition` (keys, indexes, stream,
 * TTL): the contract runs against tables shaped by what `cdk deploy` creates.
 *
 * @throws UnsupportedTemplateError for a shape the definition cannot express
 */
export function tableDefinitionOf(resource: TemplateResource): TableDefinition {
  const p = (resource.Properties ?? {}) as TableProperties;
  const typeOf = (name: string): KeyAttributeDefinition => {
    const type = p.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (type !== 'S' && type !== 'N') {
      throw new UnsupportedTemplateError(`key attribute ${name} has type ${String(type)}`);
    }
    return { name, type };
  };
  const keys = (schema: readonly KeySchemaElement[]) => {
    const hash = schema.find((k) => k.KeyType === 'HASH');
    const range = schema.find((k) => k.KeyType === 'RANGE');
    if (hash === undefined) throw new UnsupportedTemplateError('a key schema without HASH key');
    return {
      partitionKey: typeOf(hash.AttributeName),
      ...(range === undefined ? {} : { sortKey: typeOf(range.AttributeName) }),
    };
  };
  const indexes = (p.GlobalSecondaryIndexes ?? []).map((index): IndexDefinition => {
    const projection = index.Projection?.ProjectionType ?? 'ALL';
    if (projection !== 'ALL' && projection !== 'KEYS_ONLY') {
      throw new UnsupportedTemplateError(`index ${index.IndexName} projects ${projection}`);
    }
    return { indexName: index.IndexName, ...keys(index.KeySchema), projection };
  });
  const ttl = p.TimeToLiveSpecification;
  return {
    ...keys(p.KeySchema ?? []),
    globalSecondaryIndexes: indexes,
    ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
    ...(p.StreamSpecification?.StreamViewType
      ? { stream: p.StreamSpecification.StreamViewType }
      : {}),
  };
}
