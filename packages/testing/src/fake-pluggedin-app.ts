import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A well-formed key (`pg_in_` + 64 hex) the fake App accepts unless told otherwise. */
export const FAKE_PLUGGEDIN_API_KEY = `pg_in_${'0123456789abcdef'.repeat(4)}`;
/** The profile every server of the fake App belongs to. */
export const FAKE_PLUGGEDIN_PROFILE_UUID = '00000000-0000-4000-8000-000000000001';

/** The App's 401 messages, exactly. */
export const PLUGGEDIN_AUTH_ERRORS = {
  missing: 'Authorization header with Bearer token is required',
  invalid: 'Invalid API key',
  noProfile: 'No active profile found for this API key',
} as const;

/** One server as `GET /api/mcp-servers` returns it (field names from the App). Only `uuid` and `name` are needed. */
export interface FakeAppServer {
  uuid: string;
  name: string;
  description?: string | null;
  type?: 'STDIO' | 'SSE' | 'STREAMABLE_HTTP' | (string & {});
  command?: string | null;
  args?: string[] | null;
  env?: Record<string, string> | null;
  url?: string | null;
  streamableHTTPOptions?: { headers?: Record<string, string>; sessionId?: string };
  slug?: string | null;
  /** Only ACTIVE servers are returned (missing means ACTIVE). */
  status?: 'ACTIVE' | 'INACTIVE' | (string & {});
  profile_uuid?: string;
  source?: 'PLUGGEDIN' | 'COMMUNITY' | 'REGISTRY';
  customInstructions?: Array<{ role: 'user' | 'assistant' | 'system'; content: unknown }>;
  customInstructionsDescription?: string;
  [field: string]: unknown;
}

/** A row of the App's tools table. */
export interface FakeAppTool {
  name: string;
  description?: string | undefined;
  toolSchema: unknown;
  mcp_server_uuid: string;
  status: 'ACTIVE' | 'INACTIVE';
}

/** One request the fake App received. */
export interface FakeAppRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body (the raw text when it is not JSON; undefined when empty). */
  body: unknown;
  /** `Date.now()` when it arrived. */
  time: number;
  /** True when it carried the right bearer key. */
  authorized: boolean;
  /** Set when answered (`0` when the connection was dropped instead). */
  status?: number;
  respondedAt?: number;
}

export interface FakeAppState {
  servers: FakeAppServer[];
  tools: FakeAppTool[];
  /** Bodies posted to `/api/notifications/mcp-activity`, in order. */
  activity: Array<Record<string, unknown>>;
  /** Discovery requests: target (`all` or a uuid) and force_refresh. */
  discoveries: Array<{ target: string; force_refresh: boolean }>;
  /** False makes every authorised request answer 401 "No active profile found for this API key". */
  profileActive: boolean;
}

/** Rate limit of force-refresh discovery: more than `max` in `windowMs` gets 429 with `Retry-After`. */
export interface FakeDiscoverRateLimit {
  max: number;
  windowMs: number;
  /** Default: the window in seconds, rounded up. */
  retryAfterSeconds?: number;
}

export interface FakePluggedinAppOptions {
  /** The key it accepts. Default FAKE_PLUGGEDIN_API_KEY. */
  apiKey?: string;
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  servers?: FakeAppServer[];
  discoverRateLimit?: FakeDiscoverRateLimit;
}

/**
 * A route for `setDelay` and `failNext`: a path (`/api/mcp-servers`; `/api/discover` also matches
 * `/api/discover/all`), optionally preceded by a method (`POST /api/tools`).
 */
export type FakeAppRoute = string;

export interface FakePluggedinApp {
  /** Base URL, e.g. `http://127.0.0.1:41234` (give it as the plugin's `baseUrl`). */
  readonly url: string;
  readonly apiKey: string;
  readonly state: FakeAppState;
  /** Every request, in arrival order. */
  readonly log: FakeAppRequest[];
  /** Replaces the servers `GET /api/mcp-servers` returns. */
  setServers(list: FakeAppServer[]): void;
  /** Exactly these tools are INACTIVE (rows are created when missing); every other tool becomes ACTIVE. */
  setInactiveTools(list: Array<{ name: string; mcp_server_uuid: string; description?: string; toolSchema?: unknown }>): void;
  /** The next `times` requests (matching `route`, when given) answer `status` with an App-style error body. */
  failNext(status: number, times?: number, route?: FakeAppRoute): void;
  /** Down: every request answers 503 (`mode: '503'`) or has its connection dropped (`mode: 'refuse'`). */
  setDown(down: boolean, mode?: '503' | 'refuse'): void;
  /** Holds answers on `route` for `ms`; lowering it also shortens requests already waiting (0 releases them). */
  setDelay(route: FakeAppRoute, ms: number): void;
  setDiscoverRateLimit(limit: FakeDiscoverRateLimit | undefined): void;
  /** Logged requests on a route (see FakeAppRoute). */
  requests(route?: FakeAppRoute): FakeAppRequest[];
  /** Resolves with the first logged request (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitForRequest(predicate: (request: FakeAppRequest) => boolean, timeoutMs?: number): Promise<FakeAppRequest>;
  /** Closes the server and every connection. Idempotent. */
  stop(): Promise<void>;
}

function matchesRoute(route: FakeAppRoute | undefined, method: string, path: string): boolean {
  if (!route) return true;
  const space = route.indexOf(' ');
  const wantMethod = space > 0 ? route.slice(0, space).toUpperCase() : undefined;
  const wantPath = (space > 0 ? route.slice(space + 1) : route).replace(/\/+$/, '');
  if (wantMethod && wantMethod !== method) return false;
  return path === wantPath || path.startsWith(`${wantPath}/`);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ACTIVITY_ACTIONS = new Set(['tool_call', 'prompt_get', 'resource_read']);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Starts a fake plugged.in App on 127.0.0.1 that implements the App API contract (`GET /api/mcp-servers`,
 * `GET|POST /api/tools`, `POST /api/notifications/mcp-activity`, `POST /api/discover/all|{uuid}`, the
 * exact 401 messages), records every request in `log`, and can fail, slow down or go down on demand.
 *
 * @example
 * const app = await startFakePluggedinApp();
 * app.setServers([{ uuid: '6f1c...', name: 'Memory', slug: 'memory', type: 'STDIO', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] }]);
 * // ... point the plugin at { apiKey: app.apiKey, baseUrl: app.url } ...
 * app.setDown(true);                      // every request now answers 503
 * app.setDelay('/api/notifications/mcp-activity', 5000);
 * expect(app.requests('POST /api/tools')).toHaveLength(1);
 * await app.stop();
 */
export async function startFakePluggedinApp(options: FakePluggedinAppOptions = {}): Promise<FakePluggedinApp> {
  const apiKey = options.apiKey ?? FAKE_PLUGGEDIN_API_KEY;
  const state: FakeAppState = { servers: [...(options.servers ?? [])], tools: [], activity: [], discoveries: [], profileActive: true };
  const log: FakeAppRequest[] = [];
  const failures: Array<{ status: number; left: number; route: FakeAppRoute | undefined }> = [];
  const delays = new Map<string, number>();
  type Waiter = { route: string; start: number; timer: ReturnType<typeof setTimeout>; release: () => void };
  const waiters = new Set<Waiter>();
  const requestListeners = new Set<(request: FakeAppRequest) => void>();
  let down: false | '503' | 'refuse' = false;
  let rateLimit = options.discoverRateLimit;
  const forceRefreshTimes: number[] = [];
  let stopped = false;

  const activeServers = () => state.servers.filter((s) => s.status === undefined || s.status === 'ACTIVE');
  const withDefaults = (s: FakeAppServer): FakeAppServer => ({ profile_uuid: FAKE_PLUGGEDIN_PROFILE_UUID, status: 'ACTIVE', ...s });

  function send(res: ServerResponse, entry: FakeAppRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    entry.status = status;
    entry.respondedAt = Date.now();
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function delayFor(method: string, path: string): { route: string; ms: number } | undefined {
    let found: { route: string; ms: number } | undefined;
    for (const [route, ms] of delays) if (ms > 0 && matchesRoute(route, method, path)) found = { route, ms };
    return found;
  }

  function wait(route: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        route,
        start: Date.now(),
        timer: setTimeout(() => waiter.release(), ms),
        release: () => {
          clearTimeout(waiter.timer);
          waiters.delete(waiter);
          resolve();
        },
      };
      waiters.add(waiter);
    });
  }

  function authError(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ') || header.length <= 'Bearer '.length) return PLUGGEDIN_AUTH_ERRORS.missing;
    if (header.slice('Bearer '.length) !== apiKey) return PLUGGEDIN_AUTH_ERRORS.invalid;
    if (!state.profileActive) return PLUGGEDIN_AUTH_ERRORS.noProfile;
    return undefined;
  }

  function toolsView(status: string, prefix: boolean): Array<Record<string, unknown>> {
    const servers = new Map(activeServers().map((s) => [s.uuid, s]));
    return state.tools
      .filter((t) => t.status === status && servers.has(t.mcp_server_uuid))
      .map((t) => {
        const server = servers.get(t.mcp_server_uuid)!;
        const slug = server.slug ?? undefined;
        return {
          name: prefix ? `${slug ?? t.mcp_server_uuid}__${t.name}` : t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          inputSchema: t.toolSchema,
          _serverUuid: t.mcp_server_uuid,
          ...(slug ? { _serverSlug: slug } : {}),
          _serverName: server.name,
        };
      });
  }

  function route(req: IncomingMessage, res: ServerResponse, entry: FakeAppRequest): void {
    const { method, path, query, body } = entry;
    if (method === 'GET' && path === '/api/mcp-servers') return send(res, entry, 200, activeServers().map(withDefaults));
    if (path === '/api/tools' && method === 'GET') {
      const status = query.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE';
      return send(res, entry, 200, { tools: toolsView(status, query.prefix_tools === 'true') });
    }
    if (path === '/api/tools' && method === 'POST') {
      const tools = isRecord(body) ? body.tools : undefined;
      if (!Array.isArray(tools) || tools.length === 0) return send(res, entry, 400, { error: 'Request must include a non-empty array of tools' });
      const known = new Set(state.servers.map((s) => s.uuid));
      const results: FakeAppTool[] = [];
      const errors: Array<{ tool: unknown; error: string }> = [];
      for (const tool of tools) {
        const t = isRecord(tool) ? tool : {};
        if (!t.name || !t.toolSchema || !t.mcp_server_uuid) {
          errors.push({ tool, error: 'Missing required fields: name, toolSchema, or mcp_server_uuid' });
          continue;
        }
        if (!known.has(String(t.mcp_server_uuid))) {
          errors.push({ tool, error: `Invalid mcp_server_uuid: ${String(t.mcp_server_uuid)}. Server does not belong to the active profile.` });
          continue;
        }
        const existing = state.tools.find((row) => row.mcp_server_uuid === t.mcp_server_uuid && row.name === t.name);
        if (existing) {
          // Like the App: an upsert updates description and schema, never the user's status switch.
          existing.description = typeof t.description === 'string' ? t.description : undefined;
          existing.toolSchema = t.toolSchema;
          results.push({ ...existing });
        } else {
          const row: FakeAppTool = {
            name: String(t.name),
            description: typeof t.description === 'string' ? t.description : undefined,
            toolSchema: t.toolSchema,
            mcp_server_uuid: String(t.mcp_server_uuid),
            status: t.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
          };
          state.tools.push(row);
          results.push({ ...row });
        }
      }
      return send(res, entry, 200, {
        results,
        errors,
        success: results.length > 0 && errors.length === 0,
        failureCount: errors.length,
        successCount: results.length,
      });
    }
    if (method === 'POST' && path === '/api/notifications/mcp-activity') {
      const problems: string[] = [];
      if (!isRecord(body)) problems.push('body must be a JSON object');
      else {
        if (!ACTIVITY_ACTIONS.has(String(body.action))) problems.push('action must be tool_call, prompt_get or resource_read');
        if (typeof body.serverName !== 'string') problems.push('serverName is required');
        if (typeof body.success !== 'boolean') problems.push('success must be a boolean');
        if (body.executionTime !== undefined && typeof body.executionTime !== 'number') problems.push('executionTime must be a number');
      }
      if (problems.length) return send(res, entry, 400, { error: 'Invalid request', details: problems.join('; ') });
      state.activity.push(body as Record<string, unknown>);
      return send(res, entry, 200, { success: true });
    }
    if (method === 'POST' && path.startsWith('/api/discover/')) {
      const target = decodeURIComponent(path.slice('/api/discover/'.length));
      const force = isRecord(body) && body.force_refresh === true;
      if (target !== 'all' && !UUID.test(target)) {
        return send(res, entry, 400, { error: 'Invalid discovery target. Use "/api/discover/all" or "/api/discover/{server_uuid}".' });
      }
      const servers = target === 'all' ? activeServers() : state.servers.filter((s) => s.uuid === target);
      if (target !== 'all' && servers.length === 0) return send(res, entry, 404, { error: `Server with UUID ${target} not found for this profile.` });
      if (force && rateLimit) {
        const now = Date.now();
        while (forceRefreshTimes.length && now - forceRefreshTimes[0]! >= rateLimit.windowMs) forceRefreshTimes.shift();
        if (forceRefreshTimes.length >= rateLimit.max) {
          const retryAfter = rateLimit.retryAfterSeconds ?? Math.ceil(rateLimit.windowMs / 1000);
          return send(
            res,
            entry,
            429,
            { error: 'Rate limit exceeded for force refresh. Please wait before trying again.', retryAfter },
            { 'Retry-After': String(retryAfter) },
          );
        }
        forceRefreshTimes.push(now);
      }
      state.discoveries.push({ target, force_refresh: force });
      if (target === 'all' && servers.length === 0) return send(res, entry, 200, { message: 'No active servers found for this profile to discover.' });
      const what = target === 'all' ? 'all active servers' : `server ${servers[0]!.name}`;
      const message = force
        ? `🔄 Force refresh: Discovery process initiated for ${what} (throttling bypassed). Results will be available shortly.`
        : `Discovery process initiated for ${what}. Results will be available shortly.`;
      return send(res, entry, 200, { message });
    }
    if (method === 'GET' && (path === '/api/prompts' || path === '/api/resources' || path === '/api/resource-templates')) {
      return send(res, entry, 200, []);
    }
    const knownPath = ['/api/mcp-servers', '/api/tools', '/api/notifications/mcp-activity'].includes(path) || path.startsWith('/api/discover/');
    return send(res, entry, knownPath ? 405 : 404, { error: knownPath ? `Method ${method} not allowed` : 'Not found' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req).catch(() => '');
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const entry: FakeAppRequest = {
      method,
      path: url.pathname.replace(/\/+$/, '') || '/',
      query: Object.fromEntries(url.searchParams),
      body,
      time: Date.now(),
      authorized: req.headers.authorization === `Bearer ${apiKey}`,
    };
    log.push(entry);
    for (const listener of [...requestListeners]) listener(entry);

    const delay = delayFor(method, entry.path);
    if (delay) await wait(delay.route, delay.ms);
    if (stopped) {
      entry.status = 0;
      res.destroy();
      return;
    }
    if (down === 'refuse') {
      entry.status = 0;
      entry.respondedAt = Date.now();
      req.socket.destroy();
      return;
    }
    if (down === '503') return send(res, entry, 503, { error: 'Service Unavailable' });
    const failure = failures.find((f) => f.left > 0 && matchesRoute(f.route, method, entry.path));
    if (failure) {
      failure.left -= 1;
      if (failure.left === 0) failures.splice(failures.indexOf(failure), 1);
      const message =
        failure.status === 401
          ? PLUGGEDIN_AUTH_ERRORS.invalid
          : failure.status >= 500 && entry.path === '/api/mcp-servers'
            ? 'Failed to fetch active MCP servers'
            : `Injected failure (${failure.status})`;
      return send(res, entry, failure.status, { error: message });
    }
    const denied = authError(req);
    if (denied) return send(res, entry, 401, { error: denied });
    if (text.length > 0 && typeof body === 'string' && method === 'POST') return send(res, entry, 400, { error: 'Invalid JSON body' });
    route(req, res, entry);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'fake App failed' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    state,
    log,
    setServers(list) {
      state.servers = list.map((s) => ({ ...s }));
    },
    setInactiveTools(list) {
      for (const tool of state.tools) tool.status = 'ACTIVE';
      for (const item of list) {
        const row = state.tools.find((t) => t.mcp_server_uuid === item.mcp_server_uuid && t.name === item.name);
        if (row) row.status = 'INACTIVE';
        else {
          state.tools.push({
            name: item.name,
            description: item.description,
            toolSchema: item.toolSchema ?? { type: 'object' },
            mcp_server_uuid: item.mcp_server_uuid,
            status: 'INACTIVE',
          });
        }
      }
    },
    failNext(status, times = 1, routeFilter) {
      failures.push({ status, left: times, route: routeFilter });
    },
    setDown(value, mode = '503') {
      down = value ? mode : false;
    },
    setDelay(routeKey, ms) {
      delays.set(routeKey, ms);
      const now = Date.now();
      for (const waiter of [...waiters]) {
        if (waiter.route !== routeKey) continue;
        clearTimeout(waiter.timer);
        const left = waiter.start + ms - now;
        if (left <= 0) waiter.release();
        else waiter.timer = setTimeout(() => waiter.release(), left);
      }
    },
    setDiscoverRateLimit(limit) {
      rateLimit = limit;
      forceRefreshTimes.length = 0;
    },
    requests(routeFilter) {
      return log.filter((r) => matchesRoute(routeFilter, r.method, r.path));
    },
    waitForRequest(predicate, timeoutMs = 5000) {
      const found = log.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          requestListeners.delete(listener);
          reject(new Error(`fake plugged.in App: no matching request within ${timeoutMs} ms (${log.length} logged)`));
        }, timeoutMs);
        const listener = (request: FakeAppRequest) => {
          if (!predicate(request)) return;
          clearTimeout(timer);
          requestListeners.delete(listener);
          resolve(request);
        };
        requestListeners.add(listener);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const waiter of [...waiters]) waiter.release();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
