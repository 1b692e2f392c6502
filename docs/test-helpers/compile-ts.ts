import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root: temp folders go under `<root>/tmp/` (git-ignored) so `@mcp-switchboard/*` resolve. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The compiler options plugin authors get from the scaffold: strict, NodeNext, ES2022. */
export const strictNodeNextOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  esModuleInterop: true,
  skipLibCheck: true,
  isolatedModules: true,
  forceConsistentCasingInFileNames: true,
  declaration: false,
  sourceMap: false,
};

export interface TempProject {
  dir: string;
  /** Absolute path of a file in the project. */
  path(name: string): string;
  remove(): void;
}

/**
 * A folder under `<repo>/tmp/` holding the given files and a `package.json` with `"type": "module"`, so `.ts`
 * files are ES modules under NodeNext and bare imports resolve through the repository's node_modules.
 */
export function writeTempProject(prefix: string, files: Record<string, string>): TempProject {
  const base = join(repoRoot, 'tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: prefix, private: true, type: 'module' }, null, 2)}\n`);
  for (const [name, text] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CompileResult {
  /** Every diagnostic, formatted as `file:line:col - error TSxxxx: message`. Empty when the program is clean. */
  errors: string[];
  /** The `.js` files written, absolute. */
  emitted: string[];
}

/**
 * Type-checks `files` (absolute paths) as one program with `options` and, when there are no errors, emits the
 * JavaScript next to each source. Nothing is emitted when any file has an error.
 */
export function compileFiles(files: readonly string[], options: ts.CompilerOptions = strictNodeNextOptions, root = repoRoot): CompileResult {
  const program = ts.createProgram({ rootNames: [...files], options: { ...options, noEmitOnError: true } });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const emitted: string[] = [];
  const result = program.emit(undefined, (fileName, text) => {
    writeFileSync(fileName, text);
    if (fileName.endsWith('.js')) emitted.push(fileName);
  });
  const all = [...diagnostics, ...result.diagnostics];
  const errors = all
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return `error TS${d.code}: ${message}`;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${relative(root, d.file.fileName)}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
    });
  return { errors: [...new Set(errors)], emitted };
}
