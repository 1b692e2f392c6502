import { setTimeout as sleep } from 'node:timers/promises';
import { redactKey } from './options.js';

/** One tool as `GET /api/tools` returns it. */
export interface AppTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  _serverUuid: string;
  _serverSlug?: string;
  _serverName?: string;
}

/** One tool as `POST /api/tools` takes it. */
export interface ReportedTool {
  name: string;
  description?: string;
  toolSchema: unknown;
  mcp_server_uuid: string;
  status?: 'ACTIVE' | 'INACTIVE';
}

/** The answer of `POST /api/tools`. */
export interface ReportToolsResult {
  results: unknown[];
  errors: Array<{ tool: unknown; error: string }>;
  success: boolean;
  successCount: number;
  failureCount: number;
}

/** The body of `POST /api/notifications/mcp-activity`. */
export interface ActivityReport {
  action: 'tool_call' | 'prompt_get' | 'resource_read';
  serverName: string;
  serverUuid?: string;
  itemName?: string;
  success: boolean;
  errorMessage?: string;
  /** Milliseconds. */
  executionTime?: number;
}

export type PluggedinErrorKind = 'http' | 'network' | 'timeout' | 'invalid-response' | 'aborted';

/** A failed exchange with the App. The message names the HTTP status and the App's own `error` (and `details`). */
export class PluggedinApiError extends Error {
  readonly kind: PluggedinErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  /** The App's `error` field. */
  readonly appError: string | undefined;
  /** The App's `details` field. */
  readonly appDetails: string | undefined;
  /** From `Retry-After` (429 and 503 answers). */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: PluggedinErrorKind,
    message: string,
    init: { method: string; path: string; status?: number; appError?: string; appDetails?: string; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'PluggedinApiError';
    this.kind = kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.appError = init.appError;
    this.appDetails = init.appDetails;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** Network errors, timeouts and 5xx answers are worth retrying; 4xx answers are not. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }

  /** The App refused the key (401/403): retrying will not help until the key or the profile is fixed. */
  get isAuthError(): boolean {
    return this.kind === 'http' && (this.status === 401 || this.status === 403);
  }
}

export interface PluggedinApiClientOptions {
  /** Without trailing slash. */
  baseUrl: string;
  apiKey: string;
  requestTimeoutMs: number;
  retries: number;
  /** First retry delay; doubled per attempt (capped at 5 s), plus up to this much jitter. Default 250 ms. */
  retryBaseMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RequestOptions {
  /** Cancels the request and any retry wait. */
  signal?: AbortSignal;
  /** Overrides the client's `retries` for this request. */
  retries?: number;
}

const MAX_RETRY_DELAY_MS = 5_000;

/** Seconds or an HTTP date, as `Retry-After` holds it, in milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `AbortSignal.any` (Node >= 20.3), with a fallback for older Node 20 releases. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  const abort = (source: AbortSignal) => () => controller.abort(source.reason);
  if (a.aborted || b.aborted) controller.abort((a.aborted ? a : b).reason);
  a.addEventListener('abort', abort(a), { once: true });
  b.addEventListener('abort', abort(b), { once: true });
  return controller.signal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why fetch failed, from its cause (ECONNREFUSED, "other side closed", ...). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * The plugged.in App HTTP API (see pluggedin-api.md): `Authorization: Bearer <key>`, a time limit per request,
 * retries with exponential backoff and jitter on network errors and 5xx (never on 4xx), and errors that quote
 * the App (`plugged.in App answered 401: Invalid API key`). The key never appears in an error message.
 */
export class PluggedinApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly requestTimeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly userAgent: string;

  constructor(options: PluggedinApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.retries = options.retries;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.userAgent = options.userAgent ?? 'mcp-switchboard-pluggedin';
  }

  /** `GET /api/mcp-servers`: the active servers of the key's profile, as the App sends them (a bare array). */
  async getServers(options: RequestOptions = {}): Promise<unknown[]> {
    const body = await this.request('GET', '/api/mcp-servers', undefined, options);
    if (!Array.isArray(body)) throw this.invalid('GET', '/api/mcp-servers', 'expected a JSON array of servers');
    return body;
  }

  /** `GET /api/tools?status=INACTIVE`: the tools a user switched off in the App. */
  async getInactiveTools(options: RequestOptions = {}): Promise<AppTool[]> {
    const path = '/api/tools?status=INACTIVE';
    const body = await this.request('GET', path, undefined, options);
    if (!isRecord(body) || !Array.isArray(body.tools)) throw this.invalid('GET', path, 'expected {"tools": [...]}');
    return body.tools.filter((tool): tool is AppTool => isRecord(tool) && typeof tool.name === 'string' && typeof tool._serverUuid === 'string');
  }

  /** `POST /api/tools`: reports discovered tools (upsert on server uuid + name). */
  async reportTools(tools: ReportedTool[], options: RequestOptions = {}): Promise<ReportToolsResult> {
    const body = await this.request('POST', '/api/tools', { tools }, options);
    const record = isRecord(body) ? body : {};
    return {
      results: Array.isArray(record.results) ? record.results : [],
      errors: Array.isArray(record.errors) ? (record.errors as ReportToolsResult['errors']) : [],
      success: record.success === true,
      successCount: typeof record.successCount === 'number' ? record.successCount : 0,
      failureCount: typeof record.failureCount === 'number' ? record.failureCount : 0,
    };
  }

  /** `POST /api/notifications/mcp-activity`: one finished call, for the App's activity feed. */
  async reportActivity(report: ActivityReport, options: RequestOptions = {}): Promise<void> {
    await this.request('POST', '/api/notifications/mcp-activity', report, options);
  }

  /**
   * `POST /api/discover/all` or `/api/discover/{uuid}`: asks the App to re-discover tools. A 429 throws a
   * PluggedinApiError whose `retryAfterMs` comes from `Retry-After`.
   */
  async discover(serverUuid: string | undefined, forceRefresh: boolean, options: RequestOptions = {}): Promise<{ message: string }> {
    const target = serverUuid ? encodeURIComponent(serverUuid) : 'all';
    const body = await this.request('POST', `/api/discover/${target}`, { force_refresh: forceRefresh }, options);
    const message = isRecord(body) && typeof body.message === 'string' ? body.message : 'Discovery requested.';
    return { message };
  }

  /** One request with retries; resolves to the parsed JSON body (undefined for an empty body). */
  async request(method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    const retries = options.retries ?? this.retries;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.once(method, path, body, options.signal);
      } catch (error) {
        const retryable = error instanceof PluggedinApiError && error.retryable;
        if (!retryable || attempt >= retries || options.signal?.aborted) throw error;
        const delay = Math.min(this.retryBaseMs * 2 ** attempt, MAX_RETRY_DELAY_MS) + Math.random() * this.retryBaseMs;
        try {
          await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
        } catch {
          throw this.aborted(method, path);
        }
      }
    }
  }

  private async once(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? anySignal(signal, timeout) : timeout;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw this.aborted(method, path);
      if (timeout.aborted) {
        throw new PluggedinApiError('timeout', `plugged.in App at ${this.baseUrl} did not answer ${method} ${path} within ${this.requestTimeoutMs} ms`, {
          method,
          path,
          cause: error,
        });
      }
      const reason = redactKey(networkReason(error), this.apiKey);
      throw new PluggedinApiError('network', `plugged.in App at ${this.baseUrl} is unreachable (${method} ${path}: ${reason})`, { method, path, cause: error });
    }

    let parsed: unknown;
    let parseFailed = false;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parseFailed = true;
      }
    }

    if (!response.ok) {
      const appError = isRecord(parsed) && typeof parsed.error === 'string' ? parsed.error : undefined;
      const appDetails = isRecord(parsed) && typeof parsed.details === 'string' ? parsed.details : undefined;
      const said = appError ?? (response.statusText || 'no error message');
      const message = redactKey(`plugged.in App answered ${response.status}: ${said}${appDetails ? ` (${appDetails})` : ''} [${method} ${path}]`, this.apiKey);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new PluggedinApiError('http', message, {
        method,
        path,
        status: response.status,
        ...(appError !== undefined ? { appError } : {}),
        ...(appDetails !== undefined ? { appDetails } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (parseFailed) throw this.invalid(method, path, `the body is not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}...)`, response.status);
    return parsed;
  }

  private invalid(method: string, path: string, why: string, status?: number): PluggedinApiError {
    return new PluggedinApiError('invalid-response', `plugged.in App sent an unexpected answer to ${method} ${path}: ${why}`, {
      method,
      path,
      ...(status !== undefined ? { status } : {}),
    });
  }

  private aborted(method: string, path: string): PluggedinApiError {
    return new PluggedinApiError('aborted', `request ${method} ${path} to the plugged.in App was cancelled`, { method, path });
  }
}
