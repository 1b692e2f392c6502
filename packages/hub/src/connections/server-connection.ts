import type {
  DownstreamConnector,
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
  connectors: readonly DownstreamConnector[];
  timeouts: ResolvedTimeouts;
  clientInfo: { name: string; version: string };
  logger: Logger;
  hooks: ConnectionHooks;
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
}

/** The capabilities the hub declares downstream: it relays sampling, elicitation and roots to its clients. */
export const downstreamClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

let connectionSequence = 0;

/**
 * One supervised MCP `Client` per downstream server, shared by every upstream session.
 *
 * States: `stopped` → `starting` → `ready` | `failed`; `stop()` → `stopped`. A crash while ready → `failed` (its
 * lists are dropped). `restart()` is the seam for supervision with backoff (a later issue).
 */
export class ServerConnection {
  readonly definition: ServerDefinition;
  readonly id: string;
  readonly inflight = new InflightRegistry();
  readonly timeouts: ResolvedTimeouts;

  private _state: ServerState;
  private _error: string | undefined;
  private _startupMs: number | undefined;
  private _cache: ServerCache = emptyCache();
  private _client: Client | undefined;
  private _link: DownstreamLink | undefined;
  private _instructions: string | undefined;
  private _capabilities: ServerCapabilities | undefined;

  /** Bumped by every start/stop: callbacks of an older client see a different value and do nothing. */
  private generation = 0;
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

  constructor(private readonly options: ConnectionOptions) {
    this.definition = options.definition;
    this.id = options.definition.id;
    this.timeouts = options.timeouts;
    this.logger = options.logger;
    this._state = options.definition.enabled ? 'stopped' : 'disabled';
    this.tokenPrefix = `swb-${++connectionSequence}-`;
    if (options.definition.isolateSessions === 'strict') this.inflight.isolate();
    if (!options.definition.enabled) this.resolveSettled(this.settledDeferred);
  }

  get state(): ServerState {
    return this._state;
  }
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

  /** Resolves when the current start attempt is over (ready, failed or stopped). Never rejects. */
  whenSettled(): Promise<void> {
    return this.settledDeferred.promise;
  }

  /** Connects, initializes and lists. Never rejects: a failure puts the connection in `failed`. */
  async start(): Promise<void> {
    if (this._state === 'disabled') return;
    if (this._state === 'starting') return this.whenSettled();
    const generation = ++this.generation;
    if (this.settledDone) {
      this.settledDeferred = deferred();
      this.settledDone = false;
    }
    const settled = this.settledDeferred;
    this._error = undefined;
    this._startupMs = undefined;
    this.setState('starting');
    const startedAt = performance.now();
    try {
      await this.open(generation);
      if (generation !== this.generation) return;
      this._startupMs = Math.round(performance.now() - startedAt);
      this.setState('ready');
      this.logger.info(`server "${this.id}" ready`, {
        server: this.id,
        tools: this._cache.tools.length,
        prompts: this._cache.prompts.length,
        resources: this._cache.resources.length,
        resourceTemplates: this._cache.resourceTemplates.length,
        startupMs: this._startupMs,
      });
      this.options.hooks.catalogChanged(this, new Set(listKinds), true);
      const pending = [...this.refreshWhenReady];
      this.refreshWhenReady.clear();
      for (const kind of pending) this.scheduleRefresh(kind);
    } catch (error) {
      if (generation !== this.generation) return;
      this.fail(`server "${this.id}" failed to start: ${errorMessage(error)}`, error);
    } finally {
      this.resolveSettled(settled);
    }
  }

  /** Stops and starts again (the seam for supervision; no backoff yet). */
  async restart(): Promise<void> {
    await this.close('restarting');
    await this.start();
  }

  /** Closes the client (closing a stdio link ends its process). Idempotent. */
  async stop(): Promise<void> {
    await this.close('stopped');
  }

  private async close(state: 'stopped' | 'restarting'): Promise<void> {
    const hadItems = this.nonEmptyKinds();
    this.generation += 1;
    this.connectAbort?.abort(new Error(`server "${this.id}" is stopping`));
    this.connectAbort = undefined;
    const client = this._client;
    const link = this._link;
    this._client = undefined;
    this._link = undefined;
    this._cache = emptyCache();
    this._capabilities = undefined;
    this._instructions = undefined;
    this.progress.clear();
    this.subscriptions.clear();
    this.refreshWhenReady.clear();
    if (this._state !== 'disabled' && this._state !== state) this.setState(state);
    this.resolveSettled(this.settledDeferred);
    // A restart keeps the connection in the hub: its lists are gone until it is ready again.
    if (state === 'restarting' && hadItems.length) this.options.hooks.catalogChanged(this, new Set(hadItems), false);
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

  private async open(generation: number): Promise<void> {
    const { definition, timeouts } = this.options;
    const connector = this.options.connectors.find((c) => c.types.includes(definition.transport));
    if (!connector) {
      const known = [...new Set(this.options.connectors.flatMap((c) => c.types))];
      throw new SwitchboardError(
        'SWB_CONNECTOR_MISSING',
        `no connector for transport "${definition.transport}" (loaded: ${known.join(', ') || 'none'})`,
      );
    }
    const abort = new AbortController();
    this.connectAbort = abort;
    const timer = setTimeout(
      () => abort.abort(new Error(`did not connect and initialize within ${timeouts.connectMs} ms`)),
      Math.min(timeouts.connectMs, MAX_TIMEOUT_MS),
    );
    try {
      const link = await raceAbort(
        connector.connect(definition, { logger: this.logger, signal: abort.signal }),
        abort.signal,
        (late) => void late.transport.close().catch(() => undefined),
      );
      const client = this.createClient(generation);
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
      clearTimeout(timer);
      if (this.connectAbort === abort) this.connectAbort = undefined;
    }
    await this.fetchAll(generation);
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
      if (this._state === 'ready') this.fail(`server "${this.id}" closed the connection (the process exited or the link dropped)`);
    };
    client.onerror = (error) => {
      if (generation !== this.generation) return;
      this.logger.debug(`server "${this.id}": protocol error`, { server: this.id, error: errorMessage(error) });
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
   * The first full listing. A server whose tools cannot be listed fails; one whose prompts or resources cannot be
   * listed serves the rest (logged), since those lists are often half-implemented.
   */
  private async fetchAll(generation: number): Promise<void> {
    const caps = this._capabilities ?? {};
    const kinds = listKinds.filter((k) => caps[k] !== undefined);
    await Promise.all(
      kinds.map(async (kind) => {
        try {
          await this.fetchKind(kind, generation);
        } catch (error) {
          if (kind === 'tools' || generation !== this.generation) throw error;
          this.logger.warn(`server "${this.id}": could not list its ${kind}; serving without them`, {
            server: this.id,
            error: errorMessage(error),
          });
        }
      }),
    );
  }

  private async fetchKind(kind: ListKind, generation: number): Promise<void> {
    const client = this._client;
    if (!client) throw new Error('not connected');
    if (kind === 'tools') {
      const tools = await this.listAll<Tool>(client, 'tools/list', 'tools', (t) => typeof t.name === 'string');
      if (generation === this.generation) this._cache = { ...this._cache, tools };
    } else if (kind === 'prompts') {
      const prompts = await this.listAll<Prompt>(client, 'prompts/list', 'prompts', (p) => typeof p.name === 'string');
      if (generation === this.generation) this._cache = { ...this._cache, prompts };
    } else {
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
      if (generation === this.generation) this._cache = { ...this._cache, resources, resourceTemplates };
    }
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
    if (this._state === 'starting') {
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

  /** A clear error for a request to a server that is not ready. */
  unavailableError(): RpcError {
    const state = this._state;
    const why = this._error ? `: ${this._error}` : '';
    return switchboardRpcError(
      ErrorCode.InternalError,
      'SWB_SERVER_UNAVAILABLE',
      `Server "${this.id}" is not available (state: ${state})${why}`,
      { server: this.id, state },
    );
  }

  /**
   * Forwards one request: one downstream `client.request`, the result returned untouched. We own the timeout
   * (`requestMs`, reset by each progress notification, capped by `maxTotalMs`); the upstream signal and the
   * timeout both abort the downstream request (the SDK then sends `notifications/cancelled`).
   */
  async forward(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult> {
    const client = this._client;
    if (!client || this._state !== 'ready') throw this.unavailableError();
    options.signal?.throwIfAborted();
    // Session lanes (see InflightRegistry): wait for this session's turn before the clock starts.
    if (options.origin) await this.inflight.enter(options.origin.session, options.signal);

    const { requestMs, maxTotalMs } = this.timeouts;
    const token = `${this.tokenPrefix}${++this.tokenSequence}`;
    const abort = new AbortController();
    const startedAt = Date.now();
    let timeoutError: RpcError | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const expire = (total: boolean) => {
      const limit = total ? maxTotalMs : requestMs;
      timeoutError = switchboardRpcError(
        ErrorCode.RequestTimeout,
        'SWB_TIMEOUT',
        total
          ? `Server "${this.id}" did not finish ${options.label} within the maximum total time of ${limit} ms`
          : `Server "${this.id}" did not answer ${options.label} within ${limit} ms (no progress in that time)`,
        { server: this.id, request: options.label, limitMs: limit },
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
    const callId = options.origin ? this.inflight.add(options.origin.session, options.origin.extra) : undefined;
    arm();
    try {
      const meta = isRecord(params._meta) ? params._meta : {};
      const request = { method, params: { ...params, _meta: { ...meta, progressToken: token } } };
      return await client.request(request as ClientRequest, LooseResultSchema, { signal: abort.signal, timeout: MAX_TIMEOUT_MS });
    } catch (error) {
      if (timeoutError) throw timeoutError;
      if (this._client !== client || this._state !== 'ready') {
        throw switchboardRpcError(
          ErrorCode.InternalError,
          'SWB_SERVER_UNAVAILABLE',
          `Server "${this.id}" closed the connection during ${options.label} (state: ${this._state})`,
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

  /** Counts a session's subscription to a URI; the first one subscribes downstream. */
  async retainSubscription(uri: string): Promise<void> {
    const count = this.subscriptions.get(uri) ?? 0;
    this.subscriptions.set(uri, count + 1);
    if (count > 0 || !this._capabilities?.resources?.subscribe) return;
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
  }

  private nonEmptyKinds(): ListKind[] {
    const c = this._cache;
    return listKinds.filter((k) => (k === 'resources' ? c.resources.length + c.resourceTemplates.length : c[k].length) > 0);
  }

  private fail(message: string, cause?: unknown): void {
    const hadItems = this.nonEmptyKinds();
    const client = this._client;
    this.generation += 1; // callbacks of the dead client are ignored from now on
    this._client = undefined;
    this._link = undefined;
    this._cache = emptyCache();
    this._error = message;
    this.progress.clear();
    this.subscriptions.clear();
    this.logger.error(message, { server: this.id, ...(cause instanceof Error && cause.message !== message ? { cause: cause.message } : {}) });
    this.setState('failed');
    this.resolveSettled(this.settledDeferred);
    if (hadItems.length) this.options.hooks.catalogChanged(this, new Set(hadItems), false);
    if (client) void client.close().catch(() => undefined);
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
