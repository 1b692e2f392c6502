import type { z } from 'zod';
import type { PluginContributions, PluginKind } from './kinds.js';
import type { ResolvedDeps, TokenMap } from './tokens.js';
import { apiVersion as currentApiVersion } from './version.js';

type MaybePromise<T> = T | Promise<T>;

/** What `definePlugin` takes. */
export interface PluginSpec<K extends PluginKind, D extends TokenMap, S extends z.ZodType | undefined> {
  /** Unique id, conventionally the package name without `switchboard-plugin-`. */
  id: string;
  kind: K;
  /** Plugin API version this plugin was built against. Defaults to the version of the plugin-api you compile with. */
  apiVersion?: string;
  /** Runs before (`pre`) or after (`post`) the other plugins of its kind. */
  enforce?: 'pre' | 'post';
  /** A zod schema for the options given as `["name", { ...options }]` in the config. */
  options?: S;
  /** The services this plugin needs, as tokens (see coreServices). */
  deps?: D;
  /** Builds the plugin's contribution. It may return `dispose()` for clean-up. */
  setup(deps: ResolvedDeps<D>, options: S extends z.ZodType ? z.output<S> : undefined): MaybePromise<PluginContributions[K]>;
}

/** A plugin as the kernel sees it. */
export interface SwitchboardPlugin<K extends PluginKind = PluginKind> {
  readonly id: string;
  readonly kind: K;
  readonly apiVersion: string;
  readonly enforce?: 'pre' | 'post';
  readonly options?: z.ZodType;
  readonly deps: TokenMap;
  setup(deps: Record<string, unknown>, options: unknown): MaybePromise<PluginContributions[K]>;
  /** Brand that tells a plugin object from any other object. */
  readonly $switchboardPlugin: true;
}

/**
 * Defines a plugin. Plain objects only: no decorators, no DI library.
 *
 * @example
 * export default definePlugin({
 *   id: 'hello-source',
 *   kind: 'config-source',
 *   setup: () => ({ load: async () => [] }),
 * });
 */
export function definePlugin<K extends PluginKind, D extends TokenMap = {}, S extends z.ZodType | undefined = undefined>(
  spec: PluginSpec<K, D, S>,
): SwitchboardPlugin<K> {
  if (!spec || typeof spec.setup !== 'function') throw new TypeError('definePlugin: "setup" must be a function');
  if (!spec.id) throw new TypeError('definePlugin: "id" is required');
  return Object.freeze({
    id: spec.id,
    kind: spec.kind,
    apiVersion: spec.apiVersion ?? currentApiVersion,
    ...(spec.enforce ? { enforce: spec.enforce } : {}),
    ...(spec.options ? { options: spec.options } : {}),
    deps: spec.deps ?? {},
    setup: spec.setup as SwitchboardPlugin<K>['setup'],
    $switchboardPlugin: true as const,
  });
}

/** True for objects made by definePlugin (or shaped like them). */
export function isSwitchboardPlugin(value: unknown): value is SwitchboardPlugin {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<SwitchboardPlugin>;
  return typeof v.id === 'string' && typeof v.kind === 'string' && typeof v.setup === 'function';
}
