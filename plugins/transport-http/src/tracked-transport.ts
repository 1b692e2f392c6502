import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

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
  private closed = false;

  constructor(
    readonly inner: Transport,
    private readonly hooks: { onActivity?: () => void; onSettled?: () => void; onClose?: () => void } = {},
  ) {
    inner.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) {
        this.pending.add(message.id);
      } else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
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

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined && this.pending.delete(message.id)) {
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
