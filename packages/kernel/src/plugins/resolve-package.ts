import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Conditions a plugin is loaded with: we `import()` it, in Node. */
const conditions = new Set(['import', 'node', 'default']);

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Resolves a conditional export target (string, array or condition object) the way Node does for `import`. */
function resolveTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = resolveTarget(item);
      if (found) return found;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    for (const [key, value] of Object.entries(target)) {
      if (!conditions.has(key)) continue;
      const found = resolveTarget(value);
      if (found) return found;
    }
  }
  return undefined;
}

/** The `exports` target of a subpath (`.` or `./x`), honouring the `import` condition; null when not exported. */
export function resolveExports(exports: unknown, subpath: string): string | null {
  const isSubpathMap = exports && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? (resolveTarget(exports) ?? null) : null;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return resolveTarget(map[subpath]) ?? null;
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const target = resolveTarget(value);
      if (target) return target.replace('*', subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return null;
}

/** Old-style packages without `exports`: `main` (with Node's extension guesses) or index.js. */
async function legacyEntry(dir: string, main: unknown): Promise<string | undefined> {
  const base = typeof main === 'string' && main ? join(dir, main) : undefined;
  const tries = base ? [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, join(base, 'index.js'), join(base, 'index.mjs')] : [];
  tries.push(join(dir, 'index.js'), join(dir, 'index.mjs'));
  for (const file of tries) if (await isFile(file)) return file;
  return undefined;
}

export type PackageResolution =
  | { status: 'found'; file: string; packageDir: string }
  | { status: 'not-found' }
  | { status: 'not-exported'; packageDir: string; subpath: string }
  | { status: 'no-entry'; packageDir: string };

function splitName(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const count = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(count).join('/');
  return { name: parts.slice(0, count).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/**
 * Finds a package's entry file from `fromDir`, searching node_modules folders the way Node does (via
 * require.resolve.paths) but resolving `exports` with the `import` condition: createRequire().resolve would use
 * `require` and miss ESM-only plugins.
 */
export async function resolvePackage(specifier: string, fromDir: string): Promise<PackageResolution> {
  const { name, subpath } = splitName(specifier);
  const lookup = createRequire(join(fromDir, 'noop.js')).resolve.paths(name) ?? [];
  for (const modulesDir of lookup) {
    const packageDir = join(modulesDir, name);
    if (!(await isDirectory(packageDir))) continue;
    const manifest = await readFile(join(packageDir, 'package.json'), 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => ({}) as Record<string, unknown>);
    if (manifest.exports !== undefined) {
      const target = resolveExports(manifest.exports, subpath);
      if (!target) return { status: 'not-exported', packageDir, subpath };
      const file = join(packageDir, target);
      return (await isFile(file)) ? { status: 'found', file, packageDir } : { status: 'no-entry', packageDir };
    }
    const file = subpath === '.' ? await legacyEntry(packageDir, manifest.main) : await legacyEntry(packageDir, subpath);
    return file ? { status: 'found', file, packageDir } : { status: 'no-entry', packageDir };
  }
  return { status: 'not-found' };
}

/** A plugin given as a path: the file itself, the file with a JS extension, or a folder's package entry. */
export async function resolvePathEntry(absolute: string): Promise<string | undefined> {
  for (const file of [absolute, `${absolute}.mjs`, `${absolute}.js`, `${absolute}.cjs`]) if (await isFile(file)) return file;
  if (!(await isDirectory(absolute))) return undefined;
  const manifest = await readFile(join(absolute, 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => undefined);
  if (manifest?.exports !== undefined) {
    const target = resolveExports(manifest.exports, '.');
    return target && (await isFile(join(absolute, target))) ? join(absolute, target) : undefined;
  }
  return legacyEntry(absolute, manifest?.main);
}
