import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ClientCapabilities, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** The `extra` of an upstream request handler: how to reach the client in relation to that request. */
export type UpstreamExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What routing needs to know about an upstream session. */
export interface SessionRef {
  readonly id: string;
  /** The capabilities the session's client declared at initialize (undefined before it did). */
  clientCapabilities(): ClientCapabilities | undefined;
}

export interface InflightCall {
  readonly id: number;
  readonly session: SessionRef;
  readonly extra: UpstreamExtra;
  readonly startedAt: number;
}

/**
 * The upstream requests in flight on one downstream connection, newest last. A server→client request or a log
 * message from that server goes to the session whose call is in flight (the most recent one when several are).
 */
export class InflightRegistry {
  private next = 1;
  private readonly calls = new Map<number, InflightCall>();

  add(session: SessionRef, extra: UpstreamExtra): number {
    const id = this.next++;
    this.calls.set(id, { id, session, extra, startedAt: Date.now() });
    return id;
  }

  delete(id: number): void {
    this.calls.delete(id);
  }

  /** The most recent call still in flight (and not cancelled). */
  latest(): InflightCall | undefined {
    let found: InflightCall | undefined;
    for (const call of this.calls.values()) if (!call.extra.signal.aborted) found = call;
    return found;
  }

  /** The most recent call in flight of each session that has one. */
  latestPerSession(): InflightCall[] {
    const bySession = new Map<string, InflightCall>();
    for (const call of this.calls.values()) if (!call.extra.signal.aborted) bySession.set(call.session.id, call);
    return [...bySession.values()];
  }

  get size(): number {
    return this.calls.size;
  }
}
