import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { LooseResultSchema, isRecord, type LooseParams, type LooseResult } from '../util/schemas.js';

interface Pending {
  resolve(result: LooseResult): void;
  reject(error: unknown): void;
  /** Stops listening to the request's signal. */
  release(): void;
}

/**
 * Relayed requests (`tools/call`, `prompts/get`, `resources/read`, `completion/complete`) written straight to the
 * link's transport, their answers taken off it before the SDK's `Protocol` sees them: the result object goes back
 * as it arrived, without `Client.request`'s handler bookkeeping and without parsing it with a zod schema (the hub
 * relays it; it does not read it). What the caller sees is what `client.request(request, LooseResultSchema,
 * { signal })` gives: the same ids (the client's own counter, so the two never collide), the same
 * `notifications/cancelled` on abort, the same errors (an error answer as `McpError`, a closed link as
 * `ConnectionClosed`, a result that is not an object as the schema's error). Timeouts are the forwarder's.
 */
export class DirectRequests {
  private readonly pending = new Map<RequestId, Pending>();
  private fallbackId = 0;

  constructor(
    private readonly client: Client,
    private readonly transport: Transport,
  ) {}

  /** The next id of the client's own sequence (an SDK internal; a private sequence if it is ever gone). */
  private nextId(): RequestId {
    const sdk = this.client as unknown as { _requestMessageId?: unknown };
    if (typeof sdk._requestMessageId === 'number') return sdk._requestMessageId++;
    return `swb-direct-${++this.fallbackId}`;
  }

  request(method: string, params: LooseParams, signal?: AbortSignal): Promise<LooseResult> {
    return new Promise<LooseResult>((resolve, reject) => {
      signal?.throwIfAborted();
      const id = this.nextId();
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        const reason: unknown = signal?.reason;
        this.transport
          .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } })
          .catch((error: unknown) => this.client.onerror?.(new Error(`Failed to send cancellation: ${String(error)}`)));
        reject(reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve, reject, release: () => signal?.removeEventListener('abort', onAbort) });
      this.transport.send({ method, params, jsonrpc: '2.0', id } as JSONRPCMessage).catch((error: unknown) => {
        if (!this.pending.delete(id)) return;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
    });
  }

  /** An answer to one of our requests settles it and goes no further (true); anything else is not ours (false). */
  take(message: JSONRPCMessage): boolean {
    if ('method' in message || !('id' in message) || message.id === undefined) return false;
    const pending = this.pending.get(message.id);
    if (!pending) return false;
    this.pending.delete(message.id);
    pending.release();
    if ('result' in message) {
      const result: unknown = message.result;
      if (isRecord(result)) pending.resolve(result);
      else pending.reject(LooseResultSchema.safeParse(result).error);
    } else if ('error' in message) {
      const { code, message: text, data } = message.error;
      pending.reject(McpError.fromError(code, text, data));
    }
    return true;
  }

  /** The link closed: what is in flight fails as the SDK fails its own requests. */
  closed(): void {
    const error = McpError.fromError(ErrorCode.ConnectionClosed, 'Connection closed');
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) {
      request.release();
      request.reject(error);
    }
  }
}
