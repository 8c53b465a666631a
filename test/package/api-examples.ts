/**
 * `npm run docs:check`: every symbol the package exports (from `dynamo-outbox` and
 * `dynamo-outbox/runtime`) must carry a doc (a summary in its TSDoc, on the declaration or
 * on one of its signatures), the entry points an adopter starts from keep an `@example`,
 * and every example must compile. Errors and constants need one line saying when they
 * happen or what they mean, not an example. An example is a whole program an adopter can
 * paste: it imports what it uses from `dynamo-outbox` or `dynamo-outbox/runtime` (mapped to
 * this repository's entry points) and is type-checked with the project's strict options.
 * Reads typedoc.json like `npm run docs`, prints what is missing or broken, grouped by
 * source file, and exits 1 if anything is.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Application,
  type Comment,
  type DeclarationReflection,
  type ProjectReflection,
  TSConfigReader,
  TypeDocReader,
} from 'typedoc';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A public symbol (or entry point member) the check found wanting. */
export interface MissingDoc {
  readonly entryPoint: string;
  readonly name: string;
  readonly file: string;
}

/**
 * Where adopters start, so where a compiled example earns its lines: the constructs, the
 * writer, the consumer kit. `Class.member` names a member's own example.
 */
export const ENTRY_POINT_SYMBOLS: readonly string[] = [
  'TransactionalOutbox',
  'OutboxConsumer',
  'OutboxWriter',
  'OutboxWriter.fromEnvironment',
  'sqsOutboxConsumer',
  'eventBridgeOutboxConsumer',
  'Inbox',
  'consumeOutboxEvent',
];

/** One fenced TypeScript block of an `@example`, and whose example it is. */
export interface ApiExample {
  /** `OutboxWriter`, `OutboxWriter.write`, or the module's name for its own example. */
  readonly owner: string;
  readonly file: string;
  readonly code: string;
}

/** A compile error in an example, with its line inside the example. */
export interface ExampleProblem {
  readonly owner: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Loads the TypeDoc project the way `npm run docs` does (typedoc.json, tsconfig.build.json). */
export async function loadApiProject(): Promise<ProjectReflection> {
  const app = await Application.bootstrapWithPlugins(
    { logLevel: 'Error', disableSources: false, sourceLinkTemplate: '{path}' },
    [new TypeDocReader(), new TSConfigReader()],
  );
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the project');
  return project;
}

/** The exported symbols of each entry point whose TSDoc has no summary. */
export function undocumentedSymbols(project: ProjectReflection): {
  total: number;
  missing: MissingDoc[];
} {
  const missing: MissingDoc[] = [];
  let total = 0;
  for (const entryPoint of project.children ?? []) {
    for (const symbol of entryPoint.children ?? []) {
      total++;
      if (commentsOf(symbol).some(hasSummary)) continue;
      missing.push({ entryPoint: entryPoint.name, name: symbol.name, file: fileOf(symbol) });
    }
  }
  return { total, missing };
}

/** The {@link ENTRY_POINT_SYMBOLS} that are not exported or carry no `@example`. */
export function entryPointsWithoutExample(
  project: ProjectReflection,
  names: readonly string[] = ENTRY_POINT_SYMBOLS,
): MissingDoc[] {
  const found = new Map<string, { entryPoint: string; reflection: DeclarationReflection }>();
  for (const entryPoint of project.children ?? []) {
    for (const symbol of entryPoint.children ?? []) {
      found.set(symbol.name, { entryPoint: entryPoint.name, reflection: symbol });
      for (const member of symbol.children ?? []) {
        found.set(`${symbol.name}.${member.name}`, {
          entryPoint: entryPoint.name,
          reflection: member,
        });
      }
    }
  }
  return names.flatMap((name) => {
    const hit = found.get(name);
    if (hit && commentsOf(hit.reflection).some((comment) => comment.getTag('@example'))) return [];
    return [
      {
        entryPoint: hit?.entryPoint ?? '(not exported)',
        name,
        file: hit ? fileOf(hit.reflection) : '?',
      },
    ];
  });
}

/**
 * Every fenced `ts` block of every `@example` in the public API: on the entry points, on the
 * exported symbols, and on their members (a method's or a property's own example).
 */
export function apiExamples(project: ProjectReflection): ApiExample[] {
  const examples: ApiExample[] = [];
  const collect = (owner: string, file: string, comments: readonly Comment[]) => {
    for (const comment of comments) {
      for (const tag of comment.getTags('@example')) {
        const text = tag.content.map((part) => part.text).join('');
        for (const match of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
          if (['ts', 'typescript', ''].includes(match[1] ?? '')) {
            examples.push({ owner, file, code: match[2] ?? '' });
          }
        }
      }
    }
  };
  for (const entryPoint of project.children ?? []) {
    collect(
      entryPoint.name,
      `${entryPoint.name} (module)`,
      entryPoint.comment ? [entryPoint.comment] : [],
    );
    for (const symbol of entryPoint.children ?? []) {
      collect(symbol.name, fileOf(symbol), commentsOf(symbol));
      for (const member of symbol.children ?? []) {
        collect(`${symbol.name}.${member.name}`, fileOf(symbol), commentsOf(member));
      }
    }
  }
  // The same declaration may be reached twice (a symbol re-exported by both entry points).
  const seen = new Set<string>();
  return examples.filter((example) => {
    const key = `${example.owner}\n${example.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The fenced TypeScript blocks of the `docs/` pages and the README that import the
 * package (`dynamo-outbox` or `dynamo-outbox/runtime`): whole programs a reader may paste.
 * Blocks without such an import are fragments that continue the page's prose.
 */
export function pageExamples(): ApiExample[] {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  return pages.flatMap((page) =>
    [...readFileSync(join(root, page), 'utf8').matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .filter((code) => /^import .* from 'dynamo-outbox(\/runtime)?';$/m.test(code))
      .map((code) => ({ owner: page, file: page, code })),
  );
}

/**
 * Type-checks every example as its own ES module, with the package names mapped to the
 * repository's entry points, and returns the errors found.
 */
export function compileExamples(examples: readonly ApiExample[]): ExampleProblem[] {
  // One folder per process: two checks may run at once (CLI and test run).
  const dir = join(root, 'node_modules', '.cache', 'api-examples', String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const owners = new Map<string, ApiExample>();
  examples.forEach((example, index) => {
    const file = join(dir, `example-${index}.ts`);
    // `export {}` keeps an example without imports a module, so examples never share scope.
    writeFileSync(file, `${example.code}\nexport {};\n`);
    owners.set(file, example);
  });
  const program = ts.createProgram([...owners.keys()], {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    paths: {
      'dynamo-outbox': [join(root, 'package', 'index.ts')],
      'dynamo-outbox/runtime': [join(root, 'package', 'runtime.ts')],
    },
  });
  const problems: ExampleProblem[] = [];
  const diagnostics = ts.getPreEmitDiagnostics(program);
  rmSync(dir, { recursive: true, force: true });
  for (const diagnostic of diagnostics) {
    const example = diagnostic.file ? owners.get(resolve(diagnostic.file.fileName)) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!example) {
      // An error outside the examples (in the sources they import) is still a failure.
      const where = diagnostic.file?.fileName ?? 'compiler';
      problems.push({ owner: '(outside the examples)', file: where, line: 0, message });
      continue;
    }
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        : 0;
    problems.push({ owner: example.owner, file: example.file, line, message });
  }
  return problems;
}

function commentsOf(reflection: DeclarationReflection): Comment[] {
  return [
    reflection.comment,
    ...(reflection.signatures ?? []).map((signature) => signature.comment),
    reflection.getSignature?.comment,
  ].filter((comment): comment is Comment => comment !== undefined);
}

/** A summary with words in it: a bare tag (`@example` alone) is not a doc. */
function hasSummary(comment: Comment): boolean {
  return comment.summary.some((part) => part.text.trim() !== '');
}

function fileOf(symbol: DeclarationReflection): string {
  return symbol.sources?.[0]?.fileName ?? '?';
}

function printByFile(heading: string, symbols: readonly MissingDoc[]): void {
  if (symbols.length === 0) return;
  console.log(heading);
  const byFile = new Map<string, string[]>();
  for (const symbol of symbols) {
    byFile.set(symbol.file, [...(byFile.get(symbol.file) ?? []), symbol.name]);
  }
  for (const [file, names] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${file}: ${names.join(', ')}`);
  }
}

async function main(): Promise<void> {
  const project = await loadApiProject();
  const { total, missing } = undocumentedSymbols(project);
  printByFile('exported without a doc:', missing);
  const withoutExample = entryPointsWithoutExample(project);
  printByFile('entry points without an @example:', withoutExample);
  const examples = [...apiExamples(project), ...pageExamples()];
  const problems = compileExamples(examples);
  for (const problem of problems) {
    console.log(
      `${problem.file}: example of ${problem.owner}, line ${problem.line}: ${problem.message}`,
    );
  }
  console.log(`${total - missing.length} of ${total} exported symbols have a doc.`);
  console.log(
    `${ENTRY_POINT_SYMBOLS.length - withoutExample.length} of ${ENTRY_POINT_SYMBOLS.length} entry points have an @example.`,
  );
  console.log(
    `${examples.length} examples, ${problems.length === 0 ? 'all compile' : `${problems.length} compile errors`}.`,
  );
  if (missing.length > 0 || withoutExample.length > 0 || problems.length > 0) {
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
