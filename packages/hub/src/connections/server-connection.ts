import type { Clock, Logger, ServerDefinition, ServerState } from '@mcp-switchboard/plugin-api';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Connectors } from '../plugins/connector-choice.js';
import { redact } from '../util/redact.js';
import { errorMessage, type RpcError } from '../util/rpc-error.js';
import type { LooseParams, LooseRequest, LooseResult } from '../util/schemas.js';
import type { EraVerdict } from './era-probe.js';
import type { DirectOutcome } from './direct-requests.js';
import { LinkOpener, type DownstreamExtra, type LinkEvents, type OpenLink, type ServerToClientMethod } from './link-opener.js';
import { ListCache, type ListKind, type ServerCache } from './list-cache.js';
import { ProgressTokens, RequestForwarder, type ForwardOptions, type ResolvedTimeouts } from './request-forwarder.js';
import type { RoutableConnection } from './routable-connection.js';
import { reapplyStanding } from './reapply-standing.js';
import { SessionLanes } from './session-lanes.js';
import { StandingRequests } from './standing-requests.js';
import { realClock, resolveSupervision, type SupervisionSettings } from './supervision.js';
import { Supervisor, type AttemptMode, type Lifecycle, type SupervisedLink } from './supervisor.js';

export { listKinds, type ListKind, type ServerCache } from './list-cache.js';
export { downstreamClientCapabilities, serverToClientMethods, type DownstreamExtra, type ServerToClientMethod } from './link-opener.js';
export type { ForwardOptions, ResolvedTimeouts } from './request-forwarder.js';

/** How a connection reports to the hub. Every hook is called synchronously and must not throw. */
export interface ConnectionHooks {
  stateChanged(connection: ServerConnection): void;
  /** A list was (re)fetched (`kinds`) or dropped; `discovered` is true after a successful fetch. */
  catalogChanged(connection: ServerConnection, kinds: ReadonlySet<ListKind>, discovered: boolean): void;
  serverRequest(connection: ServerConnection, request: LooseRequest<ServerToClientMethod>, extra: DownstreamExtra): Promise<LooseResult>;
  logMessage(connection: ServerConnection, params: LooseParams): void;
  resourceUpdated(connection: ServerConnection, params: LooseParams): void;
}

export interface ConnectionOptions {
  definition: ServerDefinition;
  /** The connectors, whose hooks are called through their driver. */
  connectors: Connectors;
  timeouts: ResolvedTimeouts;
  clientInfo: { name: string; version: string };
  logger: Logger;
  hooks: ConnectionHooks;
  /** Restart policy (`config.supervision`, defaults applied). Default: plugin-api's defaults. */
  supervision?: SupervisionSettings;
  /** Timers of supervision (backoff, circuit, pings, idle, call waits). Default: real timers, unref'd. */
  clock?: Clock;
  /** Jitter source, 0 ≤ x < 1. Default: Math.random. */
  random?: () => number;
}

/**
 * One supervised link per downstream server, shared by every upstream session: a facade over its parts.
 *
 * - `Supervisor` (supervisor.ts): the lifecycle — start, restart with backoff, circuit breaker, pings, idle stop.
 * - `LinkOpener` (link-opener.ts): connector, connect + initialize, watching the link.
 * - `ListCache` (list-cache.ts): the server's lists, refreshed on list_changed.
 * - `RequestForwarder` (request-forwarder.ts): one downstream request with its limits, progress and cancellation.
 * - `StandingRequests` (standing-requests.ts): log level and subscriptions, re-applied on every new link.
 * - `SessionLanes` (session-lanes.ts): which session a server→client message belongs to.
 */
export class ServerConnection implements RoutableConnection {
  readonly definition: ServerDefinition;
  readonly id: string;
  readonly lanes: SessionLanes;
  readonly timeouts: ResolvedTimeouts;
  readonly supervision: SupervisionSettings;

  private readonly supervisor: Supervisor<ServerCache>;
  private readonly opener: LinkOpener;
  private readonly lists: ListCache;
  private readonly forwarder: RequestForwarder;
  private readonly progress: ProgressTokens;
  private readonly standing = new StandingRequests();
  private readonly logger: Logger;
  private readonly hooks: ConnectionHooks;
  /** The link of the current run (set once initialized, before its lists are fetched). */
  private link: OpenLink | undefined;
  private _capabilities: ServerCapabilities | undefined;
  private _instructions: string | undefined;
  private _startupMs: number | undefined;

  constructor(options: ConnectionOptions) {
    const { definition } = options;
    this.definition = definition;
    this.id = definition.id;
    this.timeouts = options.timeouts;
    this.supervision = options.supervision ?? resolveSupervision(undefined);
    this.logger = options.logger;
    this.hooks = options.hooks;
    this.lanes = new SessionLanes(definition.isolateSessions === 'strict');
    const clock = options.clock ?? realClock;
    this.supervisor = new Supervisor(
      {
        id: this.id,
        enabled: definition.enabled,
        settings: this.supervision,
        pingIntervalMs: definition.pingIntervalMs ?? this.supervision.pingIntervalMs,
        idleTimeoutMs: definition.idleTimeoutMs,
        connectMs: options.timeouts.connectMs,
        requestMs: options.timeouts.requestMs,
        clock,
        random: options.random ?? Math.random,
        logger: this.logger,
        redact: (text) => redact(text, definition),
      },
      this.supervised,
    );
    this.opener = new LinkOpener({
      definition,
      connectors: options.connectors,
      connectMs: options.timeouts.connectMs,
      clientInfo: options.clientInfo,
      logger: this.logger,
      clock,
    });
    this.lists = new ListCache({
      id: this.id,
      logger: this.logger,
      requestMs: options.timeouts.requestMs,
      source: {
        refreshTarget: () => {
          if (this.supervisor.attemptRunning) return 'later';
          const client = this.readyClient();
          const run = this.currentRun();
          return client && run !== undefined ? { client, run } : undefined;
        },
        isCurrent: (run) => this.supervisor.isCurrent(run),
        changed: (kinds, discovered) => this.hooks.catalogChanged(this, kinds, discovered),
      },
    });
    this.progress = new ProgressTokens((error) =>
      this.logger.debug(`server "${this.id}": progress relay failed`, { server: this.id, error: errorMessage(error) }),
    );
    this.forwarder = new RequestForwarder({
      definition,
      timeouts: options.timeouts,
      lanes: this.lanes,
      progress: this.progress,
      logger: this.logger,
      readyClient: () => this.readyClient(),
      readyLink: () => (this.supervisor.isReady ? this.link : undefined),
      condition: () => this.supervisor.condition(),
    });
  }

  get state(): ServerState {
    return this.supervisor.serverState;
  }
  /** The lifecycle as one value (see Supervisor). */
  get lifecycle(): Readonly<Lifecycle> {
    return this.supervisor.lifecycle;
  }
  /** Why it is failed or restarting (redacted). */
  get error(): string | undefined {
    return this.supervisor.error;
  }
  get startupMs(): number | undefined {
    return this._startupMs;
  }
  get pid(): number | undefined {
    return this.link?.link.pid;
  }
  get cache(): Readonly<ServerCache> {
    return this.lists.lists;
  }
  get instructions(): string | undefined {
    return this._instructions;
  }
  get capabilities(): ServerCapabilities | undefined {
    return this._capabilities;
  }
  /** The server's protocol era, once probed (see era-probe.ts). */
  get era(): EraVerdict | undefined {
    return this.opener.era.verdict;
  }
  get isReady(): boolean {
    return this.supervisor.isReady;
  }
  /** Restart attempts made by supervision since this connection was created. */
  get restarts(): number {
    return this.supervisor.restarts;
  }
  /** When the next start attempt is due (restarting in backoff, or failed with the circuit open). */
  get nextRetryAt(): number | undefined {
    return this.supervisor.nextRetryAt;
  }
  /** Stopped by the idle timeout (its lists are kept; the next call starts it). */
  get isIdle(): boolean {
    return this.supervisor.isIdle;
  }
  /** Whether its lists belong in the catalog: ready, or on its way back (starting, restarting, idle). */
  get servesLists(): boolean {
    return this.supervisor.servesLists;
  }

  /** Resolves when the current start attempt is over (ready, failed, waiting to retry, or stopped). Never rejects. */
  whenSettled(): Promise<void> {
    return this.supervisor.whenSettled();
  }
  /** Resolves when the server is neither starting nor restarting. Never rejects. */
  whenStable(): Promise<void> {
    return this.supervisor.whenStable();
  }

  /** Connects, initializes and lists. Never rejects: a failure is supervised (restart with backoff, or failed). */
  start(): Promise<void> {
    return this.supervisor.start();
  }
  /** Manual restart from scratch: stops (its lists are dropped), then starts with a clean failure history. */
  restart(): Promise<void> {
    return this.supervisor.restart();
  }
  /** Closes the link (closing a stdio link ends its process) and cancels every pending restart. Idempotent. */
  async stop(): Promise<void> {
    this.standing.clear();
    await this.supervisor.stop();
  }

  /**
   * Takes over the standing requests (log level, resource subscriptions) of the connection this one replaces on a
   * config reload, so they reach the new server as soon as it is ready. Call before `start()`.
   */
  carryOver(previous: ServerConnection): void {
    this.standing.carryOver(previous.standing);
  }

  /** Refetches one list after the server announced a change (see ListCache). */
  scheduleRefresh(kind: ListKind): void {
    this.lists.scheduleRefresh(kind);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Requests
  // ---------------------------------------------------------------------------------------------------------

  /** A clear error for a request to a server that is not ready (and will not be soon). */
  unavailableError(): RpcError {
    return this.supervisor.unavailable();
  }

  /** Forwards one request (see RequestForwarder). A server that is restarting (or idle) is waited for first. */
  forward(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    this.supervisor.beginCall();
    // Not an async function: the answer reaches the caller one reaction after the server's, not three.
    const sent = this.supervisor.isReady
      ? this.forwarder.send(method, params, options)
      : this.supervisor.awaitReady(options.signal).then(() => this.forwarder.send(method, params, options));
    const ended = () => this.supervisor.endCall();
    sent.then(ended, ended);
    return sent;
  }

  /** Whether `relay` can take a request now (see RequestForwarder.canRelay); a server not ready cannot. */
  canRelay(options: ForwardOptions): boolean {
    return this.supervisor.isReady && !options.signal?.aborted && this.forwarder.canRelay(options);
  }

  /** Forwards one request without a promise on the way (only when `canRelay` said so): see RequestForwarder.relay. */
  relay(method: string, params: LooseParams, options: ForwardOptions, done: (outcome: DirectOutcome) => void): void {
    this.supervisor.beginCall();
    this.forwarder.relay(method, params, options, (outcome) => {
      this.supervisor.endCall();
      done(outcome);
    });
  }

  /** A plain request with the server's request timeout (setLevel, subscribe, ...). */
  request(method: string, params: LooseParams | undefined): Promise<LooseResult> {
    return this.forwarder.request(method, params);
  }

  /** Sends a notification to the server if it is ready; failures are logged, never thrown. */
  notify(method: string, params?: LooseParams): void {
    this.forwarder.notify(method, params);
  }

  /**
   * Remembers a client's log level (re-applied after every restart) and sends it now if the server is ready and
   * declares logging. Resolves true if it was sent.
   */
  async setLogLevel(level: string): Promise<boolean> {
    this.standing.setLogLevel(level);
    // The 2026-07-28 era has no logging/setLevel (a level travels per request, and the hub sets none).
    if (!this.isReady || !this._capabilities?.logging || this.link?.era.era !== 'legacy') return false;
    await this.request('logging/setLevel', { level });
    return true;
  }

  /**
   * Counts a session's subscription to a URI; the first one subscribes downstream. A server on its way back
   * (restarting, idle) gets it when it is ready again.
   */
  async retainSubscription(uri: string): Promise<void> {
    if (!this.servesLists) throw this.unavailableError();
    const first = this.standing.retain(uri);
    if (first && this.link?.listen) return this.link.listen.listen(this.standing.uris);
    if (!first || !this.isReady || !this._capabilities?.resources?.subscribe) return;
    try {
      await this.request('resources/subscribe', { uri });
    } catch (error) {
      this.standing.release(uri);
      throw error;
    }
  }

  /** Drops a session's subscription; the last one unsubscribes downstream. */
  async releaseSubscription(uri: string): Promise<void> {
    if (!this.standing.release(uri) || !this._capabilities?.resources?.subscribe || !this.isReady) return;
    if (this.link?.listen) return this.link.listen.listen(this.standing.uris);
    await this.request('resources/unsubscribe', { uri });
  }

  // ---------------------------------------------------------------------------------------------------------
  // What the supervisor drives
  // ---------------------------------------------------------------------------------------------------------

  private readonly supervised: SupervisedLink<ServerCache> = {
    open: (run) => this.open(run),
    adopt: (lists) => {
      this.pendingChange = this.lists.adopt(lists);
    },
    announceReady: (lists, mode, startupMs) => this.announceReady(lists, mode, startupMs),
    detach: (reason) => this.detach(reason),
    dropLists: (why) => {
      const had = this.lists.drop();
      if (why !== 'circuit') {
        this._capabilities = undefined;
        this._instructions = undefined;
      }
      if (why !== 'stop' && had.length) this.hooks.catalogChanged(this, new Set(had), false);
    },
    ping: async (timeoutMs) => {
      if (this.readyClient()) await this.link?.ping?.(timeoutMs);
    },
    pingable: () => this.link?.ping !== undefined,
    inStandingUse: () => this.standing.inUse,
    stateChanged: () => this.hooks.stateChanged(this),
    watchCredentials: (onChange) => this.opener.watchCredentials(onChange),
  };

  private pendingChange: { changed: ListKind[]; announce: boolean } | undefined;

  /** Connects, initializes, lists everything and re-applies the standing requests. */
  private async open(run: number): Promise<ServerCache> {
    this._startupMs = undefined;
    const current = () => this.supervisor.isCurrent(run);
    const open = await this.opener.open(this.eventsOf(run), current, () => current() && this.supervisor.isReady, this.standing);
    this.link = open;
    this._capabilities = open.capabilities;
    this._instructions = open.instructions;
    const lists = await this.lists.fetchAll(open.client, open.capabilities ?? {}, run);
    if (current()) await reapplyStanding(open, this.standing, { id: this.id, requestMs: this.timeouts.requestMs, logger: this.logger, current });
    return lists;
  }

  private eventsOf(run: number): LinkEvents {
    return {
      serverRequest: (request, extra) => this.lanes.asking(() => this.hooks.serverRequest(this, request, extra)),
      listChanged: (kind) => this.lists.scheduleRefresh(kind),
      logMessage: (params) => this.hooks.logMessage(this, params),
      resourceUpdated: (params) => this.hooks.resourceUpdated(this, params),
      closed: () => this.supervisor.fault(run, `server "${this.id}" closed the connection (the process exited or the link dropped)`),
      faulty: (reason, error) => this.supervisor.fault(run, reason, error),
      progress: (params) => this.progress.deliver(params),
    };
  }

  private announceReady(lists: ServerCache, mode: AttemptMode, startupMs: number): void {
    this._startupMs = startupMs;
    const { changed, announce } = this.pendingChange ?? { changed: [], announce: false };
    this.pendingChange = undefined;
    const restarts = this.supervisor.restarts;
    this.logger.info(mode === 'restart' ? `server "${this.id}" ready again after a restart` : `server "${this.id}" ready`, {
      server: this.id,
      tools: lists.tools.length,
      prompts: lists.prompts.length,
      resources: lists.resources.length,
      resourceTemplates: lists.resourceTemplates.length,
      startupMs,
      ...(restarts ? { restarts } : {}),
      ...(mode !== 'start' && changed.length ? { changed } : {}),
    });
    // Lists that came back the same are not news: no list_changed, no rebuild.
    if (announce) this.hooks.catalogChanged(this, new Set(changed), true);
    this.lists.refreshPending();
  }

  private async detach(reason: string): Promise<void> {
    this.opener.abort(reason);
    const open = this.link;
    this.link = undefined;
    this.progress.clear();
    this.lists.forgetPending();
    await this.opener.close(open);
  }

  private readyClient() {
    return this.supervisor.isReady ? this.link?.client : undefined;
  }

  private currentRun(): number | undefined {
    const s = this.supervisor.lifecycle;
    return s.kind === 'ready' ? s.run : undefined;
  }
}
