import type { UpstreamSession } from '@mcp-switchboard/plugin-api';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { InitializeRequestSchema, type ClientCapabilities, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogSnapshot } from '../catalog/catalog.js';
import type { ListKind } from '../connections/server-connection.js';
import type { HubContext } from '../context.js';
import type { RequestableSession } from '../routing/client-requests.js';
import type { UpstreamExtra } from '../connections/session-lanes.js';
import type { RoutedSession, Router } from '../routing/router.js';
import { errorMessage } from '../util/rpc-error.js';
import { isPlainRequest } from './plain-request.js';
import { RelayedRequests, relayedMethods, type RelayHandler, type RequestHandler } from './relayed-requests.js';
import { LooseResultSchema, looseNotificationSchema, looseRequestSchema, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';
import { lazyJsonSchemaValidator } from '../util/lazy-json-schema-validator.js';

/** What every session declares to its client. */
export const upstreamCapabilities = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  logging: {},
  completions: {},
};

/** The hub's side of a session's life. */
export interface SessionHost {
  readonly ctx: HubContext;
  readonly router: Router;
  readonly serverInfo: { name: string; version: string };
  /** The client finished initializing. */
  initialized(session: HubSession): void;
  /** The client said its roots changed. */
  rootsChanged(session: HubSession): void;
  /** The session ended (whoever ended it). */
  closed(session: HubSession): void;
}

/** Logging levels in increasing severity (RFC 5424, as MCP uses them). */
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Delay that folds a burst of list changes into one notification per list. */
export const LIST_CHANGED_DEBOUNCE_MS = 50;

type Handler = RequestHandler;

/** Which list an array of a snapshot is. */
function listKey(snapshot: CatalogSnapshot, definitions: readonly unknown[]): string {
  if (definitions === snapshot.toolDefinitions) return 'tools';
  if (definitions === snapshot.promptDefinitions) return 'prompts';
  if (definitions === snapshot.resourceDefinitions) return 'resources';
  return 'templates';
}

const fingerprints = new WeakMap<readonly unknown[], string>();
/**
 * The content of a definitions array as text, computed once per (immutable) array: snapshots are rebuilt
 * whenever any list of a server changes, so identity alone would call unchanged lists new.
 */
function fingerprint(definitions: readonly unknown[]): string {
  let text = fingerprints.get(definitions);
  if (text === undefined) fingerprints.set(definitions, (text = JSON.stringify(definitions)));
  return text;
}

/**
 * One connected client: a low-level SDK `Server` whose handlers route through the shared catalog and
 * connections. Its own state (subscriptions, log level, pending list_changed) is never shared.
 */
export class HubSession implements UpstreamSession, RoutedSession, RequestableSession {
  readonly id: string;
  readonly view: string;
  readonly server: Server;
  readonly subscriptions = new Map<string, string>();
  logLevel: string | undefined;

  private initializedFlag = false;
  private closedFlag = false;
  private readonly closeListeners: Array<() => void> = [];
  private readonly pendingLists = new Set<ListKind>();
  /** The definition arrays (immutable, one per snapshot) this session's client last listed, by list. */
  private readonly listed = new Map<string, readonly unknown[]>();
  private listTimer: ReturnType<typeof setTimeout> | undefined;
  /** The handlers of the relayed requests (see RelayedRequests), by method. */
  private readonly relayedHandlers = new Map<string, Handler>();
  /** The relayed requests that can be answered without a promise on the way, when nothing needs one. */
  private readonly relays = new Map<string, RelayHandler>();

  constructor(
    private readonly host: SessionHost,
    options: { id: string; view: string },
  ) {
    this.id = options.id;
    this.view = options.view;
    const ctx = host.ctx;
    this.server = new Server(host.serverInfo, { capabilities: upstreamCapabilities, jsonSchemaValidator: lazyJsonSchemaValidator() });
    this.installInitialize();
    this.server.oninitialized = () => {
      this.initializedFlag = true;
      host.initialized(this);
    };
    this.server.onclose = () => this.handleClosed();
    this.server.onerror = (error) => ctx.logger.debug('session protocol error', { session: this.id, error: errorMessage(error) });
    this.server.setNotificationHandler(looseNotificationSchema('notifications/roots/list_changed'), () => host.rootsChanged(this));

    const router = host.router;
    this.handle('tools/list', (p) => router.listTools(this, p));
    this.handle('tools/call', (p, e) => router.callTool(this, p, e));
    this.relays.set('tools/call', (p, e, done) => router.relayToolCall(this, p, e, done));
    this.handle('prompts/list', (p) => router.listPrompts(this, p));
    this.handle('prompts/get', (p, e) => router.getPrompt(this, p, e));
    this.handle('resources/list', (p) => router.listResources(this, p));
    this.handle('resources/templates/list', (p) => router.listResourceTemplates(this, p));
    this.handle('resources/read', (p, e) => router.readResource(this, p, e));
    this.handle('resources/subscribe', (p) => router.subscribe(this, p));
    this.handle('resources/unsubscribe', (p) => router.unsubscribe(this, p));
    this.handle('completion/complete', (p, e) => router.complete(this, p, e));
    // Replaces the SDK's built-in logging/setLevel handler: the level is fanned out downstream.
    this.handle('logging/setLevel', (p) => router.setLevel(this, p));
  }

  /** Starts the session on an unstarted server-side transport. */
  async connect(transport: Transport): Promise<void> {
    const before = transport.onmessage;
    await this.server.connect(transport);
    this.dispatchRequests(transport, before);
  }

  /**
   * Requests go past `Protocol`'s message sorting, which tries the two response schemas first and the request schema
   * next (three zod parses, two of them failing, for every request). `isPlainRequest` decides as the request schema
   * does; anything else takes the SDK's way. Once the session is initialized, the relayed requests (`tools/call`,
   * ...) are answered by RelayedRequests; the others go to the SDK's request dispatch (`Protocol._onrequest`).
   * The transport's own listener from before the connect still sees every message first, as the SDK does it.
   */
  private dispatchRequests(transport: Transport, before: Transport['onmessage']): void {
    const server = this.server as unknown as { _onrequest?: (request: unknown, extra: unknown) => void };
    const sorted = transport.onmessage;
    if (typeof server._onrequest !== 'function' || !sorted) return;
    const onrequest = server._onrequest.bind(this.server);
    const relayed = RelayedRequests.attach(this.server, transport, this.relayedHandlers, this.relays);
    transport.onmessage = (message, extra) => {
      if (!isPlainRequest(message)) return sorted.call(transport, message, extra);
      before?.call(transport, message, extra);
      if (relayed && this.initializedFlag && !this.closedFlag && relayed.take(message, extra)) return;
      onrequest(message, extra);
    };
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    try {
      await this.server.close();
    } finally {
      this.handleClosed();
    }
  }

  onClose(listener: () => void): void {
    if (this.closedFlag) {
      queueMicrotask(listener);
      return;
    }
    this.closeListeners.push(listener);
  }

  get isOpen(): boolean {
    return !this.closedFlag;
  }

  get isInitialized(): boolean {
    return this.initializedFlag && !this.closedFlag;
  }

  clientCapabilities(): ClientCapabilities | undefined {
    return this.server.getClientCapabilities();
  }

  snapshot(): CatalogSnapshot {
    return this.host.ctx.view(this.view);
  }

  sees(serverId: string): boolean {
    return this.isInitialized && this.snapshot().serverIds.has(serverId);
  }

  /** True if a message at `level` passes the level this session's client set. */
  acceptsLog(level: unknown): boolean {
    if (!this.logLevel) return true;
    const wanted = LOG_LEVELS.indexOf(this.logLevel);
    const got = LOG_LEVELS.indexOf(String(level));
    return wanted < 0 || got < 0 || got >= wanted;
  }

  request(request: LooseRequest, options: { signal: AbortSignal; timeout: number }): Promise<LooseResult> {
    return this.server.request(request as ServerRequest, LooseResultSchema, options);
  }

  /** Queues list_changed for the given lists; a burst within the debounce window sends one of each. */
  queueListChanged(kinds: Iterable<ListKind>): void {
    if (this.closedFlag) return;
    for (const kind of kinds) this.pendingLists.add(kind);
    if (this.pendingLists.size === 0 || this.listTimer) return;
    this.listTimer = setTimeout(() => this.flushListChanged(), LIST_CHANGED_DEBOUNCE_MS);
    this.listTimer.unref?.();
  }

  private flushListChanged(): void {
    this.listTimer = undefined;
    const kinds = [...this.pendingLists];
    this.pendingLists.clear();
    // Before initialization the client has not listed anything yet: it will get the current lists anyway.
    if (!this.isInitialized) return;
    const snapshot = this.snapshot();
    for (const kind of kinds) {
      // A client that already listed the current definitions (e.g. the answer that waited for start-up), or
      // never listed at all, has nothing new to fetch.
      const current =
        kind === 'tools'
          ? [snapshot.toolDefinitions]
          : kind === 'prompts'
            ? [snapshot.promptDefinitions]
            : [snapshot.resourceDefinitions, snapshot.templateDefinitions];
      const known = (definitions: readonly unknown[]) => {
        const seen = this.listed.get(listKey(snapshot, definitions));
        // Never listed: nothing the client holds is stale, and its first list gets the current catalog.
        return seen === undefined || fingerprint(seen) === fingerprint(definitions);
      };
      if (current.every(known)) continue;
      this.notify({ method: `notifications/${kind}/list_changed` } as ServerNotification);
    }
  }

  noteListed(definitions: readonly unknown[]): void {
    this.listed.set(listKey(this.snapshot(), definitions), definitions);
  }

  /** Sends a log message if the session's level lets it through. */
  sendLog(params: LooseParams): void {
    if (!this.isInitialized || !this.acceptsLog(params.level)) return;
    this.notify({ method: 'notifications/message', params } as ServerNotification);
  }

  sendResourceUpdated(params: LooseParams): void {
    if (!this.isInitialized) return;
    this.notify({ method: 'notifications/resources/updated', params } as ServerNotification);
  }

  private notify(notification: ServerNotification): void {
    this.server.notification(notification).catch((error: unknown) => {
      this.host.ctx.logger.debug(`could not send ${notification.method} to session`, { session: this.id, error: errorMessage(error) });
    });
  }

  /**
   * Registers a handler with a permissive request schema. It goes through `Protocol.prototype.setRequestHandler`
   * on purpose: `Server.setRequestHandler` wraps `tools/call` to re-parse the result with the SDK's schema, which
   * would strip fields it does not know; a proxy must pass results through untouched. The entry it makes is then
   * replaced by one without the schema parse: every request reaching it passed the SDK's request schema (or
   * `isPlainRequest`), so its params are an object or absent and the loose parse could only copy them.
   */
  private handle(method: string, handler: Handler): void {
    const schema = looseRequestSchema(method);
    const register = Protocol.prototype.setRequestHandler as unknown as (
      this: Server,
      requestSchema: typeof schema,
      fn: (request: { params?: Record<string, unknown> | undefined }, extra: UpstreamExtra) => Promise<LooseResult>,
    ) => void;
    const run = (request: { params?: Record<string, unknown> | undefined }, extra: UpstreamExtra) => handler((request.params ?? {}) as LooseParams, extra);
    if (relayedMethods.has(method)) this.relayedHandlers.set(method, handler);
    register.call(this.server, schema, run);
    const handlers = (this.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
    if (handlers instanceof Map && handlers.has(method)) handlers.set(method, run);
  }

  /**
   * `initialize` is answered at once, with the instructions of the servers ready at that moment (the SDK's
   * `Server` only takes instructions at construction, so they are set just before its own handler runs).
   */
  private installInitialize(): void {
    const server = this.server as unknown as { _oninitialize?: (request: unknown) => Promise<unknown>; _instructions?: string };
    const original = server._oninitialize;
    if (typeof original !== 'function') return;
    this.server.setRequestHandler(InitializeRequestSchema, async (request) => {
      const instructions = this.host.ctx.instructions(this.view);
      if (instructions !== undefined) server._instructions = instructions;
      return (await original.call(this.server, request)) as never;
    });
  }

  private handleClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.listTimer) clearTimeout(this.listTimer);
    this.listTimer = undefined;
    this.pendingLists.clear();
    this.host.closed(this);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        this.host.ctx.logger.warn('a session close listener threw', { session: this.id, error: errorMessage(error) });
      }
    }
  }
}
