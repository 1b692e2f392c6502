import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { LooseResultSchema, isRecord, type LooseParams, type LooseResult } from '../util/schemas.js';

/** How one request ends: its result object, or the error it fails with (as `client.request` would fail). */
export type DirectOutcome = { readonly ok: true; readonly result: LooseResult } | { readonly ok: false; readonly error: unknown };

/** Receives a request's outcome, exactly once (synchronously, as its answer is read). */
export interface DirectAnswer {
  settle(outcome: DirectOutcome): void;
}

/** One request in flight: its result, and how to cancel it. */
export interface DirectCall {
  readonly result: Promise<LooseResult>;
  cancel(reason: unknown): void;
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
  private readonly pending = new Map<RequestId, DirectAnswer>();
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

  /** Sends a request; `signal` cancels it (see `start`). */
  request(method: string, params: LooseParams, signal?: AbortSignal): Promise<LooseResult> {
    try {
      signal?.throwIfAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    const call = this.start(method, params);
    if (!signal) return call.result;
    const onAbort = () => call.cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return call.result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * Sends a request. `cancel(reason)` ends it as an aborted `client.request` does: `notifications/cancelled` to the
   * server, and the result fails with `reason` if it is an `McpError`, else with a RequestTimeout `McpError`
   * carrying it. Cancelling a settled request does nothing.
   */
  start(method: string, params: LooseParams): DirectCall {
    const answer: DirectAnswer = { settle: () => undefined };
    const result = new Promise<LooseResult>((resolve, reject) => {
      answer.settle = (outcome) => (outcome.ok ? resolve(outcome.result) : reject(outcome.error));
    });
    const cancel = this.relay(method, params, answer);
    return { result, cancel };
  }

  /**
   * Sends a request whose outcome goes to `answer` as soon as its answer is read: no promise, so the client's
   * answer can be written in the same tick (see RelayedCall). Returns its `cancel` (see `start`).
   */
  relay(method: string, params: LooseParams, answer: DirectAnswer): (reason: unknown) => void {
    const id = this.nextId();
    this.pending.set(id, answer);
    this.transport.send({ method, params, jsonrpc: '2.0', id } as JSONRPCMessage).catch((error: unknown) => {
      if (this.pending.delete(id)) answer.settle({ ok: false, error });
    });
    return (reason) => {
      if (!this.pending.delete(id)) return;
      this.transport
        .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } })
        .catch((error: unknown) => this.client.onerror?.(new Error(`Failed to send cancellation: ${String(error)}`)));
      answer.settle({ ok: false, error: reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason)) });
    };
  }

  /** An answer to one of our requests settles it and goes no further (true); anything else is not ours (false). */
  take(message: JSONRPCMessage): boolean {
    if ('method' in message || !('id' in message) || message.id === undefined) return false;
    const answer = this.pending.get(message.id);
    if (!answer) return false;
    this.pending.delete(message.id);
    if ('result' in message) {
      const result: unknown = message.result;
      if (isRecord(result)) answer.settle({ ok: true, result });
      else answer.settle({ ok: false, error: LooseResultSchema.safeParse(result).error });
    } else if ('error' in message) {
      const { code, message: text, data } = message.error;
      answer.settle({ ok: false, error: McpError.fromError(code, text, data) });
    }
    return true;
  }

  /** The link closed: what is in flight fails as the SDK fails its own requests. */
  closed(): void {
    const error = McpError.fromError(ErrorCode.ConnectionClosed, 'Connection closed');
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const answer of pending) answer.settle({ ok: false, error });
  }
}
