import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseJsonConfig } from './parse-json.js';

export type PlainJsonConfig = { read: true; config: unknown } | { read: false };

/**
 * Reads a `.json` config file given by path exactly as cosmiconfig's `load` would with our loaders (an empty
 * file is no config; errors name the file), without importing cosmiconfig: the common `--config x.json` start
 * does not pay for it. `package.json` (the config is one property) and files with `$import` are left to
 * cosmiconfig.
 */
export async function readPlainJsonConfig(filepath: string): Promise<PlainJsonConfig> {
  if (extname(filepath) !== '.json' || basename(filepath) === 'package.json') return { read: false };
  const content = await readFile(filepath, { encoding: 'utf-8' });
  if (content.trim() === '') return { read: true, config: undefined };
  let config: unknown;
  try {
    config = parseJsonConfig(content, filepath);
  } catch (error) {
    // cosmiconfig tags loader errors with the file.
    if (error && typeof error === 'object') (error as { filepath?: string }).filepath = filepath;
    throw error;
  }
  if (config !== null && typeof config === 'object' && Object.hasOwn(config, '$import')) return { read: false };
  return { read: true, config };
}
