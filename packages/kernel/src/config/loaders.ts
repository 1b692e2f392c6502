import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultLoaders, type Loader, type Loaders } from 'cosmiconfig';
import { SwitchboardError, errorMessage } from '@mcp-switchboard/plugin-api';
import { parseJsonConfig } from './parse-json.js';

/** YAML through cosmiconfig's js-yaml loader; its errors carry a mark we turn into line:column. */
const loadYaml: Loader = async (filepath, content) => {
  try {
    return await defaultLoaders['.yaml'](filepath, content);
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? errorMessage(error);
    const where = mark ? `${filepath}:${mark.line + 1}:${mark.column + 1}` : filepath;
    throw new SwitchboardError('SWB_CONFIG_PARSE', `${where}: invalid YAML: ${reason}`, {
      cause: error,
      details: { file: filepath, ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}) },
    });
  }
};

const loadJson: Loader = (filepath, content) => parseJsonConfig(content, filepath);

/** `.switchboardrc` and unknown extensions: JSON when it looks like JSON (better messages), YAML otherwise. */
const loadJsonOrYaml: Loader = (filepath, content) => (/^\s*[{[]/.test(content) ? loadJson(filepath, content) : loadYaml(filepath, content));

let generation = 0;

/**
 * JavaScript configs. Node caches modules by URL, so each load imports a fresh URL: a reload must see the
 * edited file. CommonJS files are also dropped from require's cache for the same reason.
 */
const loadJs: Loader = async (filepath) => {
  try {
    if (extname(filepath) !== '.mjs') delete createRequire(filepath).cache[filepath];
    const url = `${pathToFileURL(filepath).href}?switchboard-load=${++generation}`;
    const mod = (await import(url)) as Record<string, unknown>;
    if (!('default' in mod)) throw new Error('the module has no default export; use `export default { ... }`');
    return mod.default;
  } catch (error) {
    throw new SwitchboardError('SWB_CONFIG_PARSE', `${filepath}: could not load: ${errorMessage(error)}`, {
      cause: error,
      details: { file: filepath },
    });
  }
};

/** Loaders for every place we search, plus any file given with --config. */
export const configLoaders: Loaders = {
  '.json': loadJson,
  '.yaml': loadYaml,
  '.yml': loadYaml,
  '.mjs': loadJs,
  '.js': loadJs,
  '.cjs': loadJs,
  noExt: loadJsonOrYaml,
  default: loadJsonOrYaml,
};
