import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCNotification, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';

/*
 * Messages are told apart by their keys, not by the SDK's `isJSONRPC*` guards (each a zod parse, of the whole result
 * for an answer): what the inner transport delivers passed its message schema, and what is sent was built as one.
 */
const isRequest = (message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } => 'method' in message && 'id' in message;
const isNotification = (message: JSONRPCMessage): message is JSONRPCNotification => 'method' in message && !('id' in message);
const answeredId = (message: JSONRPCMessage): RequestId | undefined =>
  !('method' in message) && ('result' in message || 'error' in message) ? (message as { id?: RequestId }).id : undefined;

/**
 * Wraps a server-side transport and counts the client's requests that are still unanswered, so the front door
 * knows whether a session is idle (nothing in flight) and when a graceful shutdown has drained. It works the
 * same for Streamable HTTP and legacy SSE (where the POST answers 202 long before the result is sent).
 *
 * The wrapper is what the host connects; callbacks and `sessionId` pass straight through.
 */
export class TrackedServerTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined;

  private readonly pending = new Set<RequestId>();
  /** Ids of requests in a POST being handed to the SDK: claimed, not yet delivered (see {@link claim}). */
  private readonly claimed = new Set<RequestId>();
  private closed = false;

  constructor(
    readonly inner: Transport,
    private readonly hooks: { onActivity?: () => void; onSettled?: () => void; onClose?: () => void } = {},
  ) {
    inner.onmessage = (message, extra) => {
      if (isRequest(message)) {
        this.claimed.delete(message.id);
        this.pending.add(message.id);
      } else if (isNotification(message) && message.method === 'notifications/cancelled') {
        // The SDK sends no response to a cancelled request.
        const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (requestId !== undefined && this.pending.delete(requestId)) this.settled();
      }
      this.hooks.onActivity?.();
      this.onmessage?.(message, extra);
    };
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => {
      if (this.closed) return;
      this.closed = true;
      const hadPending = this.pending.size > 0;
      this.pending.clear();
      this.claimed.clear();
      if (hadPending) this.settled();
      this.hooks.onClose?.();
      this.onclose?.();
    };
  }

  /** Client requests received and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Reserves the ids of the requests in one incoming POST before the SDK sees them (the SDK maps each response to
   * its HTTP stream by id, so a second request with the id of one still running would take the first one's answer
   * and leave it unanswered). Returns the first id already in use, by an unanswered request of this session or twice
   * in the same POST, and then reserves nothing. {@link release} the ids when the POST's response closes.
   */
  claim(ids: readonly RequestId[]): RequestId | undefined {
    const seen = new Set<RequestId>();
    for (const id of ids) {
      if (this.pending.has(id) || this.claimed.has(id) || seen.has(id)) return id;
      seen.add(id);
    }
    for (const id of ids) this.claimed.add(id);
    return undefined;
  }

  /** Frees claimed ids the SDK never delivered (it refused the POST: bad headers, invalid JSON-RPC). */
  release(ids: readonly RequestId[]): void {
    for (const id of ids) this.claimed.delete(id);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      const id = answeredId(message);
      if (id !== undefined && this.pending.delete(id)) {
        this.hooks.onActivity?.();
        this.settled();
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Answers every unanswered client request with a JSON-RPC error, so clients see a clean failure instead of a
   * stream that ends without a response (used when a shutdown's grace period runs out).
   */
  async failPending(message: string, code = -32000): Promise<void> {
    const ids = [...this.pending];
    this.pending.clear();
    await Promise.allSettled(ids.map((id) => this.inner.send({ jsonrpc: '2.0', id, error: { code, message } })));
    if (ids.length > 0) this.hooks.onSettled?.();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  private settled(): void {
    if (this.pending.size === 0) this.hooks.onSettled?.();
  }
}
