import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ClientCapabilities, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { InputRequiredHandling } from './input-bridge.js';

/** The `extra` of an upstream request handler: how to reach the client in relation to that request. */
export type UpstreamExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What routing needs to know about an upstream session. */
export interface SessionRef {
  readonly id: string;
  /** The capabilities the session's client declared at initialize (undefined before it did). */
  clientCapabilities(): ClientCapabilities | undefined;
  /**
   * True while the session's call waits for its client to come back (a stateless call suspended on
   * `input_required`): it holds no lane and is not the one a server's request is relayed to meanwhile.
   */
  waitingOnClient?(): boolean;
  /**
   * For a session the hub does not hold (a stateless request): whether a log message at `level` may go to its
   * client. Absent: decided by the hub's own session.
   */
  acceptsLog?(level: unknown): boolean;
  /**
   * How a 2026-era server's `input_required` reaches this session's client (see input-bridge.ts). A session of a
   * 2026-era client may take it as it is (`pass-through`); without this, it is bridged.
   */
  inputRequiredHandling?(): InputRequiredHandling;
}

export interface InflightCall {
  readonly id: number;
  readonly session: SessionRef;
  readonly extra: UpstreamExtra;
}

/** What a server sent that must be attributed to a session: a question for the user, a roots/list, a log message. */
export type ServerMessageKind = 'ask' | 'roots' | 'log';

/**
 * Session lanes: the upstream calls in flight on one downstream connection, newest last. A server→client request
 * or a log message from that server goes to the session whose call is in flight.
 *
 * Over stdio nothing on the wire ties a server's sampling or elicitation request to the call that caused it, so
 * with calls of several sessions in flight on a shared connection the right session cannot be known. Lanes remove
 * the doubt: once isolating, calls of different sessions never overlap on this connection (calls of one session
 * still do), and whoever is in flight is the one being asked. `attribute()` is the one place that decides to
 * isolate: when the server first asks a client something (a roots/list during a call counts), or sends a log
 * message during calls of several
 * sessions (or from the start when configured `strict`), so servers that never ask keep full concurrency.
 *
 * A session being asked (its client is answering a sampling or elicitation request of this server) holds the
 * lane, and its calls pass at once even with other sessions queued: its client may call the server again from
 * its sampling handler, and that call must not wait behind a session that waits for it. A call of another
 * session waits its turn like any other (nothing tells it apart from an unrelated client); the asking call's own
 * timeouts bound that wait.
 */
export class SessionLanes {
  private next = 1;
  private readonly calls = new Map<number, InflightCall>();
  private isolating = false;
  private readonly waiting: Array<{ sessionId: string; admit: () => void }> = [];
  /** Sessions whose client is answering a question of this server, with how many questions are open. */
  private readonly asked = new Map<string, number>();

  constructor(strict = false) {
    this.isolating = strict;
  }

  /** From now on, calls of different sessions take turns on this connection. */
  isolate(): void {
    this.isolating = true;
  }

  get isolated(): boolean {
    return this.isolating;
  }

  /**
   * Admits a call and registers it, returning its id for `delete`. When isolating it first waits for this
   * session's turn: no call of another session in flight and nobody queued ahead (first come, first served, so a
   * busy session cannot starve the others). Admission and registration happen in one synchronous step, so no
   * other session can slip in between. Returns the id itself when admitted at once, else a promise of it.
   */
  enter(session: SessionRef, extra: UpstreamExtra, signal?: AbortSignal): number | Promise<number> {
    // Admitted at once: the id itself, not a promise of it (no turn of the microtask queue for every call).
    if (!this.isolating) return this.add(session, extra);
    const mayPass = this.onlySession(session.id) && (this.waiting.length === 0 || this.asked.has(session.id));
    if (mayPass) return this.add(session, extra);
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason ?? new Error('cancelled'));
        this.wake();
      };
      const waiter = {
        sessionId: session.id,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.add(session, extra));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * The latest call in flight of each session that has one: whom a server message of this kind belongs to. A
   * question for the user (sampling, elicitation) turns isolation on; so does a log message while calls of several
   * sessions are in flight (it may carry one client's data). A roots/list never does.
   */
  attribute(kind: ServerMessageKind): InflightCall[] {
    const calls = this.latestPerSession();
    if (kind === 'ask' || (kind === 'roots' && calls.length > 0) || (kind === 'log' && calls.length > 1)) this.isolate();
    return calls;
  }

  /**
   * Runs the relay of a server→client request. While it runs, the session holding the lane (the one whose call is
   * in flight, if exactly one) is being asked: its calls pass the queue (see the class comment).
   */
  async asking<T>(relay: () => Promise<T>): Promise<T> {
    const calls = this.latestPerSession();
    const sessionId = calls.length === 1 ? calls[0]!.session.id : undefined;
    if (sessionId === undefined) return relay();
    this.asked.set(sessionId, (this.asked.get(sessionId) ?? 0) + 1);
    try {
      return await relay();
    } finally {
      const left = (this.asked.get(sessionId) ?? 1) - 1;
      if (left > 0) this.asked.set(sessionId, left);
      else this.asked.delete(sessionId);
    }
  }

  /** Registers a call without waiting (calls that never need a lane, and tests). */
  add(session: SessionRef, extra: UpstreamExtra): number {
    const id = this.next++;
    this.calls.set(id, { id, session, extra });
    return id;
  }

  delete(id: number): void {
    this.calls.delete(id);
    this.wake();
  }

  /** The most recent call still in flight (and not cancelled or waiting on its client). */
  latest(): InflightCall | undefined {
    let found: InflightCall | undefined;
    for (const call of this.calls.values()) if (active(call)) found = call;
    return found;
  }

  /** The most recent active call of each session that has one. */
  latestPerSession(): InflightCall[] {
    const bySession = new Map<string, InflightCall>();
    for (const call of this.calls.values()) if (active(call)) bySession.set(call.session.id, call);
    return [...bySession.values()];
  }

  /** A call started or stopped waiting on its client: queued sessions may get their turn now. */
  reconsider(): void {
    this.wake();
  }

  get size(): number {
    return this.calls.size;
  }

  /** True when no call of another session is in flight. */
  private onlySession(sessionId: string): boolean {
    for (const call of this.calls.values()) if (call.session.id !== sessionId && !call.session.waitingOnClient?.()) return false;
    return true;
  }

  /** Lets the head of the queue in, with every queued call of the same session, once the lane is theirs. */
  private wake(): void {
    const head = this.waiting[0];
    if (!head || !this.onlySession(head.sessionId)) return;
    for (let i = 0; i < this.waiting.length; ) {
      const waiter = this.waiting[i]!;
      if (waiter.sessionId === head.sessionId) {
        this.waiting.splice(i, 1);
        waiter.admit();
      } else i++;
    }
  }
}

function active(call: InflightCall): boolean {
  return !call.extra.signal.aborted && !call.session.waitingOnClient?.();
}
