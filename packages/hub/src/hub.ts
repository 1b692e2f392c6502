import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  SwitchboardError,
  type Logger,
  type ServerHealth,
  type StatelessRequest,
  type StatelessRequestOptions,
  type StatelessResponse,
  type SwitchboardEvent,
  type UpstreamHost,
  type UpstreamSession,
  type UpstreamSessionOptions,
} from '@mcp-switchboard/plugin-api';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CatalogEntry, CatalogSnapshot, CatalogSource } from './catalog/catalog.js';
import type { NamespaceOptions } from './catalog/namespace.js';
import { CatalogViews, DEFAULT_VIEW } from './catalog/views.js';
import { connectionHooks } from './connection-hooks.js';
import { listKinds } from './connections/server-connection.js';
import { ServerSet } from './connections/server-set.js';
import { realClock, resolveSupervision } from './connections/supervision.js';
import type { HubContext } from './context.js';
import { watchFilters } from './plugins/filter-changes.js';
import { hubPlugins, type HubPlugins } from './plugins/hub-plugins.js';
import { Router } from './routing/router.js';
import { HubSession, type SessionHost } from './session/upstream-session.js';
import { SourceServers } from './sources.js';
import { StatelessDispatcher } from './stateless/dispatcher.js';
import { RequestStateSigner, signingKey } from './stateless/request-state.js';
import { withListeners } from './stateless/subscriptions.js';
import type { HubOptions, ServerStatus } from './types.js';
import { delay } from './util/deferred.js';
import { ErrorCode, errorMessage } from './util/rpc-error.js';

const packageVersion = (() => {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/**
 * The aggregation engine: one supervised connection per downstream server, one catalog snapshot per view,
 * one SDK `Server` per client session. A client connected to the hub uses every server as if connected to
 * each directly.
 */
export class Hub implements UpstreamHost {
  /** Called by `requestShutdown`; the app wires it (`hub.onShutdownRequest = ...`). */
  onShutdownRequest: ((reason: string) => void) | undefined;

  private readonly options: HubOptions;
  private readonly logger: Logger;
  private readonly serverInfo: { name: string; version: string };
  private readonly profileName: string | undefined;
  private readonly namespace: NamespaceOptions;
  private readonly views: CatalogViews;
  private readonly router: Router;
  private readonly ctx: HubContext;
  private readonly sessionHost: SessionHost;
  private readonly stateless: StatelessDispatcher;

  private readonly connections: ServerSet;
  private readonly sourceServers: SourceServers;
  private readonly plugins: HubPlugins;
  private readonly sessions = new Map<string, HubSession>();
  private readonly disposers: Array<() => void> = [];

  private startPromise: Promise<void> | undefined;
  private startupGate: Promise<void> | undefined;
  private startupFinished = false;
  private sourcesLoaded = false;
  private stopPromise: Promise<void> | undefined;

  constructor(options: HubOptions) {
    this.options = options;
    this.logger = options.logger;
    this.serverInfo = options.serverInfo ?? { name: 'mcp-switchboard', version: packageVersion };
    this.onShutdownRequest = options.onShutdownRequest;
    const config = options.config;
    this.namespace = {
      mode: config.namespace?.mode ?? 'always',
      separator: config.namespace?.separator ?? '__',
      maxLength: config.namespace?.maxLength ?? 64,
    };
    if (options.profile !== undefined) this.assertProfile(options.profile);
    this.profileName = options.profile;
    this.plugins = hubPlugins(options);
    this.sourceServers = new SourceServers(this.plugins.sources, this.logger);
    this.connections = new ServerSet({
      config,
      connectors: this.plugins.connectors,
      clientInfo: this.serverInfo,
      logger: this.logger,
      hooks: withListeners(
        connectionHooks({
          logger: this.logger,
          sessions: this.sessions,
          isCurrent: (connection) => this.connections.isCurrent(connection),
          invalidateCatalog: () => this.views.invalidate(),
          emit: (event) => this.emit(event),
        }),
        () => this.stateless?.subscriptions,
        (connection) => this.connections.isCurrent(connection),
      ),
      supervision: resolveSupervision(config.supervision),
      clock: options.clock ?? realClock,
    });

    this.views = new CatalogViews({
      namespace: this.namespace,
      filters: this.plugins.filters,
      middleware: this.plugins.middleware,
      serversOf: (view) => this.serversOf(view),
      sourcesOf: (ids) => this.sourcesOf(ids),
      warn: (message, fields) => this.logger.warn(message, fields),
      onRebuilt: (snapshot) =>
        this.emit({
          type: 'catalog.changed',
          tools: snapshot.tools.length,
          prompts: snapshot.prompts.length,
          resources: snapshot.resources.length,
          at: Date.now(),
        }),
    });

    this.ctx = {
      config,
      logger: this.logger,
      filters: this.plugins.filters,
      middleware: this.plugins.middleware,
      emit: (event) => this.emit(event),
      wants: (type) => this.options.events.wants?.(type) ?? true,
      view: (key) => this.views.get(key),
      connection: (id) => this.connections.get(id),
      connections: () => this.connections.all(),
      waitForStartup: () => this.waitForStartup(),
      startupDone: () => this.startupFinished || this.startPromise === undefined,
      instructions: (view) => this.viewInstructions(view),
    };
    this.router = new Router(this.ctx);
    this.stateless = new StatelessDispatcher({
      ctx: this.ctx,
      router: this.router,
      serverInfo: this.serverInfo,
      defaultView: DEFAULT_VIEW,
      assertProfile: (profile) => this.assertProfile(profile),
      signer: new RequestStateSigner(signingKey(config.requestStateKey)),
    });
    this.sessionHost = {
      ctx: this.ctx,
      router: this.router,
      serverInfo: this.serverInfo,
      initialized: (session) => {
        if (session.clientCapabilities()?.roots) this.broadcastRootsChanged();
      },
      rootsChanged: () => this.broadcastRootsChanged(),
      closed: (session) => {
        this.sessions.delete(session.id);
        this.router.releaseAll(session);
        // Servers that kept this session's roots ask again (and get the newest remaining session's).
        if (session.clientCapabilities()?.roots) this.broadcastRootsChanged();
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Life cycle
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Loads the sources (a failing source is logged; the others serve) and starts every enabled server in
   * parallel. Returns once they are launched, without waiting for them.
   */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    const budget = Math.max(0, this.options.config.startupBudgetMs ?? 10_000);
    this.startPromise = this.loadAndLaunch();
    this.startupGate = Promise.race([this.startPromise.then(() => this.connections.settle((c) => c.whenSettled())), delay(budget)]).then(
      () => {
        this.startupFinished = true;
      },
      () => {
        this.startupFinished = true;
      },
    );
    return this.startPromise;
  }

  private async loadAndLaunch(): Promise<void> {
    await this.sourceServers.load();
    this.sourcesLoaded = true;
    if (this.stopPromise) return;
    this.reconcile(false);
    this.disposers.push(
      ...this.sourceServers.watch(() => {
        if (!this.stopPromise) this.reconcile(true);
      }),
    );
    this.disposers.push(...watchFilters(this.plugins.filters, () => this.filtersChanged(), this.logger));
    this.disposers.push(...watchFilters(this.plugins.middleware, () => this.filtersChanged(), this.logger, 'middleware'));
  }

  /**
   * Resolves when every server is ready, failed (a server that keeps failing to start: once its circuit opens),
   * stopped or disabled — none starting or restarting — or after `timeoutMs`. Never rejects.
   */
  async settled(timeoutMs?: number): Promise<void> {
    const all = (async () => {
      await (this.startPromise ?? Promise.resolve()).catch(() => undefined);
      await this.connections.settle((c) => c.whenStable());
    })();
    await (timeoutMs === undefined ? all : Promise.race([all, delay(timeoutMs)]));
  }

  /** True once config is loaded and the startup budget is spent (or every server settled). */
  isReady(): boolean {
    return this.sourcesLoaded && this.startupFinished;
  }

  profiles(): string[] {
    return Object.keys(this.options.config.profiles ?? {});
  }

  requestShutdown(reason: string): void {
    const handler = this.onShutdownRequest;
    if (!handler) {
      this.logger.warn('shutdown requested but nothing handles it', { reason });
      return;
    }
    try {
      handler(reason);
    } catch (error) {
      this.logger.error('the shutdown handler threw', { reason, error: errorMessage(error) });
    }
  }

  /** Closes every session, then every downstream connection (a stdio server's process ends). Idempotent. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopPromise = (async () => {
      for (const dispose of this.disposers.splice(0)) {
        try {
          dispose();
        } catch (error) {
          this.logger.debug('unsubscribe failed', { error: errorMessage(error) });
        }
      }
      this.stateless.stop();
      await Promise.allSettled([...this.sessions.values()].map((s) => s.close()));
      await this.connections.stopAll();
    })();
    return this.stopPromise;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sessions
  // ---------------------------------------------------------------------------------------------------------

  /** Serves one MCP 2026-07-28 request without a session (see StatelessDispatcher). */
  async serveStateless(request: StatelessRequest, options: StatelessRequestOptions = {}): Promise<StatelessResponse> {
    if (this.stopPromise) return { jsonrpc: '2.0', id: request.id, error: { code: ErrorCode.InternalError, message: 'Switchboard is stopping' } };
    return this.stateless.handle(request, options);
  }

  async connect(transport: Transport, options: UpstreamSessionOptions = {}): Promise<UpstreamSession> {
    if (this.stopPromise) throw new Error('Switchboard is stopping: no new sessions');
    if (options.profile !== undefined) this.assertProfile(options.profile);
    const id = options.sessionId ?? randomUUID();
    if (this.sessions.has(id)) throw new Error(`session id "${id}" is already in use`);
    const session = new HubSession(this.sessionHost, { id, view: options.profile ?? DEFAULT_VIEW });
    this.sessions.set(id, session);
    try {
      await session.connect(transport);
    } catch (error) {
      this.sessions.delete(id);
      throw error;
    }
    return session;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Introspection
  // ---------------------------------------------------------------------------------------------------------

  status(): ServerStatus[] {
    return this.connections.status();
  }

  /** Each server's health for front doors (health endpoints, diagnostics): no secrets. */
  servers(): ServerHealth[] {
    return this.status().map((s) => ({
      id: s.id,
      state: s.state,
      ...(s.error !== undefined ? { error: s.error } : {}),
      tools: s.tools,
      restarts: s.restarts,
    }));
  }

  tools(): CatalogEntry[] {
    return [...this.views.get(DEFAULT_VIEW).tools];
  }

  prompts(): CatalogEntry[] {
    return [...this.views.get(DEFAULT_VIEW).prompts];
  }

  /** The snapshot a session of the given profile (or the default view) sees. */
  catalog(profile?: string): CatalogSnapshot {
    return this.views.get(profile ?? DEFAULT_VIEW);
  }

  instructions(): string | undefined {
    return this.viewInstructions(DEFAULT_VIEW);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------------------

  private assertProfile(profile: string): void {
    const known = this.profiles();
    if (!known.includes(profile)) {
      throw new SwitchboardError('SWB_PROFILE_UNKNOWN', `unknown profile "${profile}" (known profiles: ${known.join(', ') || 'none'})`, {
        details: { profile, known },
      });
    }
  }

  private waitForStartup(): Promise<void> {
    if (this.startupFinished || !this.startupGate) return Promise.resolve();
    return this.startupGate;
  }

  private emit(event: SwitchboardEvent): void {
    try {
      this.options.events.emit(event);
    } catch (error) {
      this.logger.debug('event bus threw', { type: event.type, error: errorMessage(error) });
    }
  }

  private serversOf(view: string): ReadonlySet<string> {
    const running = this.connections.all().map((c) => c.id);
    if (view === DEFAULT_VIEW) return new Set(running);
    const members = new Set(this.options.config.profiles?.[view]?.servers ?? []);
    return new Set(running.filter((id) => members.has(id)));
  }

  private sourcesOf(ids: ReadonlySet<string>): CatalogSource[] {
    const sources: CatalogSource[] = [];
    for (const c of this.connections.all()) {
      // A server on its way back (restarting, idle) keeps its last lists: calls to them wait for it.
      if (!ids.has(c.id) || !c.servesLists) continue;
      sources.push({ definition: c.definition, ready: c.isReady, ...c.cache });
    }
    return sources;
  }

  private viewInstructions(view: string): string | undefined {
    const ids = this.serversOf(view);
    const parts: string[] = [];
    for (const c of this.connections.all()) {
      if (!ids.has(c.id) || !c.servesLists) continue;
      const text = [c.instructions?.trim(), c.definition.instructions?.trim()].filter((t): t is string => !!t).join('\n\n');
      if (text) parts.push(`## ${c.definition.name}\n\n${text}`);
    }
    return parts.length ? parts.join('\n\n') : undefined;
  }

  /** Merges the sources (later wins), keeps the selected profile's servers, and starts/stops what changed. */
  private reconcile(announce: boolean): void {
    if (this.stopPromise) return;
    const members = this.profileName !== undefined ? new Set(this.options.config.profiles?.[this.profileName]?.servers ?? []) : undefined;
    const { added, removed, changed, toStart } = this.connections.apply(this.sourceServers.merged(members));
    if (!added.length && !removed.length && !changed.length) return;

    if (announce) {
      this.logger.info('servers changed', { added, removed, changed });
      this.emit({ type: 'config.changed', added, removed, changed, at: Date.now() });
    }
    if (removed.length || changed.length) {
      this.views.invalidate();
      for (const session of this.sessions.values()) session.queueListChanged(listKinds);
    }
    for (const connection of toStart) {
      if (connection.state === 'disabled') {
        this.logger.info(`server "${connection.id}" is disabled`, { server: connection.id });
        continue;
      }
      connection.start().catch((error: unknown) => {
        this.logger.error(`server "${connection.id}": unexpected start error`, { server: connection.id, error: errorMessage(error) });
      });
    }
  }

  /** Tells every ready server that the roots changed, so it asks again (and gets the client's roots). */
  private broadcastRootsChanged(): void {
    for (const connection of this.connections.all()) {
      if (connection.isReady) connection.notify('notifications/roots/list_changed');
    }
  }

  private filtersChanged(): void {
    this.views.invalidate();
    for (const session of this.sessions.values()) session.queueListChanged(['tools', 'prompts']);
    this.stateless.subscriptions.listChanged(undefined, ['tools', 'prompts']);
  }
}
