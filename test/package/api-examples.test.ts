import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiExample,
  apiExamples,
  compileExamples,
  loadApiProject,
  missingExamples,
  pageExamples,
} from './api-examples.js';

/**
 * The API reference is part of the product: every exported symbol shows how it is used,
 * and what it shows compiles against the package's own entry points.
 */
describe('the public API reference', () => {
  let project: Awaited<ReturnType<typeof loadApiProject>>;
  beforeAll(async () => {
    project = await loadApiProject();
  }, 120_000);

  it('has an @example on every symbol exported by dynamo-outbox and dynamo-outbox/runtime', () => {
    const { total, missing } = missingExamples(project);

    expect(total).toBeGreaterThan(0);
    expect(missing.map((m) => `${m.file}: ${m.name}`)).toEqual([]);
  });

  it('compiles every example as a program of its own, importing from the package names', () => {
    const examples = apiExamples(project);

    const problems = compileExamples(examples);

    expect(examples.length).toBeGreaterThanOrEqual(missingExamples(project).total);
    expect(problems.map((p) => `${p.owner} (${p.file}) line ${p.line}: ${p.message}`)).toEqual([]);
  }, 120_000);

  it('compiles every block of the docs pages that imports the package', () => {
    const examples = pageExamples();

    const problems = compileExamples(examples);

    expect(examples.map((e) => e.file)).toEqual(
      expect.arrayContaining(['docs/construct.md', 'docs/consumer.md', 'docs/writer.md']),
    );
    expect(problems.map((p) => `${p.file} line ${p.line}: ${p.message}`)).toEqual([]);
  }, 120_000);

  it('fails if an example uses a name it does not import or gets a type wrong', () => {
    const broken: ApiExample[] = [
      {
        owner: 'Unimported',
        file: 'x.ts',
        code: "new OutboxWriter({ client, tableName: 'outbox' });",
      },
      {
        owner: 'WrongType',
        file: 'x.ts',
        code: "import type { OutboxWriteInput } from 'dynamo-outbox/runtime';\nconst input: OutboxWriteInput = { aggregate: { type: 'Order' } };\n",
      },
      {
        owner: 'Fine',
        file: 'x.ts',
        code: "import { OUTBOX_METRICS_NAMESPACE } from 'dynamo-outbox';\nconsole.log(OUTBOX_METRICS_NAMESPACE);\n",
      },
    ];

    const owners = new Set(compileExamples(broken).map((p) => p.owner));

    expect([...owners].sort()).toEqual(['Unimported', 'WrongType']);
  }, 120_000);
});
