import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which plugin's code is running, carried through everything it starts (timers, promises, callbacks) by Node's
 * AsyncLocalStorage. The host runs each plugin's setup and hooks in its scope, so an error nobody caught (a throw in
 * the plugin's own timer, a rejection nobody awaits) can be blamed on the plugin even when its stack says nothing.
 */
const scope = new AsyncLocalStorage<string>();

/** Plugins that are the host's own code (see treatAsHostCode). */
const hostPlugins = new Set<string>();

/**
 * Runs `fn` as plugin `pluginId`: what it starts, asynchronously too, is attributed to that plugin. A plugin the
 * host treats as its own code runs as the host's code.
 */
export function runAsPlugin<T>(pluginId: string, fn: () => T): T {
  return hostPlugins.has(pluginId) ? fn() : scope.run(pluginId, fn);
}

/**
 * For hosts: the plugins with these ids are the host's own code (bundled with it), run without a plugin scope.
 * A scope is an AsyncLocalStorage, and once one is entered every promise of the process pays for Node's async hooks
 * (on Node 20, several microseconds a tool call): a host running its own plugins alone never turns them on. What
 * such a plugin's timers do wrong is blamed on the host, as the host's own code is.
 */
export function treatAsHostCode(pluginIds: Iterable<string>): void {
  for (const id of pluginIds) hostPlugins.add(id);
}

/** The plugin whose code (or whose timer, promise or callback) is running now; undefined for the host's own. */
export function currentPluginId(): string | undefined {
  return scope.getStore();
}
