import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The `@example` of EventBridgeV2Client is written against the official package's name, the
 * only thing a swap changes; it must compile against this module under that name. (The client
 * is internal, so `npm run docs:check` does not see it.)
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLIENT = join(root, 'lambdas', 'eventbridge-v2', 'client.ts');
const OFFICIAL = '@aws-sdk/client-eventbridgev2';

/** The fenced blocks of the `@example` tags on the class `name` in `file`. */
function examplesOf(file: string, name: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const found = source.statements.find(
    (node): node is ts.ClassDeclaration => ts.isClassDeclaration(node) && node.name?.text === name,
  );
  if (!found) throw new Error(`no class ${name} in ${file}`);
  return ts
    .getJSDocTags(found)
    .filter((tag) => tag.tagName.text === 'example')
    .flatMap((tag) => [
      ...(ts.getTextOfJSDocComment(tag.comment) ?? '').matchAll(/```ts\n([\s\S]*?)```/g),
    ])
    .map((match) => match[1] ?? '');
}

/** Compile errors of `code` as an ES module, with the official name mapped to this module. */
function compileErrors(code: string): string[] {
  const dir = join(root, 'node_modules', '.cache', 'eventbridge-v2-example', String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const file = join(dir, 'example.ts');
  writeFileSync(file, `${code}\nexport {};\n`);
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    paths: { [OFFICIAL]: [join(root, 'lambdas', 'eventbridge-v2', 'index.ts')] },
  });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  rmSync(dir, { recursive: true, force: true });
  return errors;
}

describe('the example of EventBridgeV2Client', () => {
  it('imports the official package name and compiles against this module', () => {
    const [example, ...others] = examplesOf(CLIENT, 'EventBridgeV2Client');

    expect(others).toEqual([]);
    expect(example).toContain(`from '${OFFICIAL}'`);
    expect(compileErrors(example ?? '')).toEqual([]);
  }, 60_000);

  it('fails if an example uses what the client does not have', () => {
    const wrong = `import { EventBridgeV2Client } from '${OFFICIAL}';\nnew EventBridgeV2Client({ regoin: 'eu-west-1' });\n`;

    expect(compileErrors(wrong).join('\n')).toMatch(/regoin/);
  }, 60_000);
});
