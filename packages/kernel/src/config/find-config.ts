import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { configLoaders } from './loaders.js';
import { fileTrust, processTrustFacts, type TrustFacts } from './config-trust.js';
import { readPlainJsonConfig } from './read-plain-json-config.js';

const extensions = ['json', 'yaml', 'yml', 'mjs', 'js', 'cjs'];

/** Where a project's config may live, in order of preference: the explicit file names first, package.json last. */
export const configSearchPlaces: readonly string[] = [
  ...extensions.map((ext) => `switchboard.config.${ext}`),
  '.switchboardrc',
  ...extensions.map((ext) => `.switchboardrc.${ext}`),
  'package.json',
];

/** In the user config dir, cosmiconfig's `config.*` names and the project names both work. */
export const globalSearchPlaces: readonly string[] = [
  'config',
  ...extensions.map((ext) => `config.${ext}`),
  ...configSearchPlaces.filter((place) => place !== 'package.json'),
];

/** `~/.config/switchboard`, honouring XDG_CONFIG_HOME from the given environment. */
export function defaultGlobalConfigDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'switchboard');
}

export interface FindConfigOptions {
  cwd: string;
  /** An exact file (from --config / SWITCHBOARD_CONFIG), relative to cwd. */
  configFile?: string | undefined;
  globalConfigDir: string;
  /** The last folder searched going up (default: the home folder); the first project root also ends the walk. */
  stopDir?: string | undefined;
  /** The current user, for the trust rules (default: this process's). */
  trust?: TrustFacts | undefined;
}

/** A config file discovery found but would not load, and why (see `distrust()`). */
export interface SkippedConfig {
  file: string;
  reason: string;
}

export type FindConfigResult =
  | { found: true; raw: unknown; filepath: string; skipped: SkippedConfig[] }
  | { found: false; searched: string[]; skipped: SkippedConfig[] };

/** cosmiconfig (and its parsers) is imported when a search or a non-JSON file needs it, not at start. */
async function explorer(searchPlaces: readonly string[]) {
  const { cosmiconfig } = await import('cosmiconfig');
  // cache off: a reload must read the file again.
  return cosmiconfig('switchboard', { searchPlaces: [...searchPlaces], loaders: configLoaders, searchStrategy: 'none', cache: false });
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A folder that holds a project (package.json or .git): the walk up ends there, it never reads a neighbour's. */
async function isProjectRoot(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'package.json'))) || (await exists(join(dir, '.git')));
}

/** cwd and its parents, up to and including `stop`, the first project root, or the file system root. */
async function* ancestors(start: string, stop: string): AsyncGenerator<string> {
  let dir = start;
  for (;;) {
    yield dir;
    const parent = dirname(dir);
    if (dir === stop || parent === dir || (await isProjectRoot(dir))) return;
    dir = parent;
  }
}

/**
 * The first config in `dir` that may be loaded, by search place order. Each file is checked before cosmiconfig
 * reads it: a `.mjs` config runs code, so one another user could have planted is never even opened.
 */
async function searchFolder(dir: string, places: readonly string[], trust: TrustFacts, skipped: SkippedConfig[]) {
  for (const place of places) {
    const file = join(dir, place);
    const checked = await fileTrust(dir, file, trust).catch(() => ({ exists: false as const }));
    if (!checked.exists) continue;
    if (checked.distrust) {
      skipped.push({ file, reason: checked.distrust });
      continue;
    }
    const result = await (await explorer([place])).search(dir);
    if (result && !result.isEmpty) return result;
  }
  return undefined;
}

/**
 * Finds and reads the config. We walk the folders ourselves (cwd up to the home folder or the project root,
 * then the user config dir) instead of cosmiconfig's `searchStrategy: 'global'`, because that one reads the
 * global dir from process.env, cannot be pointed elsewhere, and would load files from folders others can write.
 */
export async function findConfig(options: FindConfigOptions): Promise<FindConfigResult> {
  if (options.configFile) {
    const filepath = resolve(options.cwd, options.configFile);
    const info = await stat(filepath).catch(() => undefined);
    if (!info?.isFile()) {
      throw new SwitchboardError(
        'SWB_CONFIG_NOT_FOUND',
        `config file ${filepath} ${info ? 'is not a file' : 'does not exist'} (given with --config or SWITCHBOARD_CONFIG)`,
        { details: { file: filepath } },
      );
    }
    const plain = await readPlainJsonConfig(filepath);
    if (plain.read) return { found: true, raw: plain.config ?? {}, filepath, skipped: [] };
    const result = await (await explorer(configSearchPlaces)).load(filepath);
    return { found: true, raw: result?.config ?? {}, filepath, skipped: [] };
  }

  const trust = options.trust ?? processTrustFacts();
  const searched: string[] = [];
  const skipped: SkippedConfig[] = [];
  for await (const dir of ancestors(resolve(options.cwd), resolve(options.stopDir ?? homedir()))) {
    searched.push(dir);
    const result = await searchFolder(dir, configSearchPlaces, trust, skipped);
    if (result) return { found: true, raw: result.config, filepath: result.filepath, skipped };
  }
  searched.push(options.globalConfigDir);
  const global = await searchFolder(options.globalConfigDir, globalSearchPlaces, trust, skipped);
  if (global) return { found: true, raw: global.config, filepath: global.filepath, skipped };
  return { found: false, searched, skipped };
}
