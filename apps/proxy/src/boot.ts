import { Kernel, findSecrets, type SecretRedactor } from '@mcp-switchboard/kernel';
import { Hub } from '@mcp-switchboard/hub';
import { formatError, type ConfigSource, type DownstreamConnector, type ServerDefinition, type SwitchboardConfig } from '@mcp-switchboard/plugin-api';
import { SWITCHBOARD_CHAIN_ENV } from '@mcp-switchboard/plugin-transport-stdio';
import { kernelOptions } from './kernel-options.js';
import { refuseUnsetVariables } from './refuse-unset-variables.js';
import { misspeltConfigKeys } from './config-key-warnings.js';
import { configIdentity, extendChain, nestingError, readChain } from './nesting.js';
import type { CliSettings } from './cli-settings.js';

/** A started kernel and a hub over its plugins; the front door is not started here. */
export interface Booted {
  kernel: Kernel;
  hub: Hub;
  /** Each config source, by the plugin that gave it, and why it could not load its servers (if it could not). */
  sourceHealth(): SourceHealth[];
  /** What else a server is known by (a plugged.in server's UUID), for tables: `uuid 1111…`. */
  serverDetail(id: string): string | undefined;
  stop(): Promise<void>;
}

/** A config source and its last failure: a rejected load(), or the `lastError` a source keeps (plugged.in does). */
export interface SourceHealth {
  plugin: string;
  error: string | undefined;
}

export interface BootOptions {
  /** Replaces the downstream connectors the hub gets (doctor wraps them to see exit codes and stderr). */
  connectors?: (connectors: DownstreamConnector[]) => DownstreamConnector[];
  /** Adjusts the configuration the hub runs with (doctor: one start attempt per server, no restarts). */
  hubConfig?: (config: SwitchboardConfig) => SwitchboardConfig;
}

/**
 * Every server list a source hands the hub first teaches the redactor its secrets (env and header values),
 * whichever source it came from (file, environment, the plugged.in App), before any server starts and logs.
 */
function secretAware(
  source: ConfigSource,
  secrets: SecretRedactor,
  onLoadError: (error: unknown) => void,
  onServers: (servers: ServerDefinition[]) => void,
): ConfigSource {
  const learn = (servers: ServerDefinition[]) => {
    if (!Array.isArray(servers)) return servers;
    onServers(servers);
    // Ids, names and prefixes are in every exposed tool name: public, even if an env value equals one.
    secrets.addPublic(servers.flatMap((s) => [s?.id, s?.name, s?.prefix]));
    secrets.add(findSecrets(servers));
    return servers;
  };
  const load = async () => {
    try {
      return learn(await source.load());
    } catch (error) {
      onLoadError(error);
      throw error;
    }
  };
  const wrapped: ConfigSource = { load };
  if (source.watch) wrapped.watch = (onChange) => source.watch!((servers) => onChange(learn(servers)));
  return wrapped;
}

/** Loads config and plugins, sets them up and starts every server (without waiting for them). */
export async function boot(settings: CliSettings, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), options: BootOptions = {}): Promise<Booted> {
  const kernel = await Kernel.create(kernelOptions(settings, env, cwd));
  const where = kernel.config.filepath ? { file: kernel.config.filepath } : {};
  for (const warning of misspeltConfigKeys(kernel.config.current)) kernel.logger.warn(warning, where);
  // Before any server starts: a Switchboard listed in its own config must not start itself again.
  const chain = readChain(env);
  const self = configIdentity(kernel.config.filepath);
  const nested = nestingError(chain, self);
  if (nested) {
    await kernel.stop();
    throw nested;
  }
  // Our servers inherit the marker (the stdio transport passes it on), so a Switchboard among them knows.
  process.env[SWITCHBOARD_CHAIN_ENV] = extendChain(chain, { pid: process.pid, config: self });
  let hub: Hub | undefined;
  const loadErrors = new Map<ConfigSource, string>();
  const details = new Map<string, string>();
  const learnDetails = (servers: ServerDefinition[]) => {
    for (const server of servers) {
      const uuid = server?.meta?.uuid;
      if (typeof uuid === 'string' && uuid) details.set(server.id, `uuid ${uuid}`);
    }
  };
  try {
    await kernel.start();
    const config = options.hubConfig ? options.hubConfig(kernel.config.current) : kernel.config.current;
    // Each contribution goes to the hub with its plugin's id, so a failing hook is reported with it.
    const connectors = kernel.connectors;
    const guarded = refuseUnsetVariables(
      connectors.map((c) => c.contribution),
      kernel.config,
    );
    const wrapped = options.connectors ? options.connectors(guarded) : guarded;
    hub = new Hub({
      config,
      sources: kernel.contributed('config-source').map(({ pluginId, contribution }) => ({
        pluginId,
        contribution: secretAware(contribution, kernel.secrets, (error) => loadErrors.set(contribution, formatError(error)), learnDetails),
      })),
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
    serverDetail: (id) => details.get(id),
    sourceHealth: () =>
      kernel.contributionsOf('config-source').map(({ plugin, contribution }) => {
        const kept = (contribution as { lastError?: unknown }).lastError;
        return { plugin: plugin.plugin.id, error: loadErrors.get(contribution) ?? (typeof kept === 'string' && kept ? kept : undefined) };
      }),
    stop: () =>
      (stopping ??= (async () => {
        await started.stop();
        await kernel.stop();
      })()),
  };
}
