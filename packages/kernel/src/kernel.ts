import {
  PluginDriver,
  PluginHookError,
  SwitchboardError,
  coreServices,
  currentPluginId,
  isSwitchboardError,
  runAsPlugin,
  treatAsHostCode,
  errorMessage,
  formatError,
  type Clock,
  type ConfigService,
  type ConfigSource,
  type Contributed,
  type DownstreamConnector,
  type FilterContribution,
  type Lifecycle,
  type Logger,
  type PluginContributions,
  type PluginKind,
  type ReporterContribution,
  type SwitchboardConfig,
  type TransportContribution,
  type UpstreamTransport,
} from '@mcp-switchboard/plugin-api';
import { throwCollected } from './collect-errors.js';
import { ConfigStore } from './config/config-store.js';
import { loadConfig, type LoadConfigOptions } from './config/load-config.js';
import { rootContainer, type DependencyContainer } from './di.js';
import { KernelEventBus } from './events/event-bus.js';
import { DisposableRegistry, runCleanup, type CleanupStep, type Owner } from './lifecycle/disposables.js';
import { runWithTimeout } from './lifecycle/with-timeout.js';
import { KernelLifecycle } from './lifecycle/lifecycle.js';
import { createLogger } from './logger.js';
import { processSecrets, type SecretRedactor } from './secrets.js';
import { plan, type PlanOptions } from './plan.js';
import { pluginInStack } from './plugins/blame.js';
import { contributionProblem } from './plugins/check-contribution.js';
import { dependencyProblems, providedTokens, providersByToken, setupOrder } from './plugins/setup-order.js';
import type { ResolvedPlugin } from './plugins/types.js';
import { contributionTokens, kernelTokens } from './tokens.js';
import { RESTART_REQUIRED_KEYS, type ConfigReload, type Contribution, type KernelOptions, type KernelState } from './kernel-options.js';

export { RESTART_REQUIRED_KEYS, type ConfigReload, type Contribution, type KernelOptions, type KernelState } from './kernel-options.js';

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const DEFAULT_SETUP_TIMEOUT_MS = 60_000;

const owner = (item: ResolvedPlugin): Owner => ({ id: item.plugin.id, source: item.source });

/**
 * Loads the config, resolves and validates plugins, wires core services in a tsyringe container of its own,
 * sets plugins up by phase and tears everything down in reverse. Create with `Kernel.create()`.
 */
/** The config-loading part of the kernel's options, as `loadConfig` takes it (start and reload alike). */
function configLoadOptions(options: KernelOptions): Omit<LoadConfigOptions, 'secrets'> {
  return {
    cwd: options.cwd,
    configFile: options.configFile,
    env: options.env,
    overrides: options.overrides,
    defaults: options.defaults,
    required: options.requireConfig,
    globalConfigDir: options.globalConfigDir,
    stopDir: options.stopDir,
  };
}

export class Kernel {
  readonly container: DependencyContainer;
  readonly logger: Logger;
  readonly config: ConfigService;
  readonly events: KernelEventBus;
  /** The host's lifecycle (hooks owned by "kernel"); plugins get their own view. */
  readonly lifecycle: Lifecycle;
  /** The secret values of the loaded config(s), scrubbed from logs; `redact()` for diagnostic output. */
  readonly secrets: SecretRedactor;
  /** Every plugin that will be set up, in setup order. */
  readonly plugins: readonly ResolvedPlugin[];

  readonly #options: KernelOptions;
  readonly #store: ConfigStore;
  readonly #lifecycle: KernelLifecycle;
  readonly #clock: Clock;
  readonly #disposables = new DisposableRegistry();
  readonly #contributions: Contribution[] = [];
  /** Reporters' hooks are called through one driver, so a failure names the plugin and the hook. */
  readonly #reporterEntries: Array<Contributed<ReporterContribution>> = [];
  readonly #reporters = new PluginDriver<ReporterContribution>(this.#reporterEntries);
  /** Per reporter: drain its queue, then flush(); run on stop before anything is disposed. */
  readonly #reporterFlushes: CleanupStep[] = [];
  readonly #ownedLogger: { flush(): void } | undefined;
  #state: KernelState = 'created';
  #startPromise: Promise<void> | undefined;
  #stopPromise: Promise<{ errors: SwitchboardError[] }> | undefined;
  #stopRequested = false;
  #setupDone: Promise<void> = Promise.resolve();

  /** Loads and validates everything (throwing every problem at once); nothing is set up until start(). */
  static async create(options: KernelOptions): Promise<Kernel> {
    const planOptions: PlanOptions = {
      ...configLoadOptions(options),
      builtinPlugins: options.builtinPlugins,
      extraPlugins: options.extraPlugins,
      resolveFrom: options.resolveFrom,
      secrets: options.secrets ?? processSecrets,
    };
    const result = await plan(planOptions);
    const owned = options.logger
      ? undefined
      : createLogger({ level: result.config.logLevel ?? 'info', file: result.config.logFile, secrets: options.secrets ?? processSecrets });
    const logger = options.logger ?? owned!;
    for (const notice of result.notices) logger[notice.level](notice.message, notice.fields);
    for (const { replaced, by } of result.replaced) {
      logger.debug('plugin replaced by a later entry', { plugin: replaced.plugin.id, replaced: replaced.source, by: by.source });
    }
    return new Kernel(options, result.config, result.filepath, setupOrder(result.plugins), logger, owned);
  }

  private constructor(
    options: KernelOptions,
    config: SwitchboardConfig,
    filepath: string | undefined,
    plugins: ResolvedPlugin[],
    logger: Logger,
    ownedLogger: { flush(): void } | undefined,
  ) {
    this.#options = options;
    this.secrets = options.secrets ?? processSecrets;
    this.#ownedLogger = ownedLogger;
    this.#clock = options.clock ?? systemClock;
    this.logger = logger;
    this.plugins = plugins;
    // The app's own plugins run as its code: no plugin scope, so no async hooks unless a third-party plugin runs.
    treatAsHostCode(plugins.filter((item) => item.source === 'builtin').map((item) => item.plugin.id));
    this.#store = new ConfigStore(config, filepath, logger);
    this.config = this.#store;

    // A container per kernel: two kernels in one process (tests) never share registrations.
    this.container = rootContainer.createChildContainer();
    this.container.register(coreServices.logger.id, { useValue: logger });
    this.container.register(coreServices.clock.id, { useValue: this.#clock });
    this.container.register(coreServices.config.id, { useValue: this.#store });
    this.container.register(kernelTokens.eventQueueSize, { useValue: options.eventQueueSize ?? 1000 });
    this.container.registerSingleton(coreServices.events.id, KernelEventBus);
    this.container.registerSingleton(coreServices.lifecycle.id, KernelLifecycle);
    this.events = this.container.resolve<KernelEventBus>(coreServices.events.id);
    this.#lifecycle = this.container.resolve<KernelLifecycle>(coreServices.lifecycle.id);
    this.lifecycle = this.#lifecycle;
  }

  get state(): KernelState {
    return this.#state;
  }

  /** Every contribution, in setup order, with its plugin. Filled by start(). */
  get contributions(): readonly Contribution[] {
    return this.#contributions;
  }

  contributionsOf<K extends PluginKind>(kind: K): Array<Contribution<K>> {
    return this.#contributions.filter((c): c is Contribution<K> => c.kind === kind);
  }

  get sources(): ConfigSource[] {
    return this.contributionsOf('config-source').map((c) => c.contribution);
  }

  get reporters(): ReporterContribution[] {
    return this.contributionsOf('reporter').map((c) => c.contribution);
  }

  get filters(): FilterContribution[] {
    return this.contributionsOf('filter').map((c) => c.contribution);
  }

  get transports(): TransportContribution[] {
    return this.contributionsOf('transport').map((c) => c.contribution);
  }

  /**
   * The read-only facts a plugin's contribution publishes through `info()` (e.g. the port it bound), or
   * undefined when it has none or is not set up. A failing `info()` is reported as that plugin's hook error.
   */
  info(pluginId: string): Readonly<Record<string, unknown>> | undefined {
    const found = this.#contributions.find((c) => c.plugin.plugin.id === pluginId);
    if (!found) return undefined;
    const contribution = found.contribution as { info?: () => Readonly<Record<string, unknown>> };
    if (typeof contribution.info !== 'function') return undefined;
    try {
      return contribution.info();
    } catch (error) {
      throw new PluginHookError(pluginId, 'info', error);
    }
  }

  /**
   * The id of the plugin whose code an error came from, for errors nobody caught (a plugin's own timer or promise):
   * by its stack, else by the async scope it failed in (what a plugin's setup or hook started). Undefined when
   * neither names a plugin. Call it from the `uncaughtException`/`unhandledRejection` handler, where the scope is
   * still the failing callback's.
   */
  pluginBlamedFor(error: unknown): string | undefined {
    // The stack first (exact); else the plugin whose setup or hook started what failed (its async scope).
    return pluginInStack(error, this.plugins)?.plugin.id ?? currentPluginId();
  }

  /** A kind's contributions, each with its plugin's id: what the host hands the hub and calls hooks through. */
  contributed<K extends PluginKind>(kind: K): Array<Contributed<PluginContributions[K]>> {
    return this.contributionsOf(kind).map((c) => ({ pluginId: c.plugin.plugin.id, contribution: c.contribution }));
  }

  /** Every downstream connector of the transport plugins, with the id of the plugin that provides it. */
  get connectors(): Array<Contributed<DownstreamConnector>> {
    return this.contributed('transport').flatMap(({ pluginId, contribution }) =>
      (contribution.connectors ?? []).map((connector) => ({ pluginId, contribution: connector })),
    );
  }

  /** Every front door of the transport plugins, with the id of the plugin that provides it. */
  get frontDoors(): Array<Contributed<UpstreamTransport>> {
    return this.contributed('transport').flatMap(({ pluginId, contribution }) =>
      contribution.upstream ? [{ pluginId, contribution: contribution.upstream }] : [],
    );
  }

  /** Sets every plugin up by phase, then runs start hooks. On failure, what was set up is disposed and the error thrown. */
  start(): Promise<void> {
    if (this.#stopPromise && !this.#startPromise) {
      return Promise.reject(new Error('Kernel.start(): the kernel was stopped; create a new one'));
    }
    return (this.#startPromise ??= this.#start());
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    let setupFinished!: () => void;
    this.#setupDone = new Promise<void>((resolve) => (setupFinished = resolve));
    try {
      throwCollected(this.#checkDeps(), (count) => `${count} problems with plugin dependencies`);
      for (const item of this.plugins) {
        if (this.#stopRequested) throw new SwitchboardError('SWB_PLUGIN_SETUP', 'start was cancelled because stop() was called');
        await this.#setup(item);
      }
      await this.#lifecycle.runStart();
    } catch (error) {
      setupFinished();
      // The caller reports the error itself; this line only explains the clean-up that follows.
      this.logger.debug('start failed; stopping what was set up', { error: formatError(error) });
      await this.stop();
      throw error;
    }
    setupFinished();
    this.#state = 'started';
  }

  /** Unknown tokens are found before anything is set up, for every plugin at once. */
  #checkDeps(): SwitchboardError[] {
    const known = new Set<string>([...Object.values(coreServices), ...Object.values(contributionTokens)].map((t) => t.id));
    const provided = providersByToken(this.plugins);
    const errors: SwitchboardError[] = [];
    for (const item of this.plugins) {
      for (const [key, token] of Object.entries(item.plugin.deps ?? {})) {
        if (known.has(token.id) || provided.has(token.id) || this.container.isRegistered(token.id, true)) continue;
        // A multi-token nobody provides is an empty list, not a missing service.
        if (token.multiple) continue;
        errors.push(
          new SwitchboardError(
            'SWB_PLUGIN_INVALID',
            `plugin "${item.plugin.id}" (${item.source}) depends on "${token.id}" (deps.${key}), which no loaded plugin or the host provides; known: ${[...known, ...provided.keys()].join(', ')}`,
            {
              fix: `Load the plugin that provides "${token.id}" (list it in "plugins"), or use a version of "${item.plugin.id}" that does not need it.`,
              details: { plugin: item.plugin.id, source: item.source, token: token.id },
            },
          ),
        );
      }
    }
    errors.push(...dependencyProblems(this.plugins));
    return errors;
  }

  /** Each plugin resolves its deps in a child container holding its own logger and lifecycle view. */
  #resolveDeps(item: ResolvedPlugin): Record<string, unknown> {
    const scope = this.container.createChildContainer();
    scope.register(coreServices.logger.id, { useValue: this.logger.child({ plugin: item.plugin.id }) });
    scope.register(coreServices.lifecycle.id, { useValue: this.#lifecycle.forPlugin(owner(item)) });
    const deps: Record<string, unknown> = {};
    for (const [key, token] of Object.entries(item.plugin.deps ?? {})) {
      const registered = scope.isRegistered(token.id, true);
      deps[key] = token.multiple ? (registered ? scope.resolveAll(token.id) : []) : scope.resolve(token.id);
    }
    return deps;
  }

  async #setup(item: ResolvedPlugin): Promise<void> {
    const { plugin, source } = item;
    const timeoutMs = this.#options.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
    const deps = this.#resolveDeps(item);
    // In the plugin's scope: timers and promises its setup starts are attributed to it if they fail uncaught.
    const outcome = await runWithTimeout(() => runAsPlugin(plugin.id, () => plugin.setup(deps as never, item.options as never)), timeoutMs, this.#clock);
    if (outcome.status === 'timed-out') {
      throw new SwitchboardError('SWB_PLUGIN_SETUP', `plugin "${plugin.id}" (${source}) did not finish setting up within ${timeoutMs} ms`, {
        fix: 'Its setup() never settled (a promise that is never resolved, a connection that never answers): report it to the plugin\'s author, or remove it from "plugins".',
        details: { plugin: plugin.id, source, timeoutMs },
      });
    }
    if (outcome.status === 'failed') {
      const cause = outcome.error;
      // The author's own SwitchboardError keeps its code (in the message and details) and its fix.
      const own = isSwitchboardError(cause) ? cause : undefined;
      throw new SwitchboardError(
        'SWB_PLUGIN_SETUP',
        `plugin "${plugin.id}" (${source}) failed to set up: ${errorMessage(cause)}${own ? ` (${own.code})` : ''}`,
        {
          cause,
          ...(own ? { fix: own.fix } : {}),
          details: { ...own?.details, plugin: plugin.id, source, ...(own ? { cause: own.code } : {}) },
        },
      );
    }
    const contribution: unknown = outcome.value;
    const problem = contributionProblem(plugin.kind, contribution) ?? missingProvided(item, contribution);
    if (problem) {
      throw new SwitchboardError('SWB_PLUGIN_SETUP', `plugin "${plugin.id}" (${source}) failed to set up: ${problem}`, {
        fix: `A bug in the plugin: its setup() must return what a ${plugin.kind} plugin contributes (docs/plugins.md); report it to the plugin's author.`,
        details: { plugin: plugin.id, source },
      });
    }
    const entry = { plugin: item, kind: plugin.kind, contribution } as Contribution;
    this.#contributions.push(entry);
    this.container.register(contributionTokens[plugin.kind].id, { useValue: contribution });
    const services = (contribution as { provides?: Record<string, unknown> }).provides ?? {};
    for (const { key, id } of providedTokens(item)) this.container.register(id, { useValue: services[key] });
    const disposable = contribution as { dispose?: () => unknown };
    if (typeof disposable.dispose === 'function') {
      this.#disposables.add({ owner: owner(item), what: 'dispose', run: () => disposable.dispose!() });
    }
    if (plugin.kind === 'reporter') {
      const reporter: Contributed<ReporterContribution> = { pluginId: plugin.id, contribution: contribution as ReporterContribution };
      this.#reporterEntries.push(reporter);
      const subscription = this.events.subscribe(`reporter "${plugin.id}"`, (event) => this.#reporters.call(reporter, 'onEvent', event));
      this.#reporterFlushes.push({ owner: owner(item), what: 'flush', run: () => subscription.idle().then(() => this.#reporters.call(reporter, 'flush')) });
    }
    this.logger.debug('plugin set up', { plugin: plugin.id, kind: plugin.kind, source });
  }

  /**
   * Stops everything: stop hooks (newest first), reporters drain and flush, then every contribution is disposed
   * newest-first, each step with a timeout. Idempotent; safe before start and after a failed start. Failures are
   * logged and returned, never thrown.
   */
  stop(): Promise<{ errors: SwitchboardError[] }> {
    return (this.#stopPromise ??= this.#stop());
  }

  async #stop(): Promise<{ errors: SwitchboardError[] }> {
    this.#stopRequested = true;
    // A start in progress finishes the plugin it is setting up, sees the request and unwinds.
    await this.#setupDone;
    this.#state = 'stopping';
    const timeout = this.#options.disposeTimeoutMs ?? 5000;
    const errors: SwitchboardError[] = [];
    errors.push(...(await this.#lifecycle.runStop(timeout)));
    for (const step of this.#reporterFlushes.splice(0)) {
      const error = await runCleanup(step, timeout, this.#clock);
      if (error) errors.push(error);
    }
    this.events.close();
    errors.push(...(await this.#disposables.disposeAll(timeout, this.#clock)));
    for (const error of errors) this.logger.error(error.message, { code: error.code, ...error.details });
    this.#state = 'stopped';
    this.#ownedLogger?.flush();
    return { errors };
  }

  /**
   * Reads the config file again, with the same CLI overrides, app defaults and environment as at start (flag >
   * env > file > default). On success the new config becomes current and listeners are told, unless nothing
   * changed; keys that need a restart (see `restartRequiredKeys`) keep their running values and are named in
   * the result. On failure the error is thrown (formatted like at start) and the old config stays.
   * Plugins are not reloaded.
   */
  async reload(): Promise<ConfigReload> {
    const previous = this.#store.current;
    const { config: loaded, filepath } = await loadConfig({
      ...configLoadOptions(this.#options),
      // A reload reads the file found at start, wherever discovery found it.
      configFile: this.#store.filepath ?? this.#options.configFile,
      secrets: this.secrets,
    });
    const restartKeys = new Set(this.#options.restartRequiredKeys ?? RESTART_REQUIRED_KEYS);
    const config = { ...loaded } as Record<string, unknown>;
    const before = previous as Record<string, unknown>;
    const applied: string[] = [];
    const restartRequired: string[] = [];
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(config)])].sort()) {
      if (sameValue(before[key], config[key])) continue;
      if (restartKeys.has(key)) {
        restartRequired.push(key);
        if (key in before) config[key] = before[key];
        else delete config[key];
      } else applied.push(key);
    }
    if (applied.length > 0 || filepath !== this.#store.filepath) this.#store.replace(config as SwitchboardConfig, filepath);
    return { config: this.#store.current, previous, filepath, applied, restartRequired };
  }

  /** `reload()`, returning only the configuration now current. */
  async reloadConfig(): Promise<SwitchboardConfig> {
    return (await this.reload()).config;
  }
}

/** The first service a plugin declares in `provides` but its setup did not return, as a problem text. */
function missingProvided(item: ResolvedPlugin, contribution: unknown): string | undefined {
  const services = (contribution as { provides?: Record<string, unknown> }).provides ?? {};
  const missing = providedTokens(item).filter(({ key }) => services[key] === undefined);
  if (missing.length === 0) return undefined;
  return `it declares provides.${missing[0]!.key} ("${missing[0]!.id}") but setup() returned no value for it under "provides"`;
}

/** Deep equality of two config values (key order ignored; functions of `.mjs` plugin objects compare by source). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'function' && typeof b === 'function') return a.toString() === b.toString();
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameValue(item, other[i]));
  }
  const left = Object.entries(a as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const right = Object.entries(b as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (left.length !== right.length) return false;
  const rightMap = new Map(right);
  return left.every(([k, v]) => rightMap.has(k) && sameValue(v, rightMap.get(k)));
}
