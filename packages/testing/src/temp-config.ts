import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';

export interface TempConfig {
  /** The temp folder (a real path), holding the config and any extra files. */
  dir: string;
  /** Absolute path of the config file. */
  file: string;
  /** Removes the folder and everything in it. */
  cleanup(): Promise<void>;
}

export interface WriteTempConfigOptions {
  /** Default `switchboard.config.json`. A `.mjs`/`.js` name given an object gets `export default {...}`. */
  filename?: string;
  /** More files, relative to the folder (e.g. `plugins/mine.mjs`); objects are written as JSON. */
  files?: Record<string, string | object>;
}

function serialise(filename: string, contents: string | object): string {
  if (typeof contents === 'string') return contents;
  const json = JSON.stringify(contents, null, 2);
  return ['.mjs', '.js'].includes(extname(filename)) ? `export default ${json};\n` : `${json}\n`;
}

async function writeInto(dir: string, name: string, contents: string | object): Promise<string> {
  const file = join(dir, name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, serialise(name, contents));
  return file;
}

/** Writes a config (object or raw text) and extra files into a fresh folder under the OS temp dir. */
export async function writeTempConfig(contents: object | string, options: WriteTempConfigOptions = {}): Promise<TempConfig> {
  // realpath: on macOS the temp dir is a symlink, and paths in messages are real paths.
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchboard-test-')));
  const file = await writeInto(dir, options.filename ?? 'switchboard.config.json', contents);
  for (const [name, text] of Object.entries(options.files ?? {})) await writeInto(dir, name, text);
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes a fake package into `dir/node_modules/<name>` (scoped names work) so a config can name it. `source` is
 * its index.mjs, or a record of files; the manifest is ESM-only (`exports` with the `import` condition), like
 * real plugins. Returns the package folder.
 */
export async function writeTempPackage(
  dir: string,
  name: string,
  source: string | Record<string, string>,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const packageDir = join(dir, 'node_modules', ...name.split('/'));
  const files = typeof source === 'string' ? { 'index.mjs': source } : source;
  const base = { name, version: '1.0.0', type: 'module', exports: { '.': { import: './index.mjs' } } };
  await writeInto(packageDir, 'package.json', { ...base, ...manifest });
  for (const [file, text] of Object.entries(files)) await writeInto(packageDir, file, text);
  return packageDir;
}
