import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel, findSecrets, type SecretRedactor } from '@mcp-switchboard/kernel';
import { Hub } from '@mcp-switchboard/hub';
import type { ConfigSource, DownstreamConnector, PluginEntry, ServerDefinition, SwitchboardConfig } from '@mcp-switchboard/plugin-api';
import { builtinPlugins } from './builtin-plugins.js';
import type { CliSettings } from './cli-settings.js';

/** A started kernel and a hub over its plugins; the front door is not started here. */
export interface Booted {
  kernel: Kernel;
  hub: Hub;
  stop(): Promise<void>;
}

export interface BootOptions {
  /** Replaces the downstream connectors the hub gets (doctor wraps them to see exit codes and stderr). */
  connectors?: (connectors: DownstreamConnector[]) => DownstreamConnector[];
  /** Adjusts the configuration the hub runs with (doctor: one start attempt per server, no restarts). */
  hubConfig?: (config: SwitchboardConfig) => SwitchboardConfig;
}

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Every server list a source hands the hub first teaches the redactor its secrets (env and header values),
 * whichever source it came from (file, environment, the plugged.in App), before any server starts and logs.
 */
function secretAware(source: ConfigSource, secrets: SecretRedactor): ConfigSource {
  const learn = (servers: ServerDefinition[]) => {
    if (!Array.isArray(servers)) return servers;
    // Ids, names and prefixes are in every exposed tool name: public, even if an env value equals one.
    secrets.addPublic(servers.flatMap((s) => [s?.id, s?.name, s?.prefix]));
    secrets.add(findSecrets(servers));
    return servers;
  };
  const wrapped: ConfigSource = { load: async () => learn(await source.load()) };
  if (source.watch) wrapped.watch = (onChange) => source.watch!((servers) => onChange(learn(servers)));
  return wrapped;
}

/** Loads config and plugins, sets them up and starts every server (without waiting for them). */
export async function boot(
  settings: CliSettings,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: BootOptions = {},
): Promise<Booted> {
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
    const config = options.hubConfig ? options.hubConfig(kernel.config.current) : kernel.config.current;
    // Each contribution goes to the hub with its plugin's id, so a failing hook is reported with it.
    const connectors = kernel.connectors;
    const bare = connectors.map((c) => c.contribution);
    const wrapped = options.connectors ? options.connectors(bare) : bare;
    hub = new Hub({
      config,
      sources: kernel.contributed('config-source').map(({ pluginId, contribution }) => ({ pluginId, contribution: secretAware(contribution, kernel.secrets) })),
      connectors: wrapped.map((contribution, i) => ({ pluginId: connectors[i]?.pluginId ?? `connector #${i + 1}`, contribution })),
      filters: kernel.contributed('filter'),
      middleware: kernel.contributed('middleware'),
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
