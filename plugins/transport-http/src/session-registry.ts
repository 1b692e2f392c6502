import type { ServerResponse } from 'node:http';
import type { Logger, UpstreamHost, UpstreamSession, UpstreamSessionOptions } from '@mcp-switchboard/plugin-api';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { errorMessage, RPC_SERVER_ERROR, RPC_SESSION_NOT_FOUND, sendRpcError } from './http-replies.js';
import { TrackedServerTransport } from './tracked-transport.js';

export type SessionKind = 'streamable' | 'sse';

/**
 * Where an entry is in its life: `reserved` holds one of the slots counted against maxSessions while the host
 * connects it, `open` is in the registry (its id is served), `gone` left the registry (its id answers 404).
 */
export type SessionEntryState = 'reserved' | 'open' | 'gone';

/** One client session of the HTTP front door (Streamable HTTP or legacy SSE). */
export interface SessionEntry {
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
  state: SessionEntryState;
  closing: Promise<void> | undefined;
}

export interface SessionRegistryOptions {
  maxSessions: number;
  logger: Logger;
  now: () => number;
  /** Called whenever a request of some session may have settled (for the drain on shutdown). */
  onSettled: () => void;
}

/**
 * The HTTP front door's sessions by id: slots (maxSessions, closing the oldest idle session to make room), the
 * host session behind each entry, idle expiry, and closing. An entry leaves the map the moment its transport or
 * host session closes, so nothing of a closed session stays reachable from here.
 */
export class SessionRegistry {
  private readonly entries = new Map<string, SessionEntry>();
  /** Sessions being created (counted against maxSessions before they are registered). */
  private reserved = 0;

  constructor(private readonly options: SessionRegistryOptions) {}

  /** Open sessions (Streamable HTTP and legacy SSE). */
  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  all(): SessionEntry[] {
    return [...this.entries.values()];
  }

  /** Client requests received and not yet answered, over every session. */
  inFlight(): number {
    let count = 0;
    for (const entry of this.entries.values()) count += entry.transport.inFlight;
    return count;
  }

  /**
   * The session `id` if it was created on this path with this kind; otherwise answers 404 (a session answers only
   * on the path it was created on: anything else is "not found", never a new session).
   */
  find(id: string, kind: SessionKind, profile: string | undefined, res: ServerResponse): SessionEntry | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.kind !== kind || entry.profile !== profile) {
      sendRpcError(res, 404, RPC_SESSION_NOT_FOUND, 'Session not found');
      return undefined;
    }
    return entry;
  }

  /** A new entry holding a reserved slot (call {@link reserveSlot} first), its transport wrapped for counting. */
  newEntry(id: string, kind: SessionKind, profile: string | undefined, inner: Transport): SessionEntry {
    const now = this.options.now();
    const holder: { entry?: SessionEntry } = {};
    const transport = new TrackedServerTransport(inner, {
      onActivity: () => {
        if (holder.entry) holder.entry.lastActivity = this.options.now();
      },
      onSettled: () => this.options.onSettled(),
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
      state: 'reserved',
      closing: undefined,
    };
    holder.entry = entry;
    return entry;
  }

  /**
   * Asks the host for a session over the entry's transport. On failure answers 503 and forgets the entry; when the
   * entry was closed (or shutdown began, `stopping()`) while connecting, closes it and answers 503.
   */
  async connect(entry: SessionEntry, host: UpstreamHost, res: ServerResponse, stopping: () => boolean): Promise<boolean> {
    try {
      const options: UpstreamSessionOptions = { sessionId: entry.id, ...profileOption(entry.profile) };
      entry.session = await host.connect(entry.transport, options);
    } catch (error) {
      this.options.logger.warn('the host refused a new session', { error: errorMessage(error) });
      this.forget(entry);
      sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: ${errorMessage(error)}`);
      return false;
    }
    entry.session.onClose(() => this.forget(entry));
    if (entry.state === 'gone' || stopping()) {
      await this.close(entry);
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
  async reserveSlot(res: ServerResponse): Promise<boolean> {
    const { maxSessions, logger } = this.options;
    if (this.entries.size + this.reserved >= maxSessions) {
      const victim = this.all()
        .filter(isIdle)
        .sort((a, b) => a.lastActivity - b.lastActivity)[0];
      if (!victim) {
        logger.warn('session limit reached and every session is busy', { maxSessions });
        sendRpcError(res, 503, RPC_SERVER_ERROR, `Service Unavailable: all ${maxSessions} sessions are busy; try again later`, {
          headers: { 'Retry-After': '1' },
        });
        return false;
      }
      logger.info('session limit reached: closing the oldest idle session', { session: victim.id, maxSessions });
      this.reserved++;
      await this.close(victim);
      return true;
    }
    this.reserved++;
    return true;
  }

  /** Puts the entry in the registry, turning its reserved slot into a real one. */
  register(entry: SessionEntry): void {
    if (entry.state !== 'reserved') return;
    this.reserved--;
    entry.state = 'open';
    this.entries.set(entry.id, entry);
    this.options.logger.debug('session opened', { session: entry.id, profile: entry.profile, kind: entry.kind });
  }

  touch(entry: SessionEntry): void {
    entry.lastActivity = this.options.now();
  }

  /** Counts one HTTP request of the entry as being answered until its response closes. */
  trackRequest(entry: SessionEntry, res: ServerResponse): void {
    this.touch(entry);
    entry.activeHttp++;
    res.once('close', () => {
      entry.activeHttp--;
      this.touch(entry);
      this.options.onSettled();
    });
  }

  /** Removes the entry from the registry (its id answers 404 from now on). Idempotent. */
  forget(entry: SessionEntry): void {
    if (entry.state === 'gone') return;
    if (entry.state === 'reserved') this.reserved--;
    entry.state = 'gone';
    if (this.entries.get(entry.id) === entry) {
      this.entries.delete(entry.id);
      this.options.logger.debug('session closed', { session: entry.id, kind: entry.kind });
    }
    this.options.onSettled();
  }

  /** Forgets the entry and closes its host session (or, before it has one, its transport). Idempotent. */
  close(entry: SessionEntry): Promise<void> {
    this.forget(entry);
    entry.closing ??= (async () => {
      try {
        if (entry.session) await entry.session.close();
        else await entry.transport.close();
      } catch (error) {
        this.options.logger.debug('closing a session failed', { session: entry.id, error: errorMessage(error) });
      }
    })();
    return entry.closing;
  }

  /** Closes sessions with nothing in flight and no request since `cutoff`. Returns how many it closed. */
  async closeIdleSince(cutoff: number): Promise<number> {
    const idle = this.all().filter((entry) => isIdle(entry) && entry.lastActivity <= cutoff);
    for (const entry of idle) this.options.logger.debug('closing idle session', { session: entry.id, kind: entry.kind });
    await Promise.allSettled(idle.map((entry) => this.close(entry)));
    return idle.length;
  }

  /** Answers every unanswered request of every session with an error (a shutdown's grace period ran out). */
  async failPending(message: string): Promise<void> {
    await Promise.allSettled(this.all().map((entry) => entry.transport.failPending(message)));
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.all().map((entry) => this.close(entry)));
  }
}

function isIdle(entry: SessionEntry): boolean {
  return entry.state === 'open' && entry.session !== undefined && entry.activeHttp === 0 && entry.transport.inFlight === 0;
}

export function profileOption(profile: string | undefined): UpstreamSessionOptions {
  return profile === undefined ? {} : { profile };
}
