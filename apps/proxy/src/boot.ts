import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel } from '@mcp-switchboard/kernel';
import { Hub } from '@mcp-switchboard/hub';
import type { DownstreamConnector, PluginEntry } from '@mcp-switchboard/plugin-api';
import { builtinPlugins } from './builtin-plugins.js';
import type { CliSettings } from './cli-settings.js';

/** A started kernel and a hub over its plugins; the front door is not started here. */
export interface Booted {
  kernel: Kernel;
  hub: Hub;
  stop(): Promise<void>;
}

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** Loads config and plugins, sets them up and starts every server (without waiting for them). */
export async function boot(settings: CliSettings, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<Booted> {
  const extraPlugins: PluginEntry[] = [];
  if (settings.pluggedin) extraPlugins.push(['pluggedin', { ...settings.pluggedin }]);

  const kernel = await Kernel.create({
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
  });
  let hub: Hub | undefined;
  try {
    await kernel.start();
    const config = kernel.config.current;
    hub = new Hub({
      config,
      sources: kernel.sources,
      connectors: kernel.transports.flatMap((t): DownstreamConnector[] => t.connectors ?? []),
      filters: kernel.filters,
      events: kernel.events,
      logger: kernel.logger.child({ component: 'hub' }),
      ...(config.profile ? { profile: config.profile } : {}),
    });
    await hub.start();
  } catch (error) {
    await hub?.stop();
    await kernel.stop();
    throw error;
  }
  const started = hub;
  let stopping: Promise<void> | undefined;
  return {
    kernel,
    hub: started,
    stop: () =>
      (stopping ??= (async () => {
        await started.stop();
        await kernel.stop();
      })()),
  };
}
