import {
  PluginDriver,
  PluginHookError,
  errorMessage,
  withPluginIds,
  type ConfigSource,
  type DownstreamConnector,
  type FilterContribution,
  type MiddlewareContribution,
} from '@mcp-switchboard/plugin-api';
import type { HubOptions } from '../types.js';

/**
 * The plugin contributions the hub calls, each kind behind one driver: every hook call goes through it, so a
 * failure names the plugin and the hook. Contributions handed over bare (tests, embedders) get an id of their
 * kind and position (`filter #1`).
 */
export interface HubPlugins {
  readonly sources: PluginDriver<ConfigSource>;
  readonly filters: PluginDriver<FilterContribution>;
  readonly connectors: PluginDriver<DownstreamConnector>;
  /** Middleware in plugin order; list hooks run in this order, `afterToolCall` in reverse. */
  readonly middleware: PluginDriver<MiddlewareContribution>;
}

/** How long a filter's `beforeToolCall` may take, unless the hub is told otherwise. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

export function hubPlugins(options: Pick<HubOptions, 'sources' | 'filters' | 'middleware' | 'connectors' | 'hookTimeoutMs' | 'clock'>): HubPlugins {
  return {
    sources: new PluginDriver(withPluginIds('config-source', options.sources)),
    // A filter sits on every tool call: one that hangs must not hold the call until the client gives up.
    filters: new PluginDriver(withPluginIds('filter', options.filters), { timeoutMs: options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS, clock: options.clock }),
    connectors: new PluginDriver(withPluginIds('connector', options.connectors)),
    // Middleware sits on every call too: the same time limit for its call hooks.
    middleware: new PluginDriver(withPluginIds('middleware', options.middleware ?? []), {
      timeoutMs: options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
      clock: options.clock,
    }),
  };
}

/** Log fields of a hook's failure: the plugin, the hook, the message, and what was thrown (with its stack). */
export function hookFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof PluginHookError)) return { error: errorMessage(error), err: error };
  return { plugin: error.pluginId, hook: error.hook, error: errorMessage(error.cause), err: error.cause };
}
