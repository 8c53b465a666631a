import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The per-concept pages cannot fall behind the code: every prop and public member of the
 * construct, and every option and input field of the writer, is named on its page.
 */

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Names of the public members of a class or interface declared in `file`. */
function membersOf(file: string, name: string): string[] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (
      !(ts.isInterfaceDeclaration(statement) || ts.isClassDeclaration(statement)) ||
      statement.name?.text !== name
    ) {
      continue;
    }
    for (const member of statement.members) {
      const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
      const hidden = modifiers.some(
        (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
      );
      if (hidden || !member.name || !ts.isIdentifier(member.name)) continue;
      names.push(member.name.text);
    }
  }
  if (names.length === 0) throw new Error(`no members of ${name} found in ${file}`);
  return names;
}

const undocumented = (page: string, names: readonly string[]) => {
  const text = read(page);
  return names.filter((name) => !text.includes(`\`${name}\``) && !text.includes(`\`${name}(`));
};

describe('docs/construct.md', () => {
  it('has a row for every prop of TransactionalOutboxProps', () => {
    const props = membersOf('lib/transactional-outbox.ts', 'TransactionalOutboxProps');
    expect(undocumented('docs/construct.md', props)).toEqual([]);
  });

  it('names every public member of TransactionalOutbox', () => {
    const members = membersOf('lib/transactional-outbox.ts', 'TransactionalOutbox');
    expect(undocumented('docs/construct.md', members)).toEqual([]);
  });
});

describe('docs/writer.md', () => {
  it('names every option of the writer and every field of a write', () => {
    const options = membersOf('lambdas/outbox/outbox-writer.ts', 'OutboxWriterOptions');
    const fields = membersOf('lambdas/outbox/write-input.ts', 'OutboxWriteInput');
    const methods = membersOf('lambdas/outbox/outbox-writer.ts', 'OutboxWriter');
    expect(undocumented('docs/writer.md', [...options, ...fields, ...methods])).toEqual([]);
  });
});
