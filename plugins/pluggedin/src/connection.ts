import type { Clock, Logger, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { PluggedinApiClient, PluggedinApiError, type AppTool } from './api-client.js';
import { looksLikeApiKey, type PluggedinOptions } from './options.js';
import { discoveryServerDefinition, mapServers, PLUGGEDIN_SOURCE, type InstructionsPrompt } from './server-mapping.js';
import { stableJson, errorMessage } from '@mcp-switchboard/plugin-api';

/** The poll interval never grows past this on failures (unless `pollIntervalMs` itself is longer). */
export const MAX_BACKOFF_MS = 5 * 60_000;

/** What the CLI (or a status command) can show about one App connection. Never holds the key. */
export interface PluggedinStatus {
  baseUrl: string;
  /** False while the last attempt failed. */
  reachable: boolean;
  /** The last failure's message (e.g. `plugged.in App answered 401: Invalid API key`); cleared on success. */
  lastError: string | undefined;
  /** `clock.now()` of the last successful fetch of the server list. */
  lastSuccessAt: number | undefined;
  /** Servers from the App currently served (the discovery server not counted). */
  servers: number;
  inactiveTools: number;
  consecutiveFailures: number;
  /** Delay before the next poll, after backoff. */
  nextPollDelayMs: number;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function inactiveKey(serverUuid: string, tool: string): string {
  return `${serverUuid}\u0000${tool}`;
}

/**
 * One plugged.in App connection, shared by every plugin of the package configured with the same
 * (baseUrl, apiKey): one API client, one poll loop refreshing both the server list and the inactive tools, the
 * last good values of both, and the listeners that want to hear when they change.
 */
export class PluggedinConnection {
  readonly client: PluggedinApiClient;
  readonly options: PluggedinOptions;
  readonly logger: Logger;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private readonly key: string;

  private refs = 0;
  private disposed = false;
  private loaded = false;
  private everRefreshed = false;
  private appServers: ServerDefinition[] = [];
  private instructionPrompts: InstructionsPrompt[] = [];
  private serversJson = '';
  private lastSkippedJson = '[]';
  private slugs = new Map<string, string>();
  private inactive = new Set<string>();
  private inactiveJson = '';
  private wantInactive = false;
  private readonly serverListeners = new Set<() => void>();
  private readonly inactiveListeners = new Set<() => void>();
  private inflight: Promise<void> | undefined;
  private pollers = 0;
  private timer: unknown;
  private failures = 0;
  private outage: { message: string } | undefined;
  private toolsOutage = false;
  private lastErrorMessage: string | undefined;
  private lastSuccessAt: number | undefined;

  constructor(options: PluggedinOptions, deps: { logger: Logger; clock?: Clock | undefined; fetch?: typeof fetch }, key = '') {
    this.options = options;
    this.logger = deps.logger;
    this.clock = deps.clock ?? realClock;
    this.key = key;
    this.client = new PluggedinApiClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      requestTimeoutMs: options.requestTimeoutMs,
      retries: options.retries,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  }

  /** The last failure's message, if the last attempt failed. */
  get lastError(): string | undefined {
    return this.lastErrorMessage;
  }

  /** True once the server list was fetched successfully at least once. */
  get hasServers(): boolean {
    return this.loaded;
  }

  get abortSignal(): AbortSignal {
    return this.abort.signal;
  }

  /** Every definition the config source serves: the discovery server, then the App's servers (last good list). */
  definitions(): ServerDefinition[] {
    return structuredClone([discoveryServerDefinition(), ...this.appServers]);
  }

  /** The prompts `<prefix>__instructions` of the servers that have custom instructions. */
  prompts(): InstructionsPrompt[] {
    return structuredClone(this.instructionPrompts);
  }

  /** The tools switched off in the App, as (server uuid, original name). */
  inactiveTools(): Array<{ serverUuid: string; name: string }> {
    return [...this.inactive].map((key) => {
      const [serverUuid, name] = key.split('\u0000') as [string, string];
      return { serverUuid, name };
    });
  }

  /** True when the App switched this tool off (only for servers from this source, matched by `meta.uuid`). */
  isInactive(server: ServerDefinition, toolName: string): boolean {
    if (server.source !== PLUGGEDIN_SOURCE) return false;
    const uuid = server.meta?.uuid;
    return typeof uuid === 'string' && this.inactive.has(inactiveKey(uuid, toolName));
  }

  /** The tool filter asks for the inactive tools; from then on every refresh fetches them too. */
  enableInactiveTools(): void {
    if (this.wantInactive) return;
    this.wantInactive = true;
    if (this.everRefreshed && !this.disposed) void this.refresh({ fresh: true });
  }

  /** Called after a refresh changed the server list or the instruction prompts. Returns an unsubscribe function. */
  onServersChanged(listener: () => void): () => void {
    this.serverListeners.add(listener);
    return () => this.serverListeners.delete(listener);
  }

  /** Called after a refresh changed the set of inactive tools. Returns an unsubscribe function. */
  onInactiveChanged(listener: () => void): () => void {
    this.inactiveListeners.add(listener);
    return () => this.inactiveListeners.delete(listener);
  }

  /**
   * Fetches the server list (and the inactive tools, when a filter wants them) once. Never rejects: failures
   * keep the last good values, are logged once per outage and back the poll off. Joins a refresh in flight;
   * `fresh: true` waits for it and then fetches again (for callers that need data newer than their request).
   */
  refresh(options: { fresh?: boolean } = {}): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.inflight) return options.fresh ? this.inflight.then(() => this.refresh()) : this.inflight;
    this.everRefreshed = true;
    this.inflight = this.runRefresh()
      .catch((error: unknown) => this.logger.error('plugged.in refresh failed unexpectedly', { error: errorMessage(error) }))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * Keeps the poll loop running until the returned function is called (several callers share one loop). The
   * first caller starts a refresh at once when none ever ran.
   */
  poll(): () => void {
    if (this.disposed) return () => {};
    this.pollers += 1;
    if (this.pollers === 1) {
      if (!this.everRefreshed) void this.refresh();
      this.schedule();
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.pollers -= 1;
      if (this.pollers === 0) this.clearTimer();
    };
  }

  /** The delay before the next poll: `pollIntervalMs`, doubled per consecutive failure, capped at 5 minutes. */
  nextPollDelayMs(): number {
    const interval = this.options.pollIntervalMs;
    if (this.failures === 0) return interval;
    return Math.min(interval * 2 ** Math.min(this.failures, 30), Math.max(interval, MAX_BACKOFF_MS));
  }

  status(): PluggedinStatus {
    return {
      baseUrl: this.options.baseUrl,
      reachable: this.outage === undefined && this.loaded,
      lastError: this.lastErrorMessage,
      lastSuccessAt: this.lastSuccessAt,
      servers: this.appServers.length,
      inactiveTools: this.inactive.size,
      consecutiveFailures: this.failures,
      nextPollDelayMs: this.nextPollDelayMs(),
    };
  }

  /** @internal registry bookkeeping */
  retain(): this {
    this.refs += 1;
    return this;
  }

  /** Gives back one reference; the last one stops the poll loop, cancels requests and forgets the connection. */
  release(): void {
    if (this.refs > 0) this.refs -= 1;
    if (this.refs > 0 || this.disposed) return;
    this.disposed = true;
    this.clearTimer();
    this.abort.abort();
    this.serverListeners.clear();
    this.inactiveListeners.clear();
    if (registry.get(this.key) === this) registry.delete(this.key);
  }

  private schedule(): void {
    this.clearTimer();
    if (this.disposed || this.pollers === 0) return;
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.refresh().then(() => this.schedule());
    }, this.nextPollDelayMs());
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.timer = handle;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runRefresh(): Promise<void> {
    const signal = this.abort.signal;
    const wantTools = this.wantInactive;
    const [servers, tools] = await Promise.allSettled([
      this.client.getServers({ signal }),
      wantTools ? this.client.getInactiveTools({ signal }) : Promise.resolve([] as AppTool[]),
    ]);
    if (this.disposed) return;
    // Inactive tools first, so a catalog rebuilt for new servers already hides what it must.
    if (servers.status === 'fulfilled') this.rememberSlugs(servers.value);
    if (wantTools) {
      if (tools.status === 'fulfilled') this.applyInactive(tools.value);
      else if (servers.status === 'fulfilled') this.inactiveFailed(tools.reason);
    }
    if (servers.status === 'fulfilled') this.applyServers(servers.value);
    else this.serversFailed(servers.reason);
  }

  private rememberSlugs(raw: unknown[]): void {
    this.slugs = new Map();
    for (const item of raw) {
      const server = item as { uuid?: unknown; slug?: unknown };
      if (typeof server?.uuid === 'string' && typeof server.slug === 'string' && server.slug) this.slugs.set(server.uuid, server.slug);
    }
  }

  private applyServers(raw: unknown[]): void {
    const mapped = mapServers(raw);
    const skippedJson = stableJson(mapped.skipped);
    if (skippedJson !== this.lastSkippedJson) {
      for (const skip of mapped.skipped) {
        this.logger.warn(`plugged.in server "${skip.name}" is skipped: ${skip.reason}`, { server: skip.name, uuid: skip.uuid });
      }
      this.lastSkippedJson = skippedJson;
    }
    const hadOutage = this.outage !== undefined;
    this.failures = 0;
    this.outage = undefined;
    this.lastErrorMessage = undefined;
    this.lastSuccessAt = this.clock.now();
    const json = stableJson({ definitions: mapped.definitions, prompts: mapped.prompts });
    const changed = !this.loaded || json !== this.serversJson;
    if (hadOutage) {
      this.logger.info(
        `plugged.in App at ${this.options.baseUrl} answers again: ${mapped.definitions.length} server(s)${changed ? ' (the list changed)' : ''}`,
      );
    } else if (!this.loaded) {
      this.logger.info(`plugged.in App at ${this.options.baseUrl}: ${mapped.definitions.length} server(s)`);
    }
    this.loaded = true;
    if (!changed) return;
    this.appServers = mapped.definitions;
    this.instructionPrompts = mapped.prompts;
    this.serversJson = json;
    this.emit(this.serverListeners, 'server list');
  }

  private serversFailed(error: unknown): void {
    if (error instanceof PluggedinApiError && error.kind === 'aborted') return;
    const message = errorMessage(error);
    this.failures += 1;
    this.lastErrorMessage = message;
    const refused = error instanceof PluggedinApiError && error.kind === 'http' && (error.status ?? 0) >= 400 && (error.status ?? 0) < 500;
    const isNew = this.outage === undefined || (refused && this.outage.message !== message);
    this.outage = { message };
    if (!isNew) return;
    const retry = `next try in ${Math.round(this.nextPollDelayMs() / 1000)} s, backing off up to 5 min`;
    const fields = { baseUrl: this.options.baseUrl, status: error instanceof PluggedinApiError ? error.status : undefined };
    if (refused) {
      const status = (error as PluggedinApiError).status;
      const hint =
        status === 401 || status === 403
          ? 'check the API key (--pluggedin-api-key / PLUGGEDIN_API_KEY) and that its profile is active in the App'
          : status === 404
            ? `check the App's base URL (--pluggedin-api-base-url; now ${this.options.baseUrl})`
            : "see the App's answer above";
      this.logger.error(
        `${message}: ${hint}; ${this.loaded ? `keeping the last good list of ${this.appServers.length} server(s)` : 'starting without plugged.in servers'} (${retry})`,
        fields,
      );
    } else if (this.loaded) {
      this.logger.warn(`${message}; keeping the last good list of ${this.appServers.length} plugged.in server(s) (${retry})`, fields);
    } else {
      this.logger.warn(`${message}; starting without plugged.in servers (local servers still serve); they join when the App answers (${retry})`, fields);
    }
  }

  private applyInactive(tools: AppTool[]): void {
    if (this.toolsOutage) this.logger.info('plugged.in: the list of switched-off tools is available again');
    this.toolsOutage = false;
    const set = new Set<string>();
    for (const tool of tools) {
      let name = tool.name;
      const prefixes = [tool._serverSlug, this.slugs.get(tool._serverUuid), tool._serverUuid].filter((p): p is string => !!p);
      for (const prefix of prefixes) {
        if (name.startsWith(`${prefix}__`) && name.length > prefix.length + 2) {
          name = name.slice(prefix.length + 2);
          break;
        }
      }
      set.add(inactiveKey(tool._serverUuid, name));
    }
    const json = [...set].sort().join('\n');
    if (json === this.inactiveJson) return;
    this.inactive = set;
    this.inactiveJson = json;
    this.emit(this.inactiveListeners, 'inactive tools');
  }

  private inactiveFailed(error: unknown): void {
    if (error instanceof PluggedinApiError && error.kind === 'aborted') return;
    if (this.toolsOutage) return;
    this.toolsOutage = true;
    const message = errorMessage(error);
    this.logger.warn(`could not fetch the tools switched off in the plugged.in App: ${message}; keeping the last known set (${this.inactive.size})`);
  }

  private emit(listeners: Set<() => void>, what: string): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`a listener for the plugged.in ${what} failed`, { error: errorMessage(error) });
      }
    }
  }
}

const registry = new Map<string, PluggedinConnection>();

/** Says (without the key) when a key does not look like one the App issues; it is used anyway. */
export function warnOnUnusualKey(apiKey: string, logger: Logger): void {
  if (looksLikeApiKey(apiKey)) return;
  logger.warn(
    `the plugged.in API key does not look like one the App issues (pg_in_ followed by 64 hex characters; this one has ${apiKey.length} characters); using it anyway`,
  );
}

/**
 * For code outside a kernel (the package's plugins get theirs from `pluggedin-connection` instead): the
 * connection for these options' (baseUrl, apiKey), shared through a module-level map, created on first use. Each caller must
 * `release()` it once (e.g. in its plugin's `dispose`); the last release stops polling.
 */
export function acquireConnection(options: PluggedinOptions, deps: { logger: Logger; clock?: Clock | undefined; fetch?: typeof fetch }): PluggedinConnection {
  const key = `${options.baseUrl}\u0000${options.apiKey}`;
  let connection = registry.get(key);
  if (!connection) {
    const logger = deps.logger;
    warnOnUnusualKey(options.apiKey, logger);
    connection = new PluggedinConnection(options, { ...deps, logger }, key);
    registry.set(key, connection);
  }
  return connection.retain();
}

/** The status of every live plugged.in connection (for `mcp-switchboard status` and error screens). */
export function pluggedinStatus(): PluggedinStatus[] {
  return [...registry.values()].map((c) => c.status());
}
