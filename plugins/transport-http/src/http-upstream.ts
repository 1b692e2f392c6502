import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SwitchboardError, type Logger, type UpstreamHost, type UpstreamTransport } from '@mcp-switchboard/plugin-api';
import { FrontDoorRequest, type FrontDoorServices, type HttpEndpoint } from './endpoint.js';
import { frontDoorEndpoints } from './endpoints/index.js';
import { protectedResourceEndpoints } from './endpoints/protected-resource.js';
import { errorMessage, RPC_INTERNAL_ERROR, RPC_SERVER_ERROR, RPC_SESSION_NOT_FOUND, sendRpcError } from './http-replies.js';
import { resolveHttpSettings, type HttpSettings } from './options.js';
import { authChecksFor, exposureWarning, SecurityGate, type AuthCheck } from './security-gate.js';
import { oauthAuthCheck } from './oauth/front-door-auth.js';
import { SessionRegistry } from './session-registry.js';

export { exposureWarning } from './security-gate.js';

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
  /** Waits `ms` (the drain delay on stop); injectable so tests decide when draining ends. */
  delay?: (ms: number) => Promise<void>;
  /**
   * Endpoints asked before the built-in ones (the first that matches handles a request): a document such as OAuth
   * protected-resource metadata (`isPublic`), or a protocol era chosen per request in front of `/mcp`.
   */
  endpoints?: (services: FrontDoorServices) => HttpEndpoint[];
  /** Auth checks besides the bearer token of `authToken`; a request passes when any check accepts it. */
  authChecks?: readonly AuthCheck[];
}

/**
 * The Streamable HTTP front door (plus the legacy HTTP+SSE endpoints): a node:http server that passes every request
 * through the security gate (security-gate.ts), then hands it to the first endpoint that matches (endpoints/), and
 * on stop drains requests in flight before closing the sessions (session-registry.ts).
 *
 * Endpoints: `POST|GET|DELETE /mcp` and `/mcp/<profile>`; `GET /sse`, `/sse/<profile>` and `POST /messages`
 * (HTTP+SSE, protocol 2024-11-05); `GET /health` (liveness; `?detail=1` adds each server's state, always behind the
 * token when one is set); `GET /ready`.
 */
export class HttpUpstream implements UpstreamTransport {
  readonly name = 'streamable-http';

  private readonly settings: HttpSettings;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly gate: SecurityGate;
  private readonly sessions: SessionRegistry;
  private readonly endpoints: readonly HttpEndpoint[];

  private server: Server | undefined;
  private host: UpstreamHost | undefined;
  private boundPort: number | undefined;
  /** HTTP requests being answered, over all sessions (long-lived GET streams excluded). */
  private activeHttp = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /**
   * Where a stop is: `serving` (no stop asked), `draining` (the drain delay: sessions' requests still served),
   * `finishing` (requests in flight finish; anything new is turned away, even over a connection kept alive).
   */
  private phase: 'serving' | 'draining' | 'finishing' = 'serving';
  private readonly drainWaiters = new Set<() => void>();

  constructor(settings: Partial<HttpSettings> = {}, options: HttpUpstreamOptions = {}) {
    this.settings = { ...resolveHttpSettings({}), ...definedOnly(settings) };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.delay = options.delay ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // The audience defaults to our own /mcp URL, known once the port is bound (asked on the first request).
    const oauth = this.settings.auth ? oauthAuthCheck(this.settings.auth, () => this.describe()) : undefined;
    this.gate = new SecurityGate({
      settings: this.settings,
      port: () => this.boundPort ?? this.settings.port,
      authChecks: [...authChecksFor(this.settings), ...(oauth ? [oauth] : []), ...(options.authChecks ?? [])],
    });
    this.sessions = new SessionRegistry({
      maxSessions: this.settings.maxSessions,
      logger: this.logger,
      now: this.now,
      onSettled: () => this.checkDrained(),
    });
    const services: FrontDoorServices = {
      settings: this.settings,
      logger: this.logger,
      host: () => {
        if (!this.host) throw new Error('the HTTP front door is not started');
        return this.host;
      },
      sessions: this.sessions,
      isStopping: () => this.stopping !== undefined,
    };
    this.endpoints = [...protectedResourceEndpoints(oauth), ...(options.endpoints?.(services) ?? []), ...frontDoorEndpoints(services)];
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
    await this.listen(server);
    server.on('error', (error) => this.logger.error('HTTP server error', { error: error.message }));
    this.boundPort = (server.address() as AddressInfo).port;

    const interval = Math.max(1000, Math.min(Math.floor(this.settings.sessionIdleTtlMs / 4), 60_000));
    this.sweeper = setInterval(() => void this.sweepIdleSessions(), interval);
    this.sweeper.unref();

    const warning = exposureWarning(this.settings, this.boundPort);
    if (warning) this.logger.warn(warning, { host: this.settings.host, port: this.boundPort });
    this.logger.info('HTTP front door listening', {
      url: this.describe(),
      stateless: this.settings.stateless,
      auth: this.gate.authNames.join('+') || 'none',
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
  sweepIdleSessions(): Promise<number> {
    return this.sessions.closeIdleSince(this.now() - this.settings.sessionIdleTtlMs);
  }

  private listen(server: Server): Promise<void> {
    const { host: address, port } = this.settings;
    return new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off('listening', onListening);
        this.server = undefined;
        const fix = error.code === 'EADDRINUSE' ? 'Pick another port with --port (or "port" in the config), or stop the program using it.' : undefined;
        const reason = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
        reject(new SwitchboardError('SWB_USAGE', `cannot listen on ${address}:${port}: ${reason}`, { cause: error, ...(fix ? { fix } : {}) }));
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, address);
    });
  }

  // --- one request: the gate, then the first endpoint that matches -------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const counted = { value: false };
    const url = parseUrl(req.url);
    const request = url && new FrontDoorRequest(req, res, url, this.settings.maxBodyBytes, () => this.countOut(counted));
    const isPublic = request !== undefined && this.endpoints.some((endpoint) => endpoint.isPublic?.(request) ?? false);
    // Security first, on every request, whatever the path or method.
    if (!(await this.gate.admit(req, res, isPublic))) return;
    if (!request) {
      sendRpcError(res, 400, RPC_SERVER_ERROR, 'Bad Request: invalid URL');
      return;
    }
    if (this.phase !== 'serving' && !this.endpoints.some((endpoint) => endpoint.answersWhileStopping?.(request) ?? false)) {
      const ofSession = Boolean(req.headers['mcp-session-id'] || request.url.searchParams.has('sessionId'));
      if (!ofSession) {
        // Nothing new starts while stopping; a balancer sends a 503 to another replica.
        sendRpcError(res, 503, RPC_SERVER_ERROR, 'Service Unavailable: shutting down', { headers: { Connection: 'close' } });
        return;
      }
      if (this.phase === 'finishing') {
        // The drain delay is over, yet a balancer's kept-alive connection brought a new request of a session here.
        // Served, such requests would keep the process from ever draining; the spec's 404 makes the client start a
        // new session, which the balancer now places on another replica.
        sendRpcError(res, 404, RPC_SESSION_NOT_FOUND, 'Session not found: this Switchboard replica is shutting down; initialize a new session', {
          headers: { Connection: 'close' },
        });
        return;
      }
    }

    counted.value = true;
    this.activeHttp++;
    res.once('close', () => this.countOut(counted));

    for (const endpoint of this.endpoints) {
      if (await endpoint.matches(request)) {
        await endpoint.handle(request);
        return;
      }
      if (res.writableEnded) return; // a `matches` that read the body may have refused it (413/415/400)
    }
    const paths = [...new Set(this.endpoints.flatMap((endpoint) => endpoint.paths))];
    sendRpcError(res, 404, RPC_SERVER_ERROR, `Not Found: ${request.url.pathname}; endpoints are ${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`);
  }

  /** The request no longer counts as in flight (its response closed, or it became a long-lived stream). */
  private countOut(counted: { value: boolean }): void {
    if (!counted.value) return;
    counted.value = false;
    this.activeHttp--;
    this.checkDrained();
  }

  // --- shutdown ---------------------------------------------------------------------------------------------

  private inFlight(): number {
    return this.activeHttp + this.sessions.inFlight();
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
    this.phase = 'draining';
    if (this.settings.drainDelayMs > 0) {
      // Still listening, /ready answering 503: the balancer's health checks take us out before connections fail.
      this.logger.info('draining: /ready answers 503, new sessions are refused', { drainDelayMs: this.settings.drainDelayMs });
      await this.delay(this.settings.drainDelayMs);
    }
    // Stop accepting connections now; keep the ones open so requests in flight can finish.
    this.phase = 'finishing';
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const drained = await this.waitForDrain(this.settings.shutdownGraceMs);
    if (!drained) {
      this.logger.warn('closing sessions with requests still in flight', {
        inFlight: this.inFlight(),
        shutdownGraceMs: this.settings.shutdownGraceMs,
      });
      await this.sessions.failPending('Switchboard is shutting down; the request was not finished');
    }
    await Promise.allSettled([this.sessions.closeAll(), ...this.endpoints.map((endpoint) => endpoint.close?.())]);
    server.closeAllConnections();
    await closed;
    this.logger.info('HTTP front door stopped');
  }
}

function parseUrl(value: string | undefined): URL | undefined {
  try {
    return new URL(value ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
