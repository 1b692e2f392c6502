import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  SwitchboardError,
  formatError,
  type Logger,
  type ServerDefinition,
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
import {
  ServerConnection,
  listKinds,
  type ConnectionHooks,
  type ListKind,
  type ResolvedTimeouts,
} from './connections/server-connection.js';
import { realClock, resolveSupervision } from './connections/supervision.js';
import type { HubContext } from './context.js';
import { relayServerRequest } from './routing/client-requests.js';
import { Router } from './routing/router.js';
import { HubSession, type SessionHost } from './session/upstream-session.js';
import { StatelessDispatcher } from './stateless/dispatcher.js';
import type { HubOptions, ServerStatus } from './types.js';
import { delay } from './util/deferred.js';
import { ErrorCode, errorMessage } from './util/rpc-error.js';
import type { LooseParams } from './util/schemas.js';

const packageVersion = (() => {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

const DEFAULT_TIMEOUTS: ResolvedTimeouts = { connectMs: 60_000, requestMs: 60_000, maxTotalMs: 30 * 60_000 };

/** A stable text of a definition, to tell a changed server from an unchanged one. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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
  private readonly supervision: ReturnType<typeof resolveSupervision>;

  private readonly connectionsById = new Map<string, ServerConnection>();
  private sortedConnections: ServerConnection[] = [];
  private readonly sessions = new Map<string, HubSession>();
  private sourceLists: ServerDefinition[][] = [];
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
    this.supervision = resolveSupervision(config.supervision);

    this.views = new CatalogViews({
      namespace: this.namespace,
      filters: options.filters,
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
      filters: options.filters,
      emit: (event) => this.emit(event),
      view: (key) => this.views.get(key),
      connection: (id) => this.connectionsById.get(id),
      connections: () => this.sortedConnections,
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
    this.startupGate = Promise.race([this.startPromise.then(() => this.settleAll()), delay(budget)]).then(
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
    const sources = this.options.sources;
    const loaded = await Promise.allSettled(sources.map((source) => Promise.resolve().then(() => source.load())));
    this.sourceLists = loaded.map((result, index) => {
      if (result.status === 'fulfilled') return Array.isArray(result.value) ? result.value : [];
      const error =
        result.reason instanceof SwitchboardError
          ? result.reason
          : new SwitchboardError('SWB_SOURCE_FAILED', `config source #${index + 1} failed to load its servers: ${errorMessage(result.reason)}`, {
              cause: result.reason,
            });
      this.logger.error(formatError(error), { source: index });
      return [];
    });
    this.sourcesLoaded = true;
    if (this.stopPromise) return;
    this.reconcile(false);
    sources.forEach((source, index) => {
      if (!source.watch) return;
      try {
        const unsubscribe = source.watch((servers) => {
          if (this.stopPromise) return;
          try {
            this.sourceLists[index] = Array.isArray(servers) ? servers : [];
            this.reconcile(true);
          } catch (error) {
            this.logger.error(`applying the servers of config source #${index + 1} failed`, { error: errorMessage(error) });
          }
        });
        this.disposers.push(unsubscribe);
      } catch (error) {
        this.logger.error(`config source #${index + 1} could not watch for changes`, { error: errorMessage(error) });
      }
    });
    for (const filter of this.options.filters) {
      if (!filter.onChange) continue;
      try {
        this.disposers.push(
          filter.onChange(() => {
            try {
              this.filtersChanged();
            } catch (error) {
              this.logger.error('rebuilding the catalog after a filter change failed', { error: errorMessage(error) });
            }
          }),
        );
      } catch (error) {
        this.logger.error('a filter could not subscribe to its changes', { error: errorMessage(error) });
      }
    }
  }

  /**
   * Resolves when every server is ready, failed (a server that keeps failing to start: once its circuit opens),
   * stopped or disabled — none starting or restarting — or after `timeoutMs`. Never rejects.
   */
  async settled(timeoutMs?: number): Promise<void> {
    const all = (async () => {
      await (this.startPromise ?? Promise.resolve()).catch(() => undefined);
      await this.settleAll((c) => c.whenStable());
    })();
    await (timeoutMs === undefined ? all : Promise.race([all, delay(timeoutMs)]));
  }

  /**
   * Waits for every server's current start attempt (the startup gate: a server waiting to retry after a failed
   * start does not hold the first list back).
   */
  private async settleAll(wait: (c: ServerConnection) => Promise<void> = (c) => c.whenSettled()): Promise<void> {
    // Servers added while waiting are waited for too.
    for (;;) {
      const current = this.sortedConnections;
      await Promise.all(current.map(wait));
      if (current === this.sortedConnections) return;
    }
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
      await Promise.allSettled(this.sortedConnections.map((c) => c.stop()));
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
    return this.sortedConnections.map((c) => {
      const d = c.definition;
      const cache = c.cache;
      const pid = c.pid;
      return {
        id: d.id,
        name: d.name,
        source: d.source,
        transport: d.transport,
        state: c.state,
        ...(c.error !== undefined ? { error: c.error } : {}),
        ...(pid !== undefined ? { pid } : {}),
        tools: cache.tools.length,
        prompts: cache.prompts.length,
        resources: cache.resources.length,
        resourceTemplates: cache.resourceTemplates.length,
        restarts: c.restarts,
        ...(c.nextRetryAt !== undefined ? { nextRetryAt: c.nextRetryAt } : {}),
        ...(c.isIdle ? { idle: true } : {}),
        ...(c.startupMs !== undefined ? { startupMs: c.startupMs } : {}),
      };
    });
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
    const running = this.sortedConnections.map((c) => c.id);
    if (view === DEFAULT_VIEW) return new Set(running);
    const members = new Set(this.options.config.profiles?.[view]?.servers ?? []);
    return new Set(running.filter((id) => members.has(id)));
  }

  private sourcesOf(ids: ReadonlySet<string>): CatalogSource[] {
    const sources: CatalogSource[] = [];
    for (const c of this.sortedConnections) {
      // A server on its way back (restarting, idle) keeps its last lists: calls to them wait for it.
      if (!ids.has(c.id) || !c.servesLists) continue;
      sources.push({ definition: c.definition, ...c.cache });
    }
    return sources;
  }

  private viewInstructions(view: string): string | undefined {
    const ids = this.serversOf(view);
    const parts: string[] = [];
    for (const c of this.sortedConnections) {
      if (!ids.has(c.id) || !c.servesLists) continue;
      const text = [c.instructions?.trim(), c.definition.instructions?.trim()].filter((t): t is string => !!t).join('\n\n');
      if (text) parts.push(`## ${c.definition.name}\n\n${text}`);
    }
    return parts.length ? parts.join('\n\n') : undefined;
  }

  /** Merges the sources (later wins), keeps the selected profile's servers, and starts/stops what changed. */
  private reconcile(announce: boolean): void {
    if (this.stopPromise) return;
    const desired = new Map<string, ServerDefinition>();
    for (const list of this.sourceLists) for (const server of list) if (server && typeof server.id === 'string') desired.set(server.id, server);
    if (this.profileName !== undefined) {
      const members = new Set(this.options.config.profiles?.[this.profileName]?.servers ?? []);
      for (const id of [...desired.keys()]) if (!members.has(id)) desired.delete(id);
    }

    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const toStart: ServerConnection[] = [];
    for (const [id, connection] of this.connectionsById) {
      if (desired.has(id)) continue;
      removed.push(id);
      this.connectionsById.delete(id);
      void connection.stop();
    }
    for (const [id, definition] of desired) {
      const existing = this.connectionsById.get(id);
      if (existing && stableJson(existing.definition) === stableJson(definition)) continue;
      if (existing) {
        changed.push(id);
        void existing.stop();
      } else added.push(id);
      const connection = this.createConnection(definition);
      this.connectionsById.set(id, connection);
      toStart.push(connection);
    }
    if (!added.length && !removed.length && !changed.length) return;
    this.sortedConnections = [...this.connectionsById.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

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

  private createConnection(definition: ServerDefinition): ServerConnection {
    const t = this.options.config.timeouts ?? DEFAULT_TIMEOUTS;
    const timeouts: ResolvedTimeouts = {
      connectMs: definition.timeouts?.connectMs ?? t.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      requestMs: definition.timeouts?.requestMs ?? t.requestMs ?? DEFAULT_TIMEOUTS.requestMs,
      maxTotalMs: definition.timeouts?.maxTotalMs ?? t.maxTotalMs ?? DEFAULT_TIMEOUTS.maxTotalMs,
    };
    return new ServerConnection({
      definition,
      connectors: this.options.connectors,
      timeouts,
      clientInfo: this.serverInfo,
      logger: this.logger.child({ server: definition.id }),
      hooks: this.hooks,
      supervision: this.supervision,
      clock: this.options.clock ?? realClock,
    });
  }

  private readonly hooks: ConnectionHooks = {
    stateChanged: (connection) => {
      this.emit({
        type: 'server.state',
        server: connection.definition,
        state: connection.state,
        ...(connection.error !== undefined ? { error: connection.error } : {}),
        at: Date.now(),
      });
    },
    catalogChanged: (connection, kinds, discovered) => {
      if (this.connectionsById.get(connection.id) !== connection) return;
      this.views.invalidate();
      if (discovered) {
        const { tools, prompts, resources, resourceTemplates } = connection.cache;
        this.emit({
          type: 'server.discovered',
          server: connection.definition,
          catalog: { tools, prompts, resources, resourceTemplates },
          at: Date.now(),
        });
      }
      // The connection passes only lists that changed (a revival with the same lists passes none).
      const relevant = [...kinds];
      if (!relevant.length) return;
      for (const session of this.sessions.values()) {
        if (session.snapshot().serverIds.has(connection.id)) session.queueListChanged(relevant);
      }
    },
    serverRequest: (connection, request, extra) => relayServerRequest(connection, request, extra, () => [...this.sessions.values()]),
    logMessage: (connection, params) => this.relayLog(connection, params),
    resourceUpdated: (connection, params) => {
      const uri = params.uri;
      if (typeof uri !== 'string') return;
      for (const session of this.sessions.values()) {
        if (session.subscriptions.get(uri) === connection.id) session.sendResourceUpdated(params);
      }
    },
  };

  /**
   * A downstream log message, with the server's name added, goes to the session with a call in flight on that
   * server (related to that call), else to every session that sees the server. With calls of several sessions in
   * flight nothing says whose call it is about, and it may carry one client's data: it goes to nobody (our own
   * log keeps it) and the connection's sessions take turns from then on, as for sampling (InflightRegistry).
   */
  private relayLog(connection: ServerConnection, params: LooseParams): void {
    const name = connection.definition.name;
    const out: LooseParams =
      typeof params.logger === 'string' && params.logger.length > 0
        ? { ...params, data: { server: name, data: params.data } }
        : { ...params, logger: name };
    const calls = connection.inflight.latestPerSession();
    if (calls.length > 1) {
      connection.inflight.isolate();
      this.logger.debug(`server "${connection.id}": a log message during calls of ${calls.length} sessions was kept back`, {
        server: connection.id,
        level: out.level,
      });
      return;
    }
    if (calls.length) {
      for (const call of calls) {
        const session = this.sessions.get(call.session.id);
        if (!session || !session.isInitialized || !session.acceptsLog(out.level)) continue;
        call.extra
          .sendNotification({ method: 'notifications/message', params: out } as never)
          .catch((error: unknown) => this.logger.debug('log relay failed', { session: session.id, error: errorMessage(error) }));
      }
      return;
    }
    for (const session of this.sessions.values()) {
      if (session.sees(connection.id)) session.sendLog(out);
    }
  }

  /** Tells every ready server that the roots changed, so it asks again (and gets the client's roots). */
  private broadcastRootsChanged(): void {
    for (const connection of this.sortedConnections) {
      if (connection.isReady) connection.notify('notifications/roots/list_changed');
    }
  }

  private filtersChanged(): void {
    this.views.invalidate();
    for (const session of this.sessions.values()) session.queueListChanged(['tools', 'prompts']);
  }
}
