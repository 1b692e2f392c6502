import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which plugin's code is running, carried through everything it starts (timers, promises, callbacks) by Node's
 * AsyncLocalStorage. The host runs each plugin's setup and hooks in its scope, so an error nobody caught (a throw in
 * the plugin's own timer, a rejection nobody awaits) can be blamed on the plugin even when its stack says nothing.
 */
const scope = new AsyncLocalStorage<string>();

/** Runs `fn` as plugin `pluginId`: what it starts, asynchronously too, is attributed to that plugin. */
export function runAsPlugin<T>(pluginId: string, fn: () => T): T {
  return scope.run(pluginId, fn);
}

/** The plugin whose code (or whose timer, promise or callback) is running now; undefined for the host's own. */
export function currentPluginId(): string | undefined {
  return scope.getStore();
}
