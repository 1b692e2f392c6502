import type {
  Clock,
  DownstreamLink,
  Logger,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerDefinition,
  ServerState,
  Tool,
} from '@mcp-switchboard/plugin-api';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  type ClientNotification,
  type ClientRequest,
  type ClientResult,
  type JSONRPCMessage,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { chooseConnector, connectThrough, connectorTypes, type Connectors } from '../plugins/connector-choice.js';
import { InflightRegistry, type SessionRef, type UpstreamExtra } from '../routing/inflight.js';
import { MAX_TIMEOUT_MS, deferred, type Deferred } from '../util/deferred.js';
import { RpcError, errorMessage, passThroughError, switchboardRpcError } from '../util/rpc-error.js';
import {
  LooseResultSchema,
  isRecord,
  looseNotificationSchema,
  looseRequestSchema,
  type LooseParams,
  type LooseRequest,
  type LooseResult,
} from '../util/schemas.js';
import { redact } from '../util/redact.js';
import {
  TRANSPORT_FAULT_LIMIT,
  TRANSPORT_FAULT_WINDOW_MS,
  backoffDelay,
  formatDuration,
  isServerAnswer,
  realClock,
  resolveSupervision,
  startFailureKind,
  type FaultKind,
  type SupervisionSettings,
} from './supervision.js';

/** The lists a server can announce changes of; `resources` covers resources and resource templates. */
export type ListKind = 'tools' | 'prompts' | 'resources';
export const listKinds: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/** What the hub caches of a server: its lists, fetched in full. */
export interface ServerCache {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
}

const emptyCache = (): ServerCache => ({ tools: [], prompts: [], resources: [], resourceTemplates: [] });

/** The `extra` of a downstream server→client request handler. */
export type DownstreamExtra = RequestHandlerExtra<ClientRequest, ClientNotification>;

/** The server→client requests a downstream server may send; the hub relays them to a client. */
export const serverToClientMethods = ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const;
export type ServerToClientMethod = (typeof serverToClientMethods)[number];

/** How a connection reports to the hub. Every hook is called synchronously and must not throw. */
export interface ConnectionHooks {
  stateChanged(connection: ServerConnection): void;
  /** A list was (re)fetched (`kinds`) or dropped; `discovered` is true after a successful fetch. */
  catalogChanged(connection: ServerConnection, kinds: ReadonlySet<ListKind>, discovered: boolean): void;
  serverRequest(connection: ServerConnection, request: LooseRequest<ServerToClientMethod>, extra: DownstreamExtra): Promise<LooseResult>;
  logMessage(connection: ServerConnection, params: LooseParams): void;
  resourceUpdated(connection: ServerConnection, params: LooseParams): void;
}

export interface ResolvedTimeouts {
  connectMs: number;
  requestMs: number;
  maxTotalMs: number;
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

export interface ForwardOptions {
  /** What the request is, for error messages: `tools/call "echo"`. */
  label: string;
  /** The upstream request's signal: client cancellation reaches the downstream request. */
  signal?: AbortSignal;
  /** Receives each downstream progress notification's params (without its token). */
  onProgress?: (params: Record<string, unknown>) => void;
  /** The upstream call this request serves: server→client requests and log messages are related to it. */
  origin?: { session: SessionRef; extra: UpstreamExtra };
  /** The original tool name of a tools/call: its own time limits apply (`timeouts.tools`). */
  tool?: string;
}

/** The capabilities the hub declares downstream: it relays sampling, elicitation and roots to its clients. */
export const downstreamClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

let connectionSequence = 0;

type TimerName = 'retryTimer' | 'pingTimer' | 'idleTimer';
type AttemptMode = 'start' | 'restart' | 'wake';

function sameList(a: ServerCache, b: ServerCache, kind: ListKind): boolean {
  if (kind === 'resources') {
    return JSON.stringify(a.resources) === JSON.stringify(b.resources) && JSON.stringify(a.resourceTemplates) === JSON.stringify(b.resourceTemplates);
  }
  return JSON.stringify(a[kind]) === JSON.stringify(b[kind]);
}

function listsOf(cache: ServerCache, kind: ListKind): Partial<ServerCache> {
  return kind === 'resources' ? { resources: cache.resources, resourceTemplates: cache.resourceTemplates } : { [kind]: cache[kind] };
}

/**
 * One supervised MCP `Client` per downstream server, shared by every upstream session.
 *
 * States:
 * - `stopped` → `starting` → `ready`. A start that fails, or a ready server that crashes (its process exits, its
 *   link closes), stops answering pings, or reports repeated transport errors (garbage on stdout), goes to
 *   `restarting`: after a backoff (`backoffInitialMs` doubling to `backoffMaxMs`, ±20 % jitter) it is started
 *   again, staying `restarting` until it is `ready`. Its last lists stay in the catalog meanwhile, and calls to
 *   them wait for it (up to `callWaitMs`).
 * - Failures are counted in a sliding window of `failureWindowMs`: a server that stays up longer than that
 *   starts over at `backoffInitialMs`. `maxFailures` within the window open the circuit: `failed`, lists dropped,
 *   and one more try (half-open) after `circuitOpenMs`; if that try fails the circuit opens again, if it succeeds
 *   the failure history is cleared. A start that cannot succeed by retrying soon (command not found, `initialize`
 *   refused) opens the circuit at once; a missing connector fails for good.
 * - With `idleTimeoutMs`, a ready server with no call for that long is stopped (`stopped`, lists kept) and the
 *   next call starts it again, waiting up to `connectMs`.
 * - `stop()` ends everything: timers are cleared and nothing restarts. `restart()` is a manual restart from
 *   scratch (lists dropped and refetched).
 */
export class ServerConnection {
  readonly definition: ServerDefinition;
  readonly id: string;
  readonly inflight = new InflightRegistry();
  readonly timeouts: ResolvedTimeouts;
  readonly supervision: SupervisionSettings;

  private _state: ServerState;
  private _error: string | undefined;
  private _startupMs: number | undefined;
  private _cache: ServerCache = emptyCache();
  private _client: Client | undefined;
  private _link: DownstreamLink | undefined;
  private _instructions: string | undefined;
  private _capabilities: ServerCapabilities | undefined;

  /** Bumped by every start/stop/fault: callbacks of an older client see a different value and do nothing. */
  private generation = 0;
  /** The generation of the start attempt in progress, or -1. */
  private attemptGeneration = -1;
  private connectAbort: AbortController | undefined;
  private settledDeferred: Deferred<void> = deferred();
  private settledDone = false;
  private readonly tokenPrefix: string;
  private tokenSequence = 0;
  private readonly progress = new Map<string, (params: Record<string, unknown>) => void>();
  private readonly refreshing = new Map<ListKind, Promise<void>>();
  private readonly refreshAgain = new Set<ListKind>();
  private readonly refreshWhenReady = new Set<ListKind>();
  private readonly subscriptions = new Map<string, number>();
  private readonly logger: Logger;

  // Supervision.
  private readonly clock: Clock;
  private readonly random: () => number;
  /** stop() was called: nothing restarts. */
  private halted = false;
  /** Stopped by the idle timeout: lists kept, the next call starts it. */
  private idle = false;
  /** A start attempt woken by a call after an idle stop is in progress. */
  private waking = false;
  private everReady = false;
  /** The attempt in progress is the one try after the circuit was open. */
  private halfOpen = false;
  /** Times of the failures within the window. */
  private failures: number[] = [];
  /** Restart attempts in the current failure streak. */
  private attempts = 0;
  private _restarts = 0;
  private _nextRetryAt: number | undefined;
  private retryTimer: unknown;
  private pingTimer: unknown;
  private idleTimer: unknown;
  private transportFaults: number[] = [];
  private activeCalls = 0;
  private lastActivity = 0;
  private logLevel: string | undefined;
  private readonly stateListeners = new Set<() => void>();

  constructor(private readonly options: ConnectionOptions) {
    this.definition = options.definition;
    this.id = options.definition.id;
    this.timeouts = options.timeouts;
    this.supervision = options.supervision ?? resolveSupervision(undefined);
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this._state = options.definition.enabled ? 'stopped' : 'disabled';
    this.tokenPrefix = `swb-${++connectionSequence}-`;
    if (options.definition.isolateSessions === 'strict') this.inflight.isolate();
    if (!options.definition.enabled) this.resolveSettled(this.settledDeferred);
  }

  get state(): ServerState {
    return this._state;
  }
  /** Why it is failed or restarting (redacted). */
  get error(): string | undefined {
    return this._error;
  }
  get startupMs(): number | undefined {
    return this._startupMs;
  }
  get pid(): number | undefined {
    return this._link?.pid;
  }
  get cache(): Readonly<ServerCache> {
    return this._cache;
  }
  get instructions(): string | undefined {
    return this._instructions;
  }
  get capabilities(): ServerCapabilities | undefined {
    return this._capabilities;
  }
  get isReady(): boolean {
    return this._state === 'ready';
  }
  /** Restart attempts made by supervision since this connection was created. */
  get restarts(): number {
    return this._restarts;
  }
  /** When the next start attempt is due (restarting in backoff, or failed with the circuit open). */
  get nextRetryAt(): number | undefined {
    return this._nextRetryAt;
  }
  /** Stopped by the idle timeout (its lists are kept; the next call starts it). */
  get isIdle(): boolean {
    return this._state === 'stopped' && this.idle;
  }
  /**
   * Whether its lists belong in the catalog: ready, or on its way back (starting, restarting, idle). A failed or
   * stopped server has none.
   */
  get servesLists(): boolean {
    const s = this._state;
    return s === 'ready' || s === 'starting' || s === 'restarting' || this.isIdle;
  }

  private get attemptRunning(): boolean {
    return this.attemptGeneration === this.generation;
  }

  /** Resolves when the current start attempt is over (ready, failed, waiting to retry, or stopped). Never rejects. */
  whenSettled(): Promise<void> {
    return this.settledDeferred.promise;
  }

  /**
   * Resolves when the server is neither starting nor restarting: ready, failed (circuit open), stopped or
   * disabled. A server that keeps failing gets there when its circuit opens. Never rejects.
   */
  whenStable(): Promise<void> {
    const stable = () => this._state !== 'starting' && this._state !== 'restarting';
    if (stable()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!stable()) return;
        this.stateListeners.delete(check);
        resolve();
      };
      this.stateListeners.add(check);
    });
  }

  /** Connects, initializes and lists. Never rejects: a failure is supervised (restart with backoff, or failed). */
  async start(): Promise<void> {
    if (this._state === 'disabled') return;
    if (this.attemptRunning) return this.whenSettled();
    if (this._state === 'ready') return;
    this.halted = false;
    this.idle = false;
    this.failures = [];
    this.attempts = 0;
    this.halfOpen = false;
    this.clearTimer('retryTimer');
    await this.attempt('start');
  }

  /** Manual restart from scratch: stops (its lists are dropped), then starts with a clean failure history. */
  async restart(): Promise<void> {
    await this.shutdown('restarting');
    await this.start();
  }

  /** Closes the client (closing a stdio link ends its process) and cancels every pending restart. Idempotent. */
  async stop(): Promise<void> {
    this.halted = true;
    await this.shutdown('stopped');
  }

  private async shutdown(state: 'stopped' | 'restarting'): Promise<void> {
    const hadItems = this.nonEmptyKinds();
    this.generation += 1;
    this.attemptGeneration = -1;
    this.connectAbort?.abort(new Error(`server "${this.id}" is stopping`));
    this.connectAbort = undefined;
    this.clearTimers();
    this._nextRetryAt = undefined;
    const client = this._client;
    const link = this._link;
    this._client = undefined;
    this._link = undefined;
    this._cache = emptyCache();
    this._capabilities = undefined;
    this._instructions = undefined;
    this.idle = false;
    this.waking = false;
    this.progress.clear();
    if (state === 'stopped') this.subscriptions.clear();
    this.refreshWhenReady.clear();
    if (this._state !== 'disabled' && this._state !== state) {
      if (state === 'restarting') this.logger.info(`server "${this.id}" restarting (requested)`, { server: this.id });
      else this.logger.debug(`server "${this.id}" stopped`, { server: this.id });
      this.setState(state);
    }
    this.resolveSettled(this.settledDeferred);
    // A manual restart keeps the connection in the hub: its lists are gone until it is ready again.
    if (state === 'restarting' && hadItems.length) this.options.hooks.catalogChanged(this, new Set(hadItems), false);
    await this.closeQuietly(client, link);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Supervision
  // ---------------------------------------------------------------------------------------------------------

  /** One start attempt. Never rejects; a failure goes to `fault()`. */
  private async attempt(mode: AttemptMode): Promise<void> {
    const generation = ++this.generation;
    this.attemptGeneration = generation;
    this.clearTimer('retryTimer');
    this._nextRetryAt = undefined;
    if (this.settledDone) {
      this.settledDeferred = deferred();
      this.settledDone = false;
    }
    const settled = this.settledDeferred;
    this._startupMs = undefined;
    if (mode === 'restart') {
      this._restarts += 1;
      this.attempts += 1;
      this.logger.info(`server "${this.id}": restart attempt ${this.attempts}${this.halfOpen ? ' (circuit half-open)' : ''}`, {
        server: this.id,
        attempt: this.attempts,
        restarts: this._restarts,
      });
      if (this._state !== 'restarting') this.setState('restarting');
    } else {
      if (mode === 'start') this._error = undefined;
      this.waking = mode === 'wake';
      this.logger.debug(`server "${this.id}" starting${mode === 'wake' ? ' again for a call (it was idle)' : ''}`, { server: this.id });
      this.setState('starting');
    }
    const startedAt = performance.now();
    try {
      const lists = await this.open(generation);
      if (generation !== this.generation) return;
      this.becomeReady(lists, Math.round(performance.now() - startedAt), mode);
    } catch (error) {
      if (generation !== this.generation) return;
      this.fault(`server "${this.id}" failed to start: ${errorMessage(error)}`, error, startFailureKind(error));
    } finally {
      if (this.attemptGeneration === generation) this.attemptGeneration = -1;
      this.resolveSettled(settled);
    }
  }

  private launch(mode: AttemptMode): void {
    this.attempt(mode).catch((error: unknown) => {
      this.logger.error(`server "${this.id}": unexpected error in a start attempt`, { server: this.id, error: errorMessage(error) });
    });
  }

  private becomeReady(lists: ServerCache, startupMs: number, mode: AttemptMode): void {
    const previous = this._cache;
    this._cache = lists;
    this._startupMs = startupMs;
    this._error = undefined;
    this.idle = false;
    this.waking = false;
    this.attempts = 0;
    if (this.halfOpen) {
      this.halfOpen = false;
      this.failures = [];
    }
    this.transportFaults = [];
    const changed = listKinds.filter((kind) => !sameList(previous, lists, kind));
    this.setState('ready');
    this.logger.info(mode === 'restart' ? `server "${this.id}" ready again after a restart` : `server "${this.id}" ready`, {
      server: this.id,
      tools: lists.tools.length,
      prompts: lists.prompts.length,
      resources: lists.resources.length,
      resourceTemplates: lists.resourceTemplates.length,
      startupMs,
      ...(this._restarts ? { restarts: this._restarts } : {}),
      ...(mode !== 'start' && changed.length ? { changed } : {}),
    });
    // Lists that came back the same are not news: no list_changed, no rebuild.
    if (changed.length || !this.everReady) this.options.hooks.catalogChanged(this, new Set(changed), true);
    this.everReady = true;
    const pending = [...this.refreshWhenReady];
    this.refreshWhenReady.clear();
    for (const kind of pending) this.scheduleRefresh(kind);
    this.armPing();
    this.touch();
  }

  /**
   * Something went wrong with the current client (or start attempt): tear it down and decide what comes next —
   * a restart after backoff, or an open circuit. Calls in flight fail at once (their client is closed); calls
   * made from now on wait for the restart.
   */
  private fault(reason: string, cause?: unknown, kind: FaultKind = 'retry'): void {
    if (this.halted || this._state === 'disabled') return;
    const wasReady = this._state === 'ready';
    const client = this._client;
    const link = this._link;
    this.generation += 1; // callbacks of the dead client are ignored from now on
    this.attemptGeneration = -1;
    this.connectAbort?.abort(new Error(reason));
    this.connectAbort = undefined;
    this._client = undefined;
    this._link = undefined;
    this.progress.clear();
    this.refreshWhenReady.clear();
    this.transportFaults = [];
    this.waking = false;
    this.clearTimers();
    const now = this.clock.now();
    this.failures = this.failures.filter((t) => now - t < this.supervision.failureWindowMs);
    this.failures.push(now);
    const message = redact(reason, this.definition);
    const causeText = cause instanceof Error && !reason.includes(cause.message) ? redact(cause.message, this.definition) : undefined;
    if (kind === 'never') this.openCircuit(message, kind, undefined, causeText);
    else if (kind === 'circuit' || this.halfOpen || this.failures.length >= this.supervision.maxFailures) {
      this.openCircuit(message, kind, now + this.supervision.circuitOpenMs, causeText);
    } else this.scheduleRestart(message, wasReady, now, causeText);
    this.resolveSettled(this.settledDeferred);
    void this.closeQuietly(client, link);
  }

  private scheduleRestart(message: string, wasReady: boolean, now: number, causeText: string | undefined): void {
    const delay = backoffDelay(this.supervision, this.failures.length, this.random);
    this._nextRetryAt = now + delay;
    this._error = message;
    const next = this.attempts + 1;
    this.logger.warn(`${message}; ${wasReady ? 'restarting' : 'trying again'} in ${formatDuration(delay)} (attempt ${next})`, {
      server: this.id,
      attempt: next,
      delayMs: delay,
      failures: this.failures.length,
      ...(causeText ? { cause: causeText } : {}),
    });
    if (this._state !== 'restarting') this.setState('restarting');
    this.retryTimer = this.timer(delay, () => {
      this.retryTimer = undefined;
      if (!this.halted) this.launch('restart');
    });
  }

  private openCircuit(message: string, kind: FaultKind, retryAt: number | undefined, causeText: string | undefined): void {
    const hadItems = this.nonEmptyKinds();
    const wasHalfOpen = this.halfOpen;
    this._cache = emptyCache();
    this.halfOpen = false;
    this.attempts = 0;
    this._nextRetryAt = retryAt;
    let text = message;
    if (retryAt !== undefined) {
      const when = `circuit open, next try at ${new Date(retryAt).toISOString()} (in ${formatDuration(retryAt - this.clock.now())})`;
      const n = this.failures.length;
      if (kind === 'circuit') text = `${message}; ${when}`;
      else if (wasHalfOpen) text = `server "${this.id}" failed again on its one try after the circuit opened: ${when}. Last error: ${message}`;
      else text = `server "${this.id}" failed ${n} time${n === 1 ? '' : 's'} within ${formatDuration(this.supervision.failureWindowMs)}: ${when}. Last error: ${message}`;
    }
    this._error = text;
    this.logger.error(text, { server: this.id, ...(causeText ? { cause: causeText } : {}), ...(retryAt !== undefined ? { nextRetryAt: retryAt } : {}) });
    this.setState('failed');
    if (hadItems.length) this.options.hooks.catalogChanged(this, new Set(hadItems), false);
    if (retryAt !== undefined) {
      this.retryTimer = this.timer(retryAt - this.clock.now(), () => {
        this.retryTimer = undefined;
        if (this.halted) return;
        this.halfOpen = true;
        this.launch('restart');
      });
    }
  }

  /** A transport error (garbage on stdout, a stream error, a remote transport error) while ready. */
  private transportError(generation: number, error: Error): void {
    if (generation !== this.generation) return;
    this.logger.debug(`server "${this.id}": transport error`, { server: this.id, error: redact(errorMessage(error), this.definition) });
    if (this._state !== 'ready') return;
    const now = this.clock.now();
    this.transportFaults = this.transportFaults.filter((t) => now - t < TRANSPORT_FAULT_WINDOW_MS);
    this.transportFaults.push(now);
    if (this.transportFaults.length >= TRANSPORT_FAULT_LIMIT) {
      this.fault(
        `server "${this.id}" reported ${this.transportFaults.length} transport errors within ${formatDuration(TRANSPORT_FAULT_WINDOW_MS)} (last: ${errorMessage(error)}); its link is faulty`,
        error,
      );
    }
  }

  private armPing(): void {
    this.clearTimer('pingTimer');
    const every = this.definition.pingIntervalMs ?? this.supervision.pingIntervalMs;
    if (!every || every <= 0 || this._state !== 'ready') return;
    const generation = this.generation;
    this.pingTimer = this.timer(every, () => {
      this.pingTimer = undefined;
      this.ping(generation, every).catch((error: unknown) => {
        this.logger.error(`server "${this.id}": unexpected error while pinging`, { server: this.id, error: errorMessage(error) });
      });
    });
  }

  /**
   * Pings a ready server. A ping that times out or fails on the link is a failure; an error answer proves the
   * server is alive. A server with calls in flight is not pinged (they have their own timeouts, and a server busy
   * with a long tool must not be killed for a slow ping).
   */
  private async ping(generation: number, every: number): Promise<void> {
    const client = this._client;
    if (generation !== this.generation || this._state !== 'ready' || !client) return;
    if (this.activeCalls === 0) {
      const timeout = Math.min(every, this.timeouts.requestMs, MAX_TIMEOUT_MS);
      try {
        await client.ping({ timeout });
      } catch (error) {
        if (generation !== this.generation) return;
        if (isServerAnswer(error)) {
          this.logger.debug(`server "${this.id}" answered a ping with an error; it is alive`, { server: this.id, error: errorMessage(error) });
        } else if (this.activeCalls === 0) {
          this.fault(`server "${this.id}" did not answer a ping within ${formatDuration(timeout)}: ${errorMessage(error)}`, error);
          return;
        }
      }
    }
    if (generation === this.generation) this.armPing();
  }

  /** Notes activity and (re)arms the idle timer. */
  private touch(): void {
    this.lastActivity = this.clock.now();
    this.armIdle();
  }

  private armIdle(): void {
    const idleMs = this.definition.idleTimeoutMs;
    this.clearTimer('idleTimer');
    if (!idleMs || idleMs <= 0 || this._state !== 'ready' || this.activeCalls > 0) return;
    const generation = this.generation;
    const wait = Math.max(0, this.lastActivity + idleMs - this.clock.now());
    this.idleTimer = this.timer(wait, () => {
      this.idleTimer = undefined;
      if (generation !== this.generation || this._state !== 'ready' || this.activeCalls > 0) return;
      if (this.clock.now() - this.lastActivity < idleMs) return this.armIdle();
      // A resource subscription is a standing use: its updates would be lost while stopped.
      if (this.subscriptions.size > 0) return this.touch();
      this.goIdle(idleMs);
    });
  }

  private goIdle(idleMs: number): void {
    const client = this._client;
    const link = this._link;
    this.generation += 1;
    this.clearTimers();
    this._client = undefined;
    this._link = undefined;
    this.progress.clear();
    this.idle = true;
    this.logger.info(`server "${this.id}" stopped after ${formatDuration(idleMs)} without calls (idle); the next call starts it again`, {
      server: this.id,
    });
    this.setState('stopped');
    void this.closeQuietly(client, link);
  }

  /**
   * Waits until the server is ready: a restarting (or starting) server gets `callWaitMs`, an idle one is started
   * and gets `connectMs`. Fails at once for a failed, stopped or disabled server, and when the wait is over with
   * an error that names the server and its state.
   */
  private async awaitReady(signal: AbortSignal | undefined): Promise<void> {
    if (this._state === 'ready') return;
    if (this.isIdle && !this.halted) {
      this.logger.info(`server "${this.id}" starting again for a call (it was stopped after being idle)`, { server: this.id });
      this.launch('wake');
    }
    if (this._state !== 'starting' && this._state !== 'restarting') throw this.unavailableError();
    const budget = this.waking ? this.timeouts.connectMs : this.supervision.callWaitMs;
    if (budget <= 0) throw this.waitError(0);
    await new Promise<void>((resolve, reject) => {
      let done = false;
      let timer: unknown;
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        this.stateListeners.delete(check);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = () => {
        if (this._state === 'ready') finish();
        else if (this._state !== 'starting' && this._state !== 'restarting') finish(this.unavailableError());
      };
      const onAbort = () => finish(signal?.reason ?? new Error('cancelled by the client'));
      this.stateListeners.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = this.timer(budget, () => finish(this.waitError(budget)));
    });
  }

  private waitError(waitedMs: number): RpcError {
    const state = this._state;
    let detail = '';
    if (state === 'restarting') {
      detail =
        this._nextRetryAt !== undefined
          ? ` (attempt ${this.attempts + 1}, next try in ${formatDuration(this._nextRetryAt - this.clock.now())})`
          : ` (attempt ${Math.max(1, this.attempts)}, trying now)`;
    } else if (state === 'starting' && this.waking) detail = ' (starting again after being idle)';
    const last = this._error ? `. Last error: ${this._error}` : '';
    return switchboardRpcError(ErrorCode.InternalError, 'SWB_SERVER_UNAVAILABLE', `Server "${this.id}" is ${state}${detail}; gave up after ${waitedMs} ms${last}`, {
      server: this.id,
      state,
      waitedMs,
      ...(state === 'restarting' ? { attempt: this._nextRetryAt !== undefined ? this.attempts + 1 : Math.max(1, this.attempts) } : {}),
      ...(this._nextRetryAt !== undefined ? { nextRetryAt: this._nextRetryAt } : {}),
    });
  }

  private timer(ms: number, callback: () => void): unknown {
    const handle = this.clock.setTimeout(
      () => {
        try {
          callback();
        } catch (error) {
          this.logger.error(`server "${this.id}": a supervision timer failed`, { server: this.id, error: errorMessage(error) });
        }
      },
      Math.min(Math.max(0, ms), MAX_TIMEOUT_MS),
    );
    (handle as { unref?: () => void } | null | undefined)?.unref?.();
    return handle;
  }

  private clearTimer(name: TimerName): void {
    const handle = this[name];
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this[name] = undefined;
  }

  private clearTimers(): void {
    this.clearTimer('retryTimer');
    this.clearTimer('pingTimer');
    this.clearTimer('idleTimer');
  }

  private async closeQuietly(client: Client | undefined, link: DownstreamLink | undefined): Promise<void> {
    try {
      if (client) await client.close();
      else if (link) await link.transport.close();
    } catch (error) {
      this.logger.debug(`server "${this.id}": error while closing`, { server: this.id, error: errorMessage(error) });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Connecting
  // ---------------------------------------------------------------------------------------------------------

  /** Connects, initializes, lists everything and re-applies the log level and subscriptions. */
  private async open(generation: number): Promise<ServerCache> {
    const { definition, timeouts } = this.options;
    const connector = chooseConnector(this.options.connectors, definition, this.logger);
    if (!connector) {
      const known = connectorTypes(this.options.connectors);
      throw new SwitchboardError(
        'SWB_CONNECTOR_MISSING',
        `no connector for transport "${definition.transport}" (loaded: ${known.join(', ') || 'none'})`,
      );
    }
    const abort = new AbortController();
    this.connectAbort = abort;
    const timer = this.timer(timeouts.connectMs, () => abort.abort(new Error(`did not connect and initialize within ${timeouts.connectMs} ms`)));
    let client: Client;
    try {
      const link = await raceAbort(
        connectThrough(this.options.connectors, connector, definition, { logger: this.logger, signal: abort.signal }),
        abort.signal,
        (late) => void late.transport.close().catch(() => undefined),
      );
      this.watchTransport(link.transport, generation);
      client = this.createClient(generation);
      try {
        if (generation !== this.generation) throw new Error('stopped while connecting');
        await raceAbort(client.connect(link.transport, { signal: abort.signal, timeout: timeouts.connectMs }), abort.signal);
        if (generation !== this.generation) throw new Error('stopped while connecting');
      } catch (error) {
        await client.close().catch(() => undefined);
        await link.transport.close().catch(() => undefined);
        throw error;
      }
      this.interceptProgress(link.transport);
      this._link = link;
      this._client = client;
      this._capabilities = client.getServerCapabilities();
      this._instructions = client.getInstructions();
    } finally {
      this.clock.clearTimeout(timer);
      if (this.connectAbort === abort) this.connectAbort = undefined;
    }
    const lists = await this.fetchAll(client, generation);
    if (generation === this.generation) await this.reapply(client, generation);
    return lists;
  }

  /** Transport errors (not the SDK's protocol errors) are counted: repeated ones mean a faulty link. */
  private watchTransport(transport: Transport, generation: number): void {
    const previous = transport.onerror;
    transport.onerror = (error: Error) => {
      previous?.call(transport, error);
      this.transportError(generation, error);
    };
  }

  /** After a (re)start: the last log level a client set and every resource subscription still held. */
  private async reapply(client: Client, generation: number): Promise<void> {
    const caps = this._capabilities;
    const requests: Array<{ method: string; params: Record<string, unknown> }> = [];
    if (this.logLevel !== undefined && caps?.logging) requests.push({ method: 'logging/setLevel', params: { level: this.logLevel } });
    if (caps?.resources?.subscribe) for (const uri of this.subscriptions.keys()) requests.push({ method: 'resources/subscribe', params: { uri } });
    await Promise.all(
      requests.map((request) =>
        client
          .request(request as ClientRequest, LooseResultSchema, { timeout: Math.min(this.timeouts.requestMs, MAX_TIMEOUT_MS) })
          .catch((error: unknown) => {
            if (generation !== this.generation) return;
            this.logger.warn(`server "${this.id}": could not re-apply ${request.method} after a start`, {
              server: this.id,
              params: request.params,
              error: errorMessage(error),
            });
          }),
      ),
    );
  }

  private createClient(generation: number): Client {
    const client = new Client(this.options.clientInfo, { capabilities: downstreamClientCapabilities });
    for (const method of serverToClientMethods) {
      client.setRequestHandler(looseRequestSchema(method), (request, extra) =>
        this.options.hooks.serverRequest(this, request as LooseRequest<ServerToClientMethod>, extra) as Promise<ClientResult>,
      );
    }
    const listChanged: Array<[string, ListKind]> = [
      ['notifications/tools/list_changed', 'tools'],
      ['notifications/prompts/list_changed', 'prompts'],
      ['notifications/resources/list_changed', 'resources'],
    ];
    for (const [method, kind] of listChanged) {
      client.setNotificationHandler(looseNotificationSchema(method), () => {
        if (generation === this.generation) this.scheduleRefresh(kind);
      });
    }
    client.setNotificationHandler(looseNotificationSchema('notifications/message'), (n) => {
      if (generation === this.generation) this.options.hooks.logMessage(this, (n.params ?? {}) as LooseParams);
    });
    client.setNotificationHandler(looseNotificationSchema('notifications/resources/updated'), (n) => {
      if (generation === this.generation) this.options.hooks.resourceUpdated(this, (n.params ?? {}) as LooseParams);
    });
    client.onclose = () => {
      if (generation !== this.generation) return;
      if (this._state === 'ready') this.fault(`server "${this.id}" closed the connection (the process exited or the link dropped)`);
    };
    client.onerror = (error) => {
      if (generation !== this.generation) return;
      this.logger.debug(`server "${this.id}": protocol error`, { server: this.id, error: redact(errorMessage(error), this.definition) });
    };
    return client;
  }

  /**
   * Progress notifications for our tokens are taken off the transport before the SDK sees them: the SDK's own
   * progress handling replaces the token and drops a notification sent just before the result
   * (typescript-sdk#2580). Handling them synchronously here keeps their order relative to the result.
   */
  private interceptProgress(transport: Transport): void {
    const inner = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message)) {
        const params = isRecord(message.params) ? message.params : {};
        const token = params.progressToken;
        if (typeof token === 'string' && token.startsWith(this.tokenPrefix)) {
          const handler = this.progress.get(token);
          if (handler) {
            const { progressToken: _ignored, ...rest } = params;
            try {
              handler(rest);
            } catch (error) {
              this.logger.debug(`server "${this.id}": progress relay failed`, { server: this.id, error: errorMessage(error) });
            }
          }
          return; // a late notification for a finished request is dropped quietly
        }
      }
      inner?.call(transport, message, extra);
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Lists
  // ---------------------------------------------------------------------------------------------------------

  /**
   * The full listing of a (re)start. A server whose tools cannot be listed fails; one whose prompts or resources
   * cannot be listed serves the rest (logged), keeping the previous list of that kind after a restart.
   */
  private async fetchAll(client: Client, generation: number): Promise<ServerCache> {
    const caps = this._capabilities ?? {};
    const previous = this._cache;
    const next = emptyCache();
    await Promise.all(
      listKinds
        .filter((kind) => caps[kind] !== undefined)
        .map(async (kind) => {
          try {
            Object.assign(next, await this.listKind(client, kind));
          } catch (error) {
            if (kind === 'tools' || generation !== this.generation) throw error;
            const keep = this.everReady && !sameList(previous, emptyCache(), kind);
            this.logger.warn(`server "${this.id}": could not list its ${kind}; ${keep ? 'keeping the previous list' : 'serving without them'}`, {
              server: this.id,
              error: errorMessage(error),
            });
            if (keep) Object.assign(next, listsOf(previous, kind));
          }
        }),
    );
    return next;
  }

  private async listKind(client: Client, kind: ListKind): Promise<Partial<ServerCache>> {
    if (kind === 'tools') return { tools: await this.listAll<Tool>(client, 'tools/list', 'tools', (t) => typeof t.name === 'string') };
    if (kind === 'prompts') return { prompts: await this.listAll<Prompt>(client, 'prompts/list', 'prompts', (p) => typeof p.name === 'string') };
    const [resources, resourceTemplates] = await Promise.all([
      this.listAll<Resource>(client, 'resources/list', 'resources', (r) => typeof r.uri === 'string'),
      // Many servers with resources have no templates: any failure here means "none".
      this.listAll<ResourceTemplate>(client, 'resources/templates/list', 'resourceTemplates', (t) => typeof t.uriTemplate === 'string').catch(
        (error: unknown) => {
          this.logger.debug(`server "${this.id}": resources/templates/list failed; no templates`, { server: this.id, error: errorMessage(error) });
          return [] as ResourceTemplate[];
        },
      ),
    ]);
    return { resources, resourceTemplates };
  }

  private async fetchKind(kind: ListKind, generation: number): Promise<void> {
    const client = this._client;
    if (!client) throw new Error('not connected');
    const lists = await this.listKind(client, kind);
    if (generation === this.generation) this._cache = { ...this._cache, ...lists };
  }

  /** Every page of a list (following nextCursor). A server without the method gives an empty list. */
  private async listAll<T>(client: Client, method: string, key: string, valid: (item: Record<string, unknown>) => boolean): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      let result: LooseResult;
      try {
        const request = cursor === undefined ? { method } : { method, params: { cursor } };
        result = await client.request(request as ClientRequest, LooseResultSchema, {
          timeout: Math.min(this.timeouts.requestMs, MAX_TIMEOUT_MS),
        });
      } catch (error) {
        if (error instanceof McpError && error.code === ErrorCode.MethodNotFound) return items;
        throw new Error(`${method} failed: ${errorMessage(error)}`, { cause: error });
      }
      const list = result[key];
      if (!Array.isArray(list)) throw new Error(`${method} returned no "${key}" array`);
      for (const item of list) {
        if (isRecord(item) && valid(item)) items.push(item as T);
        else this.logger.warn(`server "${this.id}": ${method} returned an invalid item; skipped`, { server: this.id, item });
      }
      const next = result.nextCursor;
      if (typeof next !== 'string' || next.length === 0) return items;
      if (seen.has(next)) {
        this.logger.warn(`server "${this.id}": ${method} repeated cursor ${JSON.stringify(next)}; stopped paging`, { server: this.id });
        return items;
      }
      seen.add(next);
      cursor = next;
    }
  }

  /** Refetches one list after the server announced a change; coalesces announcements that arrive meanwhile. */
  scheduleRefresh(kind: ListKind): void {
    if (this.attemptRunning) {
      this.refreshWhenReady.add(kind);
      return;
    }
    if (this._state !== 'ready') return;
    if (this.refreshing.has(kind)) {
      this.refreshAgain.add(kind);
      return;
    }
    const generation = this.generation;
    const run = async () => {
      do {
        this.refreshAgain.delete(kind);
        try {
          await this.fetchKind(kind, generation);
        } catch (error) {
          if (generation === this.generation) {
            this.logger.warn(`server "${this.id}": could not refresh its ${kind}; keeping the previous list`, {
              server: this.id,
              error: errorMessage(error),
            });
          }
          return;
        }
        if (generation !== this.generation) return;
        this.options.hooks.catalogChanged(this, new Set([kind]), true);
      } while (this.refreshAgain.has(kind));
    };
    const running = run()
      .catch((error: unknown) => this.logger.error(`server "${this.id}": refreshing its ${kind} failed`, { server: this.id, error: errorMessage(error) }))
      .finally(() => this.refreshing.delete(kind));
    this.refreshing.set(kind, running);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Requests
  // ---------------------------------------------------------------------------------------------------------

  /** A clear error for a request to a server that is not ready (and will not be soon). */
  unavailableError(): RpcError {
    const state = this._state;
    const why = this._error ? `: ${this._error}` : '';
    return switchboardRpcError(
      ErrorCode.InternalError,
      'SWB_SERVER_UNAVAILABLE',
      `Server "${this.id}" is not available (state: ${state})${why}`,
      { server: this.id, state, ...(this._nextRetryAt !== undefined ? { nextRetryAt: this._nextRetryAt } : {}) },
    );
  }

  /** The time limits of one request: the server's, or the tool's own (`timeouts.tools[<original name>]`). */
  limitsFor(tool: string | undefined): { requestMs: number; maxTotalMs: number; perTool: boolean } {
    const own = tool !== undefined ? this.definition.timeouts?.tools?.[tool] : undefined;
    if (!own || (own.requestMs === undefined && own.maxTotalMs === undefined)) {
      return { requestMs: this.timeouts.requestMs, maxTotalMs: this.timeouts.maxTotalMs, perTool: false };
    }
    const requestMs = own.requestMs ?? this.timeouts.requestMs;
    // A tool given a longer timeout than the server's total cap gets that much time in total too.
    const maxTotalMs = own.maxTotalMs ?? Math.max(this.timeouts.maxTotalMs, requestMs);
    return { requestMs, maxTotalMs, perTool: true };
  }

  /**
   * Forwards one request: one downstream `client.request`, the result returned untouched. A server that is
   * restarting (or idle) is waited for first. We own the timeout (`requestMs`, reset by each progress
   * notification, capped by `maxTotalMs`; per tool when configured); the upstream signal and the timeout both abort
   * the downstream request (the SDK then sends `notifications/cancelled`).
   */
  async forward(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult> {
    options.signal?.throwIfAborted();
    this.activeCalls += 1;
    this.clearTimer('idleTimer');
    try {
      await this.awaitReady(options.signal);
      return await this.send(method, params, options);
    } finally {
      this.activeCalls -= 1;
      this.touch();
    }
  }

  private async send(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult> {
    const client = this._client;
    if (!client || this._state !== 'ready') throw this.unavailableError();
    // Session lanes (see InflightRegistry): wait for this session's turn before the clock starts; the call is
    // registered as it is admitted.
    const callId = options.origin ? await this.inflight.enter(options.origin.session, options.origin.extra, options.signal) : undefined;

    const { requestMs, maxTotalMs, perTool } = this.limitsFor(options.tool);
    const token = `${this.tokenPrefix}${++this.tokenSequence}`;
    const abort = new AbortController();
    const startedAt = Date.now();
    let timeoutError: RpcError | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const expire = (total: boolean) => {
      const limit = total ? maxTotalMs : requestMs;
      const whose = perTool ? `; the limit configured for tool "${options.tool}"` : '';
      timeoutError = switchboardRpcError(
        ErrorCode.RequestTimeout,
        'SWB_TIMEOUT',
        total
          ? `Server "${this.id}" did not finish ${options.label} within the maximum total time of ${limit} ms${perTool ? ` (the limit configured for tool "${options.tool}")` : ''}`
          : `Server "${this.id}" did not answer ${options.label} within ${limit} ms (no progress in that time${whose})`,
        { server: this.id, request: options.label, limitMs: limit, ...(options.tool !== undefined ? { tool: options.tool } : {}) },
      );
      abort.abort(timeoutError);
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      const left = maxTotalMs - (Date.now() - startedAt);
      if (left <= 0) return expire(true);
      const wait = Math.min(requestMs, left, MAX_TIMEOUT_MS);
      timer = setTimeout(() => expire(wait < requestMs), wait);
    };
    const onUpstreamAbort = () => abort.abort(options.signal?.reason ?? new Error('cancelled by the client'));
    options.signal?.addEventListener('abort', onUpstreamAbort, { once: true });
    this.progress.set(token, (progress) => {
      if (timeoutError) return;
      arm();
      options.onProgress?.(progress);
    });
    arm();
    try {
      const meta = isRecord(params._meta) ? params._meta : {};
      const request = { method, params: { ...params, _meta: { ...meta, progressToken: token } } };
      return await client.request(request as ClientRequest, LooseResultSchema, { signal: abort.signal, timeout: MAX_TIMEOUT_MS });
    } catch (error) {
      if (timeoutError) throw timeoutError;
      if (this._client !== client || this._state !== 'ready') {
        const why = this._error ? `: ${this._error}` : '';
        throw switchboardRpcError(
          ErrorCode.InternalError,
          'SWB_SERVER_UNAVAILABLE',
          `Server "${this.id}" went away during ${options.label} (state: ${this._state})${why}`,
          { server: this.id, state: this._state },
        );
      }
      // A JSON-RPC error is the server's own answer and passes through; anything else (a write that failed on
      // a dying pipe, a dropped HTTP stream) is the link failing, and the client must learn which server it was.
      if (!(error instanceof McpError) && !(error instanceof RpcError) && !options.signal?.aborted) {
        throw switchboardRpcError(
          ErrorCode.InternalError,
          'SWB_SERVER_UNAVAILABLE',
          `Server "${this.id}" could not be reached during ${options.label}: ${redact(errorMessage(error), this.definition)}`,
          { server: this.id, state: this._state },
        );
      }
      throw passThroughError(error);
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onUpstreamAbort);
      this.progress.delete(token);
      if (callId !== undefined) this.inflight.delete(callId);
    }
  }

  /** A plain request with the server's request timeout (setLevel, subscribe, ...). */
  async request(method: string, params: LooseParams | undefined): Promise<LooseResult> {
    const client = this._client;
    if (!client || this._state !== 'ready') throw this.unavailableError();
    try {
      const request = params === undefined ? { method } : { method, params };
      return await client.request(request as ClientRequest, LooseResultSchema, {
        timeout: Math.min(this.timeouts.requestMs, MAX_TIMEOUT_MS),
      });
    } catch (error) {
      throw passThroughError(error);
    }
  }

  /** Sends a notification to the server if it is ready; failures are logged, never thrown. */
  notify(method: string, params?: LooseParams): void {
    const client = this._client;
    if (!client || this._state !== 'ready') return;
    const notification = (params === undefined ? { method } : { method, params }) as ClientNotification;
    client.notification(notification).catch((error: unknown) => {
      this.logger.debug(`server "${this.id}": could not send ${method}`, { server: this.id, error: errorMessage(error) });
    });
  }

  /**
   * Remembers a client's log level (re-applied after every restart) and sends it now if the server is ready and
   * declares logging. Resolves true if it was sent.
   */
  async setLogLevel(level: string): Promise<boolean> {
    this.logLevel = level;
    if (this._state !== 'ready' || !this._capabilities?.logging) return false;
    await this.request('logging/setLevel', { level });
    return true;
  }

  /**
   * Counts a session's subscription to a URI; the first one subscribes downstream. A server on its way back
   * (restarting, idle) gets it when it is ready again.
   */
  async retainSubscription(uri: string): Promise<void> {
    if (!this.servesLists) throw this.unavailableError();
    const count = this.subscriptions.get(uri) ?? 0;
    this.subscriptions.set(uri, count + 1);
    if (count > 0 || this._state !== 'ready' || !this._capabilities?.resources?.subscribe) return;
    try {
      await this.request('resources/subscribe', { uri });
    } catch (error) {
      this.releaseCount(uri);
      throw error;
    }
  }

  /** Drops a session's subscription; the last one unsubscribes downstream. */
  async releaseSubscription(uri: string): Promise<void> {
    if (!this.subscriptions.has(uri)) return;
    if (this.releaseCount(uri) > 0 || !this._capabilities?.resources?.subscribe || this._state !== 'ready') return;
    await this.request('resources/unsubscribe', { uri });
  }

  private releaseCount(uri: string): number {
    const left = (this.subscriptions.get(uri) ?? 1) - 1;
    if (left <= 0) this.subscriptions.delete(uri);
    else this.subscriptions.set(uri, left);
    return Math.max(0, left);
  }

  // ---------------------------------------------------------------------------------------------------------

  private resolveSettled(settled: Deferred<void>): void {
    settled.resolve();
    if (settled === this.settledDeferred) this.settledDone = true;
  }

  private setState(state: ServerState): void {
    this._state = state;
    this.options.hooks.stateChanged(this);
    for (const listener of [...this.stateListeners]) listener();
  }

  private nonEmptyKinds(): ListKind[] {
    return listKinds.filter((kind) => !sameList(this._cache, emptyCache(), kind));
  }
}

/** Races a promise against an abort signal; a value that arrives after the abort goes to `onLate`. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((value) => onLate?.(value), () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
