import type { z } from 'zod';
import type { PluginContributions, PluginKind } from './kinds.js';
import type { ProvidedServices, ResolvedDeps, TokenMap } from './tokens.js';
import { apiVersion as currentApiVersion } from './version.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * What a plugin's `setup` returns: its kind's contribution, plus `provides` holding one value per token of its
 * `provides` record (only when it declares one).
 */
export type SetupResult<K extends PluginKind, P extends TokenMap> = {} extends P
  ? PluginContributions[K] & { provides?: ProvidedServices<P> }
  : PluginContributions[K] & { provides: ProvidedServices<P> };

/** What `definePlugin` takes. */
export interface PluginSpec<K extends PluginKind, D extends TokenMap, S extends z.ZodType | undefined, P extends TokenMap = {}> {
  /** Unique id, conventionally the package name without `switchboard-plugin-`. */
  id: string;
  kind: K;
  /** Plugin API version this plugin was built against. Defaults to the version of the plugin-api you compile with. */
  apiVersion?: string;
  /** Runs before (`pre`) or after (`post`) the other plugins of its kind. */
  enforce?: 'pre' | 'post';
  /** A zod schema for the options given as `["name", { ...options }]` in the config. */
  options?: S;
  /** The services this plugin needs, as tokens (see coreServices, and tokens other plugins provide). */
  deps?: D;
  /**
   * The services this plugin provides to others (plugin API 2.0), as tokens; `setup` returns their values under
   * `provides`. Plugins of any kind that list one of these tokens in `deps` are set up after this one.
   */
  provides?: P;
  /** Builds the plugin's contribution. It may return `dispose()` for clean-up and `provides` for its services. */
  setup(deps: ResolvedDeps<D>, options: S extends z.ZodType ? z.output<S> : undefined): MaybePromise<SetupResult<K, P>>;
}

/**
 * A plugin as the kernel sees it. `D`, `S` and `P` keep the types of its deps, options schema and provided
 * services, so a test can call `plugin.setup(deps, options)` with the right types.
 */
export interface SwitchboardPlugin<
  K extends PluginKind = PluginKind,
  D extends TokenMap = TokenMap,
  S extends z.ZodType | undefined = z.ZodType | undefined,
  P extends TokenMap = TokenMap,
> {
  readonly id: string;
  readonly kind: K;
  readonly apiVersion: string;
  readonly enforce?: 'pre' | 'post';
  readonly options?: S;
  readonly deps: D;
  /** Tokens of the services it provides (empty when none). */
  readonly provides: P;
  setup(deps: ResolvedDeps<D>, options: S extends z.ZodType ? z.output<S> : undefined): MaybePromise<SetupResult<K, P>>;
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
export function definePlugin<K extends PluginKind, D extends TokenMap = {}, S extends z.ZodType | undefined = undefined, P extends TokenMap = {}>(
  spec: PluginSpec<K, D, S, P>,
): SwitchboardPlugin<K, D, S, P> {
  if (!spec || typeof spec.setup !== 'function') throw new TypeError('definePlugin: "setup" must be a function');
  if (!spec.id) throw new TypeError('definePlugin: "id" is required');
  return Object.freeze({
    id: spec.id,
    kind: spec.kind,
    apiVersion: spec.apiVersion ?? currentApiVersion,
    ...(spec.enforce ? { enforce: spec.enforce } : {}),
    ...(spec.options ? { options: spec.options } : {}),
    deps: spec.deps ?? ({} as D),
    provides: spec.provides ?? ({} as P),
    setup: spec.setup,
    $switchboardPlugin: true as const,
  });
}

/** True for objects made by definePlugin (or shaped like them). */
export function isSwitchboardPlugin(value: unknown): value is SwitchboardPlugin {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<SwitchboardPlugin>;
  return typeof v.id === 'string' && typeof v.kind === 'string' && typeof v.setup === 'function';
}
