import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const USAGE_FILE_NAME = 'switchboard.tool-usage.json';

/**
 * Where call counts are kept: the option (relative to the config file's folder), else beside the config file,
 * else the user's state folder (`$XDG_STATE_HOME/switchboard`, `~/.local/state/switchboard`). `undefined` when
 * learning is switched off (`usageFile: false`).
 */
export function usageFilePath(option: string | false | undefined, configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (option === false) return undefined;
  const base = configFile ? dirname(configFile) : process.cwd();
  if (option !== undefined) return isAbsolute(option) ? option : resolve(base, option);
  if (configFile) return join(base, USAGE_FILE_NAME);
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'switchboard', USAGE_FILE_NAME);
}
