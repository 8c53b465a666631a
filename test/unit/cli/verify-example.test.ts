import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The fenced TypeScript blocks of a function's `@example` tags. */
function examplesOf(file: string, functionName: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, file), 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const declaration = source.statements.find(
    (s): s is ts.FunctionDeclaration =>
      ts.isFunctionDeclaration(s) && s.name?.text === functionName,
  );
  if (declaration === undefined) throw new Error(`no function ${functionName} in ${file}`);
  return ts
    .getJSDocTags(declaration)
    .filter((tag) => tag.tagName.text === 'example')
    .flatMap((tag) => [
      ...(ts.getTextOfJSDocComment(tag.comment) ?? '').matchAll(/```ts\n([\s\S]*?)```/g),
    ])
    .map((match) => match[1] ?? '');
}

/** The last program built: the next one reuses its unchanged source files. */
let previous: ts.Program | undefined;

/**
 * Type-checks `code` with the project's compiler options as if it were a file of `bin/`
 * (where the CLI's entry point lives), without writing it anywhere.
 */
function compileAsBinFile(code: string): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const file = join(root, 'bin', '__verify_example__.ts');
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  host.getSourceFile = (name, version, ...rest) =>
    name === file
      ? ts.createSourceFile(name, code, version)
      : getSourceFile.call(host, name, version, ...rest);
  const program = ts.createProgram([file], { ...options, noEmit: true }, host, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the @example of verifyDeployment', () => {
  it('compiles as a script next to the CLI', () => {
    const [example] = examplesOf('cli/verify.ts', 'verifyDeployment');

    expect(example).toContain('verifyDeployment(');
    expect(compileAsBinFile(example ?? '')).toEqual([]);
  }, 120_000);

  it('fails to compile when it calls the function wrongly (the check is real)', () => {
    const [example] = examplesOf('cli/verify.ts', 'verifyDeployment');
    const broken = (example ?? '').replace('timeoutMs: 60_000', "timeoutMs: '60s'");

    expect(compileAsBinFile(broken)).not.toEqual([]);
  }, 120_000);
});
