import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelOptions } from '@mcp-switchboard/kernel';
import type { PluginEntry } from '@mcp-switchboard/plugin-api';
import { builtinPlugins } from './builtin-plugins.js';
import type { CliSettings } from './cli-settings.js';

/** The app's own folder: first-party plugins resolve from here, so they work under npx. */
const appDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** The kernel's options for the CLI's settings, built in one place for the proxy and the commands that load config. */
export function kernelOptions(settings: CliSettings, env: NodeJS.ProcessEnv, cwd: string): KernelOptions {
  const extraPlugins: PluginEntry[] = [];
  if (settings.pluggedin) extraPlugins.push(['pluggedin', { ...settings.pluggedin }]);
  return {
    cwd,
    env,
    ...(settings.configFile ? { configFile: settings.configFile } : {}),
    overrides: settings.overrides,
    // With servers from the App or the environment, a config file is optional.
    requireConfig: !settings.pluggedin && !env.SWITCHBOARD_MCP_SERVERS,
    builtinPlugins: builtinPlugins(),
    extraPlugins,
    resolveFrom: [appDir],
    defaults: { logLevel: settings.defaults.logLevel },
  };
}
