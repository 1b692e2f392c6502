import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '@mcp-switchboard/plugin-api';

const made: string[] = [];

/** A fresh folder under the OS temp dir (real path, so messages compare equal on macOS too). */
export async function tempDir(prefix = 'swb-kernel-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Writes files (objects as JSON) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string | object>): Promise<void> {
  for (const [name, contents] of Object.entries(files)) {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, typeof contents === 'string' ? contents : JSON.stringify(contents, null, 2));
  }
}

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps its lines for assertions. */
export function memoryLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields: { ...bindings, ...fields } });
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(lines, { ...bindings, ...more }),
  };
}

/**
 * Source of a module exporting a plain plugin object (no imports: a temp dir cannot resolve plugin-api). Setup
 * and dispose are recorded in globalThis.__swbRecord so a test can see the order across modules.
 */
export function pluginModule(id: string, kind: string, extra = ''): string {
  const contribution = {
    'config-source': 'load: async () => []',
    reporter: 'onEvent() {}',
    filter: 'tool: () => true',
    transport: 'connectors: []',
  }[kind];
  return `const record = (globalThis.__swbRecord ??= []);
export default {
  id: ${JSON.stringify(id)},
  kind: ${JSON.stringify(kind)},
  apiVersion: '1.0.0',
  deps: {},
  ${extra}
  setup(deps, options) {
    record.push('setup:${id}');
    return { ${contribution}, options, dispose() { record.push('dispose:${id}'); } };
  },
};
`;
}

export function record(): string[] {
  return ((globalThis as { __swbRecord?: string[] }).__swbRecord ??= []);
}

export function resetRecord(): void {
  record().length = 0;
}

/** Writes a fake package into `dir/node_modules/<name>`: ESM-only exports (import condition) like real plugins. */
export async function writePackage(dir: string, name: string, source: string, manifest: Record<string, unknown> = {}): Promise<string> {
  const packageDir = join(dir, 'node_modules', ...name.split('/'));
  await writeFiles(packageDir, {
    'package.json': { name, version: '1.0.0', type: 'module', exports: { '.': { import: './index.mjs' } }, ...manifest },
    'index.mjs': source,
  });
  return packageDir;
}

/** Links a package of this repo (zod, plugin-api) into `dir/node_modules`, so temp plugins can import it. */
export async function linkRepoPackage(dir: string, name: string): Promise<void> {
  const { symlink } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const repoModules = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
  const target = join(dir, 'node_modules', ...name.split('/'));
  await mkdir(dirname(target), { recursive: true });
  await symlink(join(repoModules, name), target, 'dir');
}
