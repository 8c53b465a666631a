/**
 * How hard the code is to read, measured on its syntax trees (`npm run measure`): the
 * longest functions, how many functions of 50+ lines per 1,000 lines, how much of the
 * comments are `@example` blocks, how many names each public entry point exports, and the
 * README's size. Issue 17 reports these before and after; `--json` for machines.
 */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url).pathname;
/** Product code: everything but the tests, the benchmarks' reports and the generated docs. */
const SOURCE_FOLDERS = ['bin', 'cli', 'lambdas', 'lib', 'local', 'package', 'bench'];
const ENTRY_POINTS = ['package/index.ts', 'package/runtime.ts', 'lambdas/outbox/index.ts'];
const LONG_FUNCTION_LINES = 50;

/** One function-like node and its length in lines. */
export interface FunctionLength {
  readonly name: string;
  readonly file: string;
  readonly lines: number;
}

/** The measures of one folder (or of all product code). */
export interface FolderMeasures {
  readonly codeLines: number;
  readonly longFunctions: number;
  readonly longFunctionsPer1000Lines: number;
  readonly commentLines: number;
  readonly exampleCommentLines: number;
  readonly exampleShareOfComments: number;
}

/** All the measures. */
export interface CodeMeasures {
  readonly longest: readonly FunctionLength[];
  readonly all: FolderMeasures;
  readonly outboxCore: FolderMeasures;
  readonly exports: Readonly<Record<string, number>>;
  readonly readmeBytes: number;
}

function sourceFiles(program: ts.Program): ts.SourceFile[] {
  return program
    .getSourceFiles()
    .filter((f) => !f.isDeclarationFile)
    .filter((f) =>
      SOURCE_FOLDERS.some((folder) => relative(ROOT, f.fileName).startsWith(`${folder}/`)),
    );
}

function lineOf(file: ts.SourceFile, position: number): number {
  return file.getLineAndCharacterOfPosition(position).line;
}

/** The name a reader would look for: `Class.method`, `function`, `const x = () =>`. */
function nameOf(node: ts.Node): string {
  const own =
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isFunctionExpression(node)) &&
    node.name
      ? node.name.getText()
      : ts.isConstructorDeclaration(node)
        ? 'constructor'
        : ts.isVariableDeclaration(node.parent) ||
            ts.isPropertyAssignment(node.parent) ||
            ts.isPropertyDeclaration(node.parent)
          ? (node.parent.name?.getText() ?? '(anonymous)')
          : '(anonymous)';
  const owner = ts.findAncestor(node.parent, ts.isClassLike);
  return owner?.name && (ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node))
    ? `${owner.name.getText()}.${own}`
    : own;
}

function functionsOf(file: ts.SourceFile): FunctionLength[] {
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const lines = lineOf(file, node.getEnd()) - lineOf(file, node.getStart(file)) + 1;
      found.push({ name: nameOf(node), file: relative(ROOT, file.fileName), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Comment lines, and those inside `@example` blocks (up to the next tag or the end). */
function commentLinesOf(file: ts.SourceFile): { comments: number; examples: number } {
  const text = file.getFullText();
  const seen = new Set<number>();
  let comments = 0;
  let examples = 0;
  const count = (range: ts.CommentRange) => {
    if (seen.has(range.pos)) return;
    seen.add(range.pos);
    const lines = text.slice(range.pos, range.end).split('\n');
    comments += lines.length;
    let inExample = false;
    for (const line of lines) {
      const tag = /^\s*\*?\s*@(\w+)/.exec(line)?.[1];
      if (tag !== undefined) inExample = tag === 'example';
      if (inExample) examples++;
    }
  };
  const visit = (node: ts.Node) => {
    for (const range of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) count(range);
    for (const range of ts.getTrailingCommentRanges(text, node.getEnd()) ?? []) count(range);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { comments, examples };
}

function folderMeasures(files: readonly ts.SourceFile[]): FolderMeasures {
  let codeLines = 0;
  let longFunctions = 0;
  let commentLines = 0;
  let exampleCommentLines = 0;
  for (const file of files) {
    codeLines += file
      .getFullText()
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    longFunctions += functionsOf(file).filter((f) => f.lines >= LONG_FUNCTION_LINES).length;
    const { comments, examples } = commentLinesOf(file);
    commentLines += comments;
    exampleCommentLines += examples;
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    codeLines,
    longFunctions,
    longFunctionsPer1000Lines: round((longFunctions / Math.max(1, codeLines)) * 1000),
    commentLines,
    exampleCommentLines,
    exampleShareOfComments: round(exampleCommentLines / Math.max(1, commentLines)),
  };
}

/** Measures the working tree. */
export function measureCode(): CodeMeasures {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${ROOT}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(config.fileNames, config.options);
  const checker = program.getTypeChecker();
  const files = sourceFiles(program);
  const longest = files
    .flatMap(functionsOf)
    .sort((a, b) => b.lines - a.lines)
    .slice(0, 8);
  const exports = Object.fromEntries(
    ENTRY_POINTS.map((entry) => {
      const file = program.getSourceFile(`${ROOT}${entry}`);
      const symbol = file && checker.getSymbolAtLocation(file);
      return [entry, symbol ? checker.getExportsOfModule(symbol).length : 0];
    }),
  );
  return {
    longest,
    all: folderMeasures(files),
    outboxCore: folderMeasures(
      files.filter((f) => relative(ROOT, f.fileName).startsWith('lambdas/outbox/')),
    ),
    exports,
    readmeBytes: statSync(`${ROOT}README.md`).size,
  };
}

function render(m: CodeMeasures): string {
  const folder = (name: string, f: FolderMeasures) =>
    `${name}: ${f.codeLines} lines, ${f.longFunctions} functions ≥ ${LONG_FUNCTION_LINES} lines (${f.longFunctionsPer1000Lines} per 1,000 lines), comments ${f.commentLines} lines of which @example ${f.exampleCommentLines} (${Math.round(f.exampleShareOfComments * 100)} %)`;
  return [
    'longest functions:',
    ...m.longest.map((f) => `  ${String(f.lines).padStart(4)}  ${f.name}  (${f.file})`),
    folder('product code', m.all),
    folder('lambdas/outbox', m.outboxCore),
    'exports:',
    ...Object.entries(m.exports).map(([entry, n]) => `  ${entry}: ${n}`),
    `README.md: ${m.readmeBytes} bytes (${Math.round(m.readmeBytes / 1024)} KB)`,
  ].join('\n');
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const measures = measureCode();
  process.stdout.write(
    `${process.argv.includes('--json') ? JSON.stringify(measures, null, 2) : render(measures)}\n`,
  );
}
