import { dirname } from 'node:path';
import type { SwitchboardConfig, SwitchboardError, SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import { throwCollected } from './collect-errors.js';
import { prepareConfig, type ConfigNotice, type LoadConfigOptions } from './config/load-config.js';
import { layerPlugins } from './plugins/layer-plugins.js';
import { findDuplicates, resolvePluginEntries } from './plugins/resolve-plugins.js';
import type { ResolvedPlugin } from './plugins/types.js';
import { validatePlugin } from './plugins/validate-plugin.js';
import { findSecrets, processSecrets } from './secrets.js';

export interface PlanOptions extends LoadConfigOptions {
  builtinPlugins?: ReadonlyArray<{ plugin: SwitchboardPlugin; options?: unknown }> | undefined;
  /** Entries from the command line (e.g. `['pluggedin', { apiKey }]`); they replace config entries of the same id. */
  extraPlugins?: readonly unknown[] | undefined;
  resolveFrom?: readonly string[] | undefined;
}

export interface Plan {
  config: SwitchboardConfig;
  filepath: string | undefined;
  plugins: ResolvedPlugin[];
  replaced: Array<{ replaced: ResolvedPlugin; by: ResolvedPlugin }>;
  /** Problems that do not stop the start, for the logger. */
  notices: ConfigNotice[];
}

/**
 * Loads the config and resolves every plugin, collecting all problems (config, env, plugins) into one error:
 * a person fixes everything in one go instead of one restart per problem.
 */
export async function plan(options: PlanOptions): Promise<Plan> {
  const prepared = await prepareConfig(options);
  // Plugin options from the command line (a plugged.in API key) are secrets too; config entries were seen above.
  (options.secrets ?? processSecrets).add(findSecrets([options.extraPlugins ?? [], (options.builtinPlugins ?? []).map((b) => b.options)]));
  const where = prepared.filepath ?? 'the configuration';
  const resolveOptions = {
    configDir: prepared.filepath ? dirname(prepared.filepath) : options.cwd,
    cwd: options.cwd,
    resolveFrom: options.resolveFrom,
    configFile: prepared.filepath,
  };

  const builtinResults = (options.builtinPlugins ?? []).map(({ plugin, options: value }) =>
    validatePlugin(plugin, 'builtin', { given: value !== undefined, value }),
  );
  const fromConfig = await resolvePluginEntries(
    prepared.pluginEntries.map(({ entry, index }) => ({ entry, where: `plugins[${index}] in ${where}` })),
    resolveOptions,
  );
  const fromCli = await resolvePluginEntries(
    (options.extraPlugins ?? []).map((entry) => ({ entry, where: 'from the command line' })),
    resolveOptions,
  );
  const builtins = builtinResults.flatMap((r) => (r.resolved ? [r.resolved] : []));
  const errors: SwitchboardError[] = [
    ...prepared.errors,
    ...builtinResults.flatMap((r) => r.errors),
    ...fromConfig.errors,
    ...fromCli.errors,
    ...findDuplicates(builtins),
    ...findDuplicates(fromConfig.plugins),
    ...findDuplicates(fromCli.plugins),
  ];
  throwCollected(errors, (count) => `${count} problems found loading ${where}`);
  const { plugins, replaced } = layerPlugins([builtins, fromConfig.plugins, fromCli.plugins]);
  return { config: prepared.config!, filepath: prepared.filepath, plugins, replaced, notices: prepared.notices };
}
