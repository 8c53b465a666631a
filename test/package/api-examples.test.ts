import { beforeAll, describe, expect, it } from 'vitest';
import { apiProject } from '../helpers/api-reflections.js';
import {
  type ApiExample,
  apiExamples,
  compileExamples,
  ENTRY_POINT_SYMBOLS,
  entryPointsWithoutExample,
  loadApiProject,
  pageExamples,
  undocumentedSymbols,
} from './api-examples.js';

/**
 * The API reference is part of the product: every exported symbol says what it is, the
 * entry points an adopter starts from show how they are used, and what they show compiles
 * against the package's own entry points.
 */
describe('the public API reference', () => {
  let project: Awaited<ReturnType<typeof loadApiProject>>;
  beforeAll(async () => {
    project = await loadApiProject();
  }, 120_000);

  it('has a doc on every symbol exported by dynamo-outbox and dynamo-outbox/runtime', () => {
    const { total, missing } = undocumentedSymbols(project);

    expect(total).toBeGreaterThan(0);
    expect(missing.map((m) => `${m.file}: ${m.name}`)).toEqual([]);
  });

  it('keeps an @example on each entry point an adopter starts from', () => {
    const missing = entryPointsWithoutExample(project);

    expect(missing.map((m) => `${m.entryPoint}: ${m.name}`)).toEqual([]);
  });

  it('compiles every example as a program of its own, importing from the package names', () => {
    const examples = apiExamples(project);

    const problems = compileExamples(examples);

    const owners = new Set(examples.map((e) => e.owner));
    expect(ENTRY_POINT_SYMBOLS.filter((name) => !owners.has(name))).toEqual([]);
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

  it('fails if an exported symbol has no doc or only a bare tag', () => {
    const fixture = apiProject({
      'dynamo-outbox/runtime': [
        { name: 'Documented', summary: 'Thrown when the version moved on.' },
        { name: 'Undocumented' },
        { name: 'Blank', summary: '  ' },
        { name: 'OnlyExample', example: "console.log('x');\n" },
      ],
    });

    const { total, missing } = undocumentedSymbols(fixture);

    expect(total).toBe(4);
    expect(missing.map((m) => m.name)).toEqual(['Undocumented', 'Blank', 'OnlyExample']);
  });

  it('fails if an entry point loses its @example or is no longer exported', () => {
    const fixture = apiProject({
      'dynamo-outbox/runtime': [
        {
          name: 'Writer',
          summary: 'Writes.',
          example: "console.log('w');\n",
          members: [{ name: 'fromEnvironment', summary: 'From the environment.' }],
        },
        { name: 'Inbox', summary: 'De-duplicates.' },
      ],
    });

    const missing = entryPointsWithoutExample(fixture, [
      'Writer',
      'Writer.fromEnvironment',
      'Inbox',
      'Gone',
    ]);

    expect(missing.map((m) => `${m.entryPoint}: ${m.name}`)).toEqual([
      'dynamo-outbox/runtime: Writer.fromEnvironment',
      'dynamo-outbox/runtime: Inbox',
      '(not exported): Gone',
    ]);
  });

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

  it('fails if an example in the fixture project does not compile', () => {
    const fixture = apiProject({
      'dynamo-outbox/runtime': [
        { name: 'Broken', summary: 'Broken.', example: 'const n: number = "one";\n' },
      ],
    });

    const problems = compileExamples(apiExamples(fixture));

    expect(problems.map((p) => `${p.owner} line ${p.line}`)).toEqual(['Broken line 1']);
  }, 120_000);
});
