import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { configLoaders } from './loaders.js';
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
  /** The last folder searched going up (default: the home folder, or the root when cwd is outside it). */
  stopDir?: string | undefined;
}

export type FindConfigResult = { found: true; raw: unknown; filepath: string } | { found: false; searched: string[] };

/** cosmiconfig (and its parsers) is imported when a search or a non-JSON file needs it, not at start. */
async function explorer(searchPlaces: readonly string[]) {
  const { cosmiconfig } = await import('cosmiconfig');
  // cache off: a reload must read the file again.
  return cosmiconfig('switchboard', { searchPlaces: [...searchPlaces], loaders: configLoaders, searchStrategy: 'none', cache: false });
}

function* ancestors(start: string, stop: string): Generator<string> {
  let dir = start;
  for (;;) {
    yield dir;
    const parent = dirname(dir);
    if (dir === stop || parent === dir) return;
    dir = parent;
  }
}

/**
 * Finds and reads the config. We walk the folders ourselves (cwd up to the home folder, then the user config
 * dir) instead of cosmiconfig's `searchStrategy: 'global'`, because that one reads the global dir from
 * process.env and cannot be pointed elsewhere; here the caller's env and a test's folder are honoured.
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
    if (plain.read) return { found: true, raw: plain.config ?? {}, filepath };
    const result = await (await explorer(configSearchPlaces)).load(filepath);
    return { found: true, raw: result?.config ?? {}, filepath };
  }

  const searched: string[] = [];
  const cwd = resolve(options.cwd);
  const local = await explorer(configSearchPlaces);
  for (const dir of ancestors(cwd, resolve(options.stopDir ?? homedir()))) {
    searched.push(dir);
    const result = await local.search(dir);
    if (result && !result.isEmpty) return { found: true, raw: result.config, filepath: result.filepath };
  }
  searched.push(options.globalConfigDir);
  const global = await (await explorer(globalSearchPlaces)).search(options.globalConfigDir).catch((error: unknown) => {
    // A missing user config dir is the normal case, not an error.
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  });
  if (global && !global.isEmpty) return { found: true, raw: global.config, filepath: global.filepath };
  return { found: false, searched };
}
