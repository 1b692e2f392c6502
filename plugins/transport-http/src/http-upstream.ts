import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SwitchboardError,
  type Logger,
  type ServerHealth,
  type UpstreamHost,
  type UpstreamSession,
  type UpstreamSessionOptions,
  type UpstreamTransport,
} from '@mcp-switchboard/plugin-api';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { resolveHttpSettings, type HttpSettings } from './options.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { BearerAuth, hostHeaderAllowed, isLoopbackAddress, originAllowed } from './security.js';
import { TrackedServerTransport } from './tracked-transport.js';

/** JSON-RPC error codes used in HTTP error bodies. */
const RPC_SERVER_ERROR = -32000;
const RPC_SESSION_NOT_FOUND = -32001;
const RPC_PARSE_ERROR = -32700;
const RPC_INTERNAL_ERROR = -32603;

const SSE_KEEPALIVE_MS = 25_000;
const CORS_ALLOW_HEADERS = 'Content-Type, Authorization, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const CORS_EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';

type SessionKind = 'streamable' | 'sse';

interface SessionEntry {
  readonly id: string;
  readonly kind: SessionKind;
  /** The profile of the path it was created on (`/mcp/<profile>`); undefined for `/mcp`. */
  readonly profile: string | undefined;
  readonly transport: TrackedServerTransport;
  session: UpstreamSession | undefined;
  readonly createdAt: number;
  lastActivity: number;
  /** HTTP requests of this session being answered (GET streams excluded). */
  activeHttp: number;
  /** Set once the entry left the registry. */
  gone: boolean;
  /** True until the entry is registered or forgotten: it holds one of the reserved slots. */
  holdsReservation: boolean;
  closing: Promise<void> | undefined;
}

/** A logger that drops everything, for use without one. */
const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

export interface HttpUpstreamOptions {
  logger?: Logger;
  /** Current time in ms; injectable for tests of idle expiry. */
  now?: () => number;
  /** Waits `ms` (the drain delay on stop); injectable so tests control when draining ends. */
  delay?: (ms: number) => Promise<void>;
}

/**
 * The Streamable HTTP front door (plus the legacy HTTP+SSE endpoints): a node:http server on `/mcp` that gives
 * each client session its own SDK transport and asks the host for a session over the shared hub.
 *
 * Endpoints: `POST|GET|DELETE /mcp` and `/mcp/<profile>`; `GET /sse`, `/sse/<profile>` and `POST /messages`
 * (HTTP+SSE, protocol 2024-11-05); `GET /health` (liveness; `?detail=1` adds each server's state, always behind the
 * token when one is set); `GET /ready`.
 */
/** How much of an oversized body is read and thrown away (as a multiple of the limit) before the link is cut. */
const LINGER_FACTOR = 4;

/**
 * Before a 413, reads and discards the rest of the body so a client still uploading can finish and then read the
 * answer (answering first and closing the socket shows up on the client as EPIPE instead of the 413). Past `cap`
 * bytes the connection is dropped, so nobody can keep us busy with an endless body. Resolves false when dropped.
 */
function discardRest(req: IncomingMessage, cap: number): Promise<boolean> {
  return new Promise((resolve) => {
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > cap) {
        req.socket.destroy();
        resolve(false);
      }
    });
    req.once('end', () => resolve(true));
    req.once('close', () => resolve(!req.socket.destroyed));
    req.resume();
  });
}

export class HttpUpstream implements UpstreamTransport {
  readonly name = 'streamable-http';

  private readonly settings: HttpSettings;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly auth: BearerAuth | undefined;
  private readonly enforceHost: boolean;

  private server: Server | undefined;
  private host: UpstreamHost | undefined;
  private boundPort: number | undefined;
  private readonly sessions = new Map<string, SessionEntry>();
  /** Sessions being created (counted against maxSessions before they are registered). */
  private reserved = 0;
  /** HTTP requests being answered, over all sessions (long-lived GET streams excluded). */
  private activeHttp = 0;
  /** Sessions created per request in stateless mode. */
  private readonly statelessSessions = new Set<UpstreamSession>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly drainWaiters = new Set<() => void>();

  constructor(settings: Partial<HttpSettings> = {}, options: HttpUpstreamOptions = {}) {
    this.settings = { ...resolveHttpSettings({}), ...definedOnly(settings) };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.delay = options.delay ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.auth = this.settings.authToken ? new BearerAuth(this.settings.authToken) : undefined;
    this.enforceHost = isLoopbackAddress(this.settings.host) || this.settings.allowedHosts.length > 0;
  }

  /** The port it listens on (the real one when configured with port 0); undefined before start. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Open sessions (Streamable HTTP and legacy SSE; stateless requests excluded). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  describe(): string {
    const host = this.settings.host.includes(':') && !this.settings.host.startsWith('[') ? `[${this.settings.host}]` : this.settings.host;
    return `http://${host}:${this.boundPort ?? this.settings.port}/mcp`;
  }

  async start(host: UpstreamHost): Promise<void> {
    if (this.stopping) throw new Error('the HTTP front door is stopped');
    if (this.server) throw new Error('the HTTP front door is already started');
    this.host = host;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.error('HTTP request failed', { error: errorMessage(error) });
        sendRpcError(res, 500, RPC_INTERNAL_ERROR, 'Internal server error');
      });
    });
    server.on('clientError', (error, socket) => {
      this.logger.debug('bad HTTP request', { error: error.message });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    const { host: address, port } = this.settings;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off('listening', onListening);
        this.server = undefined;
        if (error.code === 'EADDRINUSE') {
          reject(
            new SwitchboardError('SWB_USAGE', `cannot listen on ${address}:${port}: the port is in use`, {
              cause: error,
              fix: 'Pick another port with --port (or "port" in the config), or stop the program using it.',
            }),
          );
        } else {
          reject(new SwitchboardError('SWB_USAGE', `cannot listen on ${address}:${port}: ${error.message}`, { cause: error }));
        }
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, address);
    });
    server.on('error', (error) => this.logger.error('HTTP server error', { error: error.message }));
    this.boundPort = (server.address() as AddressInfo).port;

    const interval = Math.max(1000, Math.min(Math.floor(this.settings.sessionIdleTtlMs / 4), 60_000));
    this.sweeper = setInterval(() => void this.sweepIdleSessions(), interval);
    this.sweeper.unref();

    const warning = exposureWarning(this.settings, this.boundPort);
    if (warning) this.logger.warn(warning, { host: address, port: this.boundPort });
    this.logger.info('HTTP front door listening', {
      url: this.describe(),
      stateless: this.settings.stateless,
      auth: this.auth ? 'bearer' : 'none',
    });
  }

  /**
   * Graceful stop (drain): `/ready` answers 503 and new sessions are refused at once, while requests of open
   * sessions are still served; after drainDelayMs (default 0) the listener closes, requests in flight finish (up to
   * shutdownGraceMs), then every session and connection is closed. `/health` answers 200 until then. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Closes sessions with nothing in flight and no request for sessionIdleTtlMs. Returns how many it closed. */
  async sweepIdleSessions(): Promise<number> {
    const cutoff = this.now() - this.settings.sessionIdleTtlMs;
    const idle = [...this.sessions.values()].filter((entry) => isIdle(entry) && entry.lastActivity <= cutoff);
    for (const entry of idle) this.logger.debug('closing idle session', { session: entry.id, kind: entry.kind });
    await Promise.allSettled(idle.map((entry) => this.closeEntry(entry)));
    return idle.length;
  }

  // -------------------------------------------------------------------------------------------------------
  // request handling
  // -------------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Security first, on every request, whatever the path or method.
    if (this.enforceHost && !hostHeaderAllowed(req.headers.host, this.settings.allowedHosts)) {
      sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: Host header "${req.headers.host ?? ''}" is not allowed`);
      return;
    }
    const origin = headerValue(req.headers.origin);
    if (!originAllowed(origin, { port: this.boundPort ?? this.settings.port, boundHost: this.settings.host, allowedOrigins: this.settings.allowedOrigins })) {
      sendRpcError(res, 403, RPC_SERVER_ERROR, `Forbidden: Origin "${origin ?? ''}" is not allowed`);
      return;
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        // A CORS preflight carries no credentials; answering it reveals nothing.
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
          'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
    }

    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: invalid URL');
      return;
    }
    const segments = url.pathname.split('/').filter(Boolean);
    const isHealth = segments.length === 1 && segments[0] === 'health';
    // `/health?detail=1` names servers and their errors: it always needs the token when one is set.
    const healthDetail = isHealth && /^(1|true|yes)$/i.test(url.searchParams.get('detail') ?? '');

    if (this.auth && !(isHealth && !healthDetail && this.settings.healthWithoutAuth)) {
      const result = this.auth.check(headerValue(req.headers.authorization));
      if (result !== 'ok') {
        const challenge = result === 'invalid' ? 'Bearer realm="switchboard", error="invalid_token"' : 'Bearer realm="switchboard"';
        sendRpcError(res, 401, RPC_SERVER_ERROR, result === 'invalid' ? 'Unauthorized: invalid bearer token' : 'Unauthorized: a bearer token is required', {
          headers: { 'WWW-Authenticate': challenge },
        });
        return;
      }
      // The token is ours: it never reaches the MCP session (request info), let alone a downstream server.
      stripAuthorization(req);
    }

    const isReady = segments.length === 1 && segments[0] === 'ready';
    // Health and readiness answer until the end: a balancer must see /ready fail while /health still passes.
    if (this.stopping && !isHealth && !isReady && !(req.headers['mcp-session-id'] || url.searchParams.has('sessionId'))) {
      // Shutting down: requests of existing sessions may still finish; nothing new starts.
      sendRpcError(res, 503, RPC_SERVER_ERROR, 'Service Unavailable: shutting down', { headers: { Connection: 'close' } });
      return;
    }

    this.activeHttp++;
    let counted = true;
    const done = (): void => {
      if (!counted) return;
      counted = false;
      this.activeHttp--;
      this.checkDrained();
    };
    res.once('close', done);

    const [first, second, ...rest] = segments;
    if (isHealth) {
      if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
      sendJson(res, 200, healthDetail ? { status: 'ok', servers: this.serverHealth() } : { status: 'ok' });
      return;
    }
    if (isReady) {
      if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
      // From stop() on, the replica drains: a balancer must send it nothing new.
      const status = this.stopping ? 'draining' : this.host?.isReady() ? 'ready' : 'starting';
      sendJson(res, status === 'ready' ? 200 : 503, { status });
      return;
    }
    if ((first === 'mcp' || first === 'sse') && rest.length === 0) {
      const profile = second === undefined ? undefined : safeDecode(second);
      if (second !== undefined && !this.knownProfile(profile, res)) return;
      if (first === 'mcp') {
        if (req.method === 'GET') {
          // A standalone SSE stream lives as long as the session: it is not a request in flight.
          done();
        }
        await this.handleMcp(req, res, profile);
      } else {
        if (!allowMethods(req, res, ['GET'])) return;
        done();
        await this.openLegacySse(req, res, profile);
      }
      return;
    }
    if (first === 'messages' && second === undefined) {
      if (!allowMethods(req, res, ['POST'])) return;
      await this.handleLegacyMessage(req, res, url.searchParams.get('sessionId'));
      return;
    }
    sendRpcError(res, 404, RPC_SERVER_ERROR, `Not Found: ${url.pathname}; endpoints are /mcp, /mcp/<profile>, /sse, /sse/<profile>, /messages, /health and /ready`);
  }

  /** Each server's health from the host, limited to the published fields (the host redacts errors). */
  private serverHealth(): ServerHealth[] {
    let servers: ServerHealth[];
    try {
      servers = this.host?.servers?.() ?? [];
    } catch (error) {
      this.logger.warn('the host could not report server health', { error: errorMessage(error) });
      return [];
    }
    return servers.map((s) => ({
      id: s.id,
      state: s.state,
      tools: s.tools,
      restarts: s.restarts,
      ...(s.error !== undefined ? { error: s.error } : {}),
    }));
  }

  private knownProfile(profile: string | undefined, res: ServerResponse): boolean {
    const known = this.host?.profiles() ?? [];
    if (profile !== undefined && known.includes(profile)) return true;
    sendRpcError(
      res,
      404,
      RPC_SERVER_ERROR,
      `Not Found: unknown profile "${profile ?? ''}"; known profiles: ${known.length ? known.join(', ') : 'none (add "profiles" to the config)'}`,
      { data: { profiles: known } },
    );
    return false;
  }

  // --- Streamable HTTP -------------------------------------------------------------------------------------

  private async handleMcp(req: IncomingMessage, res: ServerResponse, profile: string | undefined): Promise<void> {
    const method = req.method ?? 'GET';
    if (this.settings.stateless) {
      if (method !== 'POST') {
        sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed: this server is stateless (POST only)', { headers: { Allow: 'POST' } });
        return;
      }
      const body = await this.readJson(req, res);
      if (body === NO_BODY) return;
      await this.serveStateless(req, res, body, profile);
      return;
    }
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed', { headers: { Allow: 'GET, POST, DELETE' } });
      return;
    }
    const sessionId = headerValue(req.headers['mcp-session-id']);
    if (method === 'POST') {
      const body = await this.readJson(req, res);
      if (body === NO_BODY) return;
      if (sessionId === undefined) {
        const initialize = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
        if (!initialize) {
          sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required (or send an initialize request to start a session)');
          return;
        }
        if (this.stopping) {
          sendRpcError(res, 503, RPC_SERVER_ERROR, 'Service Unavailable: shutting down', { headers: { Connection: 'close' } });
          return;
        }
        await this.createStreamableSession(req, res, body, profile);
        return;
      }
      const entry = this.findSession(sessionId, 'streamable', profile, res);
      if (!entry) return;
      await this.forward(entry, req, res, body);
      return;
    }
    if (sessionId === undefined) {
      sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const entry = this.findSession(sessionId, 'streamable', profile, res);
    if (!entry) return;
    await this.forward(entry, req, res, undefined, method === 'GET');
  }

  private findSession(id: string, kind: SessionKind, profile: string | undefined, res: ServerResponse): SessionEntry | undefined {
    const entry = this.sessions.get(id);
    // A session answers only on the path it was created on; anything else is "not found", never a new session.
    if (!entry || entry.kind !== kind || entry.profile !== profile) {
      sendRpcError(res, 404, RPC_SESSION_NOT_FOUND, 'Session not found');
      return undefined;
    }
    return entry;
  }

  private async forward(entry: SessionEntry, req: IncomingMessage, res: ServerResponse, body: unknown, stream = false): Promise<void> {
    this.touch(entry);
    if (!stream) {
      entry.activeHttp++;
      res.once('close', () => {
        entry.activeHttp--;
        this.touch(entry);
        this.checkDrained();
      });
    }
    const inner = entry.transport.inner as StreamableHTTPServerTransport;
    await inner.handleRequest(req, res, body);
  }

  private async createStreamableSession(req: IncomingMessage, res: ServerResponse, body: unknown, profile: string | undefined): Promise<void> {
    if (!(await this.reserveSlot(res))) return;
    const id = randomUUID();
    let entry: SessionEntry | undefined;
    const inner = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: () => {
        if (entry) this.register(entry);
      },
    });
    entry = this.newEntry(id, 'streamable', profile, inner);
    const registered = await this.connectEntry(entry, res);
    if (!registered) return;
    entry.activeHttp++;
    const created = entry;
    res.once('close', () => {
      created.activeHttp--;
      this.touch(created);
      // The initialize request was refused (bad headers, bad JSON-RPC): no session came of it.
      if (!this.sessions.has(created.id)) void this.closeEntry(created);
      this.checkDrained();
    });
    await inner.handleRequest(req, res, body);
  }

  private async serveStateless(req: IncomingMessage, res: ServerResponse, body: unknown, profile: string | undefined): Promise<void> {
    const inner = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const transport = new TrackedServerTransport(inner);
    let session: UpstreamSession;
    try {
      session = await this.host!.connect(transport, profileOption(profile));
    } catch (error) {
      this.logger.warn('the host refused a stateless request', { error: errorMessage(error) });
      sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: ${errorMessage(error)}`);
      return;
    }
    this.statelessSessions.add(session);
    res.once('close', () => {
      this.statelessSessions.delete(session);
      session.close().catch((error: unknown) => this.logger.debug('closing a stateless session failed', { error: errorMessage(error) }));
    });
    await inner.handleRequest(req, res, body);
  }

  // --- legacy HTTP+SSE ---------------------------------------------------------------------------------------

  private async openLegacySse(_req: IncomingMessage, res: ServerResponse, profile: string | undefined): Promise<void> {
    if (!(await this.reserveSlot(res))) return;
    const inner = new SSEServerTransport('/messages', res);
    const entry = this.newEntry(inner.sessionId, 'sse', profile, inner);
    // Registered before connecting: the client may POST as soon as it reads the endpoint event.
    this.register(entry);
    const keepAlive = setInterval(() => {
      if (!res.writableEnded) res.write(': keepalive\n\n');
    }, SSE_KEEPALIVE_MS);
    keepAlive.unref();
    res.once('close', () => {
      clearInterval(keepAlive);
      void this.closeEntry(entry);
    });
    await this.connectEntry(entry, res);
  }

  private async handleLegacyMessage(req: IncomingMessage, res: ServerResponse, sessionId: string | null): Promise<void> {
    if (!sessionId) {
      sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: the sessionId query parameter is required');
      return;
    }
    const entry = this.sessions.get(sessionId);
    if (!entry || entry.kind !== 'sse') {
      sendRpcError(res, 404, RPC_SESSION_NOT_FOUND, 'Session not found');
      return;
    }
    const body = await this.readJson(req, res);
    if (body === NO_BODY) return;
    this.touch(entry);
    entry.activeHttp++;
    res.once('close', () => {
      entry.activeHttp--;
      this.touch(entry);
      this.checkDrained();
    });
    const inner = entry.transport.inner as SSEServerTransport;
    try {
      await inner.handlePostMessage(req, res, body);
    } catch (error) {
      this.logger.debug('legacy SSE message refused', { session: entry.id, error: errorMessage(error) });
      if (!res.headersSent) sendRpcError(res, 400, RPC_SERVER_ERROR, `Bad Request: ${errorMessage(error)}`);
    }
  }

  // --- sessions ------------------------------------------------------------------------------------------------

  private newEntry(id: string, kind: SessionKind, profile: string | undefined, inner: StreamableHTTPServerTransport | SSEServerTransport): SessionEntry {
    const now = this.now();
    const holder: { entry?: SessionEntry } = {};
    const transport = new TrackedServerTransport(inner, {
      onActivity: () => {
        if (holder.entry) holder.entry.lastActivity = this.now();
      },
      onSettled: () => this.checkDrained(),
      onClose: () => {
        if (holder.entry) this.forget(holder.entry);
      },
    });
    const entry: SessionEntry = {
      id,
      kind,
      profile,
      transport,
      session: undefined,
      createdAt: now,
      lastActivity: now,
      activeHttp: 0,
      gone: false,
      holdsReservation: true,
      closing: undefined,
    };
    holder.entry = entry;
    return entry;
  }

  /** Asks the host for a session over the entry's transport. On failure answers 503 and forgets the entry. */
  private async connectEntry(entry: SessionEntry, res: ServerResponse): Promise<boolean> {
    try {
      const options: UpstreamSessionOptions = { sessionId: entry.id, ...profileOption(entry.profile) };
      entry.session = await this.host!.connect(entry.transport, options);
    } catch (error) {
      this.logger.warn('the host refused a new session', { error: errorMessage(error) });
      this.forget(entry);
      sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: ${errorMessage(error)}`);
      return false;
    }
    entry.session.onClose(() => this.forget(entry));
    if (entry.gone || this.stopping) {
      // Closed, or shutdown began, while connecting.
      await this.closeEntry(entry);
      sendRpcError(res, 503, RPC_SERVER_ERROR, 'Service Unavailable: shutting down');
      return false;
    }
    return true;
  }

  /**
   * Makes room for one more session. At maxSessions the oldest idle session (nothing in flight) is closed;
   * active sessions are never closed: if every session is busy the answer is 503. A granted slot is held by
   * the new entry until it is registered or forgotten.
   */
  private async reserveSlot(res: ServerResponse): Promise<boolean> {
    if (this.sessions.size + this.reserved >= this.settings.maxSessions) {
      const victim = [...this.sessions.values()].filter(isIdle).sort((a, b) => a.lastActivity - b.lastActivity)[0];
      if (!victim) {
        this.logger.warn('session limit reached and every session is busy', { maxSessions: this.settings.maxSessions });
        sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: all ${this.settings.maxSessions} sessions are busy; try again later`, {
          headers: { 'Retry-After': '1' },
        });
        return false;
      }
      this.logger.info('session limit reached: closing the oldest idle session', { session: victim.id, maxSessions: this.settings.maxSessions });
      this.reserved++;
      await this.closeEntry(victim);
      return true;
    }
    this.reserved++;
    return true;
  }

  /** Puts the entry in the registry, turning its reserved slot into a real one. */
  private register(entry: SessionEntry): void {
    if (entry.gone) return;
    this.release(entry);
    this.sessions.set(entry.id, entry);
    this.logger.debug('session opened', { session: entry.id, profile: entry.profile, kind: entry.kind });
  }

  private release(entry: SessionEntry): void {
    if (!entry.holdsReservation) return;
    entry.holdsReservation = false;
    this.reserved--;
  }

  private touch(entry: SessionEntry): void {
    entry.lastActivity = this.now();
  }

  /** Removes the entry from the registry (its id answers 404 from now on). Idempotent. */
  private forget(entry: SessionEntry): void {
    if (entry.gone) return;
    entry.gone = true;
    this.release(entry);
    if (this.sessions.get(entry.id) === entry) {
      this.sessions.delete(entry.id);
      this.logger.debug('session closed', { session: entry.id, kind: entry.kind });
    }
    this.checkDrained();
  }

  private closeEntry(entry: SessionEntry): Promise<void> {
    this.forget(entry);
    entry.closing ??= (async () => {
      try {
        if (entry.session) await entry.session.close();
        else await entry.transport.close();
      } catch (error) {
        this.logger.debug('closing a session failed', { session: entry.id, error: errorMessage(error) });
      }
    })();
    return entry.closing;
  }

  // --- shutdown ---------------------------------------------------------------------------------------------

  private inFlight(): number {
    let count = this.activeHttp;
    for (const entry of this.sessions.values()) count += entry.transport.inFlight;
    return count;
  }

  private checkDrained(): void {
    if (this.drainWaiters.size === 0 || this.inFlight() > 0) return;
    for (const wake of [...this.drainWaiters]) wake();
  }

  private waitForDrain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight() === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (drained: boolean): void => {
        clearTimeout(timer);
        this.drainWaiters.delete(wake);
        resolve(drained);
      };
      const wake = (): void => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.drainWaiters.add(wake);
    });
  }

  private async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    const server = this.server;
    if (!server) return;
    if (this.settings.drainDelayMs > 0) {
      // Still listening, /ready answering 503: the balancer's health checks take us out before connections fail.
      this.logger.info('draining: /ready answers 503, new sessions are refused', { drainDelayMs: this.settings.drainDelayMs });
      await this.delay(this.settings.drainDelayMs);
    }
    // Stop accepting connections now; keep the ones open so requests in flight can finish.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const drained = await this.waitForDrain(this.settings.shutdownGraceMs);
    if (!drained) {
      this.logger.warn('closing sessions with requests still in flight', {
        inFlight: this.inFlight(),
        shutdownGraceMs: this.settings.shutdownGraceMs,
      });
      await Promise.allSettled(
        [...this.sessions.values()].map((entry) => entry.transport.failPending('Switchboard is shutting down; the request was not finished')),
      );
    }
    await Promise.allSettled([
      ...[...this.sessions.values()].map((entry) => this.closeEntry(entry)),
      ...[...this.statelessSessions].map((session) => session.close()),
    ]);
    server.closeAllConnections();
    await closed;
    this.logger.info('HTTP front door stopped');
  }

  // --- helpers --------------------------------------------------------------------------------------------

  /** Reads and parses a JSON body within maxBodyBytes; on failure answers (413/415/400) and returns NO_BODY. */
  private async readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const contentType = headerValue(req.headers['content-type']) ?? '';
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(contentType.trim())) {
      sendRpcError(res, 415, RPC_SERVER_ERROR, 'Unsupported Media Type: Content-Type must be application/json');
      return NO_BODY;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, this.settings.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        if (await discardRest(req, LINGER_FACTOR * this.settings.maxBodyBytes)) {
          sendRpcError(res, 413, RPC_SERVER_ERROR, `Payload Too Large: the request body exceeds ${this.settings.maxBodyBytes} bytes`, {
            headers: { Connection: 'close' },
          });
        }
        return NO_BODY;
      }
      sendRpcError(res, 400, RPC_SERVER_ERROR, `Bad Request: ${errorMessage(error)}`);
      return NO_BODY;
    }
    // Lets the SDK's request adapter see the body as already read.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      sendRpcError(res, 400, RPC_PARSE_ERROR, 'Parse error: Invalid JSON');
      return NO_BODY;
    }
  }
}

const NO_BODY = Symbol('no body');

/**
 * The loud warning for a front door reachable from other machines without a token; undefined when bound to
 * loopback or protected by a token.
 */
export function exposureWarning(settings: Pick<HttpSettings, 'host' | 'authToken'>, port: number | undefined): string | undefined {
  if (isLoopbackAddress(settings.host) || settings.authToken) return undefined;
  return (
    `SECURITY WARNING: the HTTP front door listens on ${settings.host}:${port ?? '?'}, reachable from other machines, ` +
    'and no auth token is set: anyone who can reach this port can use every configured MCP server. ' +
    'Set an auth token (--auth-token or SWITCHBOARD_AUTH_TOKEN) or bind to 127.0.0.1.'
  );
}

function isIdle(entry: SessionEntry): boolean {
  return !entry.gone && entry.session !== undefined && entry.activeHttp === 0 && entry.transport.inFlight === 0;
}

function stripAuthorization(req: IncomingMessage): void {
  delete req.headers.authorization;
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() === 'authorization') raw.splice(i, 2);
  }
}

function profileOption(profile: string | undefined): UpstreamSessionOptions {
  return profile === undefined ? {} : { profile };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function allowMethods(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? 'GET')) return true;
  sendRpcError(res, 405, RPC_SERVER_ERROR, 'Method Not Allowed', { headers: { Allow: methods.join(', ') } });
  return false;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

/** An HTTP error with a JSON-RPC error body (`id: null`), as the MCP transports answer. */
function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  options: { data?: unknown; headers?: Record<string, string> } = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message, ...(options.data !== undefined ? { data: options.data } : {}) }, id: null }, options.headers);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
