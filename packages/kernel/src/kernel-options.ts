import type { Clock, Logger, PluginContributions, PluginKind, SwitchboardConfig, SwitchboardPlugin } from '@mcp-switchboard/plugin-api';
import type { LoadConfigOptions } from './config/load-config.js';
import type { ResolvedPlugin } from './plugins/types.js';
import type { SecretRedactor } from './secrets.js';

/** Where the config comes from: the same settings as `loadConfig` (documented there). */
type ConfigSourceOptions = Pick<LoadConfigOptions, 'cwd' | 'configFile' | 'env' | 'overrides' | 'defaults' | 'globalConfigDir' | 'stopDir'>;

export interface KernelOptions extends ConfigSourceOptions {
  /** Fail with SWB_CONFIG_NOT_FOUND when no config file is found. */
  requireConfig?: boolean | undefined;
  /** Plugins the app always loads; a config entry with the same id replaces one (with the config's options). */
  builtinPlugins?: ReadonlyArray<{ plugin: SwitchboardPlugin; options?: unknown }> | undefined;
  /** Entries from the command line, resolved like config entries; they replace config entries of the same id. */
  extraPlugins?: readonly unknown[] | undefined;
  /** The app's own folders: plugin packages are looked up here first (so they resolve under npx). */
  resolveFrom?: readonly string[] | undefined;
  /** Defaults to a pino logger on stderr (or `logFile`) at the config's `logLevel`. */
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Time each stop hook, flush and dispose gets before it is cut off. Default 5000. */
  disposeTimeoutMs?: number | undefined;
  /**
   * Time each plugin's `setup` gets (as avvio's `pluginTimeout`): one that has not finished by then stops
   * start-up with SWB_PLUGIN_SETUP naming the plugin, instead of waiting forever. Default 60000.
   */
  setupTimeoutMs?: number | undefined;
  /** Events each reporter may have queued before the oldest are dropped. Default 1000. */
  eventQueueSize?: number | undefined;
  /**
   * Learns the secrets of every config loaded (start and reloads) and scrubs them from the kernel's own logger.
   * Default: the process-wide redactor behind `redactSecrets()`.
   */
  secrets?: SecretRedactor | undefined;
  /**
   * Top-level config keys a reload cannot apply to a running process; a change to one is reported in
   * `ConfigReload.restartRequired` and the running value is kept. Default: {@link RESTART_REQUIRED_KEYS}.
   */
  restartRequiredKeys?: readonly string[] | undefined;
}

/**
 * Config keys read once at start: the front door (`transport`, `host`, `port`, `http`), the plugin set, the
 * logger, and the hub's construction-time settings (profile selection, namespacing, timeouts, supervision, paging).
 * `mcpServers`, `filters` and `watch` are applied live.
 */
export const RESTART_REQUIRED_KEYS: readonly string[] = [
  'transport',
  'host',
  'port',
  'http',
  'plugins',
  'logLevel',
  'logFile',
  'profile',
  'profiles',
  'namespace',
  'timeouts',
  'supervision',
  'pageSize',
  'startupBudgetMs',
  'requestStateKey',
];

/** The outcome of a successful `Kernel.reload()`. */
export interface ConfigReload {
  /** The configuration now current (restart-only keys keep their running values). */
  config: SwitchboardConfig;
  /** The configuration before the reload. */
  previous: SwitchboardConfig;
  filepath: string | undefined;
  /** Top-level keys whose value changed and was applied (e.g. `mcpServers`, `filters`). */
  applied: string[];
  /** Top-level keys that changed in the file but need a restart; their running values were kept. */
  restartRequired: string[];
}

/** One plugin's contribution, with the plugin it came from. */
export interface Contribution<K extends PluginKind = PluginKind> {
  plugin: ResolvedPlugin;
  kind: K;
  contribution: PluginContributions[K];
}

export type KernelState = 'created' | 'starting' | 'started' | 'stopping' | 'stopped';
