import {
  Comment,
  CommentTag,
  DeclarationReflection,
  FileRegistry,
  ProjectReflection,
  ReflectionKind,
} from 'typedoc';

/** One exported symbol as the TypeDoc model would hold it, with only what docs:check reads. */
export interface ApiSymbolSpec {
  readonly name: string;
  /** The TSDoc summary; absent or blank means the symbol has no doc. */
  readonly summary?: string;
  /** The body of an `@example` (a fenced block), if the symbol has one. */
  readonly example?: string;
  readonly members?: readonly ApiSymbolSpec[];
}

/** A TypeDoc project with one module per entry point, built without reading any source. */
export function apiProject(
  entryPoints: Readonly<Record<string, readonly ApiSymbolSpec[]>>,
): ProjectReflection {
  const project = new ProjectReflection('fixture', new FileRegistry());
  for (const [name, symbols] of Object.entries(entryPoints)) {
    const module = new DeclarationReflection(name, ReflectionKind.Module, project);
    project.addChild(module);
    for (const spec of symbols) module.addChild(apiSymbol(spec, module));
  }
  return project;
}

function apiSymbol(spec: ApiSymbolSpec, parent: DeclarationReflection): DeclarationReflection {
  const kind = parent.kindOf(ReflectionKind.Module) ? ReflectionKind.Class : ReflectionKind.Method;
  const symbol = new DeclarationReflection(spec.name, kind, parent);
  const tags =
    spec.example === undefined
      ? []
      : [new CommentTag('@example', [{ kind: 'code', text: `\`\`\`ts\n${spec.example}\`\`\`` }])];
  if (spec.summary !== undefined || tags.length > 0) {
    symbol.comment = new Comment([{ kind: 'text', text: spec.summary ?? '' }], tags);
  }
  for (const member of spec.members ?? []) symbol.addChild(apiSymbol(member, symbol));
  return symbol;
}
