/**
 * `npm run docs:check`: every symbol the package exports (from `dynamo-outbox` and
 * `dynamo-outbox/runtime`) must carry an `@example` in its TSDoc, on the declaration or on
 * one of its signatures. Reads typedoc.json like `npm run docs`, prints the symbols
 * without one, grouped by source file, and exits 1 if there are any.
 */
import { pathToFileURL } from 'node:url';
import {
  Application,
  type DeclarationReflection,
  type ProjectReflection,
  TSConfigReader,
  TypeDocReader,
} from 'typedoc';

export interface MissingExample {
  readonly entryPoint: string;
  readonly name: string;
  readonly file: string;
}

/** The exported symbols of each entry point that have no `@example`. */
export function missingExamples(project: ProjectReflection): {
  total: number;
  missing: MissingExample[];
} {
  const missing: MissingExample[] = [];
  let total = 0;
  for (const entryPoint of project.children ?? []) {
    for (const symbol of entryPoint.children ?? []) {
      total++;
      if (hasExample(symbol)) continue;
      missing.push({
        entryPoint: entryPoint.name,
        name: symbol.name,
        file: symbol.sources?.[0]?.fileName ?? '?',
      });
    }
  }
  return { total, missing };
}

function hasExample(symbol: DeclarationReflection): boolean {
  if (symbol.comment?.getTag('@example')) return true;
  return (symbol.signatures ?? []).some((signature) => signature.comment?.getTag('@example'));
}

async function main(): Promise<void> {
  const app = await Application.bootstrapWithPlugins(
    { logLevel: 'Error', disableSources: false, sourceLinkTemplate: '{path}' },
    [new TypeDocReader(), new TSConfigReader()],
  );
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the project');
  const { total, missing } = missingExamples(project);
  const byFile = new Map<string, string[]>();
  for (const symbol of missing) {
    byFile.set(symbol.file, [...(byFile.get(symbol.file) ?? []), symbol.name]);
  }
  for (const [file, names] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${file}: ${names.join(', ')}`);
  }
  console.log(`${total - missing.length} of ${total} exported symbols have an @example.`);
  if (missing.length > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
