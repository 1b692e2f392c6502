import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import WebSocket from 'ws';

export const MCP_WEBSOCKET_SUBPROTOCOL = 'mcp';

export interface WebSocketClientTransportOptions {
  /** Sent with the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Aborts the opening handshake. */
  signal?: AbortSignal;
  /** How long close() waits for the closing handshake before dropping the socket. Default 2000. */
  closeTimeoutMs?: number;
}

/**
 * MCP client transport over WebSocket (subprotocol `mcp`, one JSON-RPC message per text frame), on the `ws`
 * package: the SDK's own WebSocketClientTransport needs a global WebSocket, which Node 20 lacks, and cannot send
 * headers.
 */
export class WebSocketClientTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private socket: WebSocket | undefined;
  private closedNotified = false;

  constructor(
    private readonly url: URL,
    private readonly options: WebSocketClientTransportOptions = {},
  ) {}

  start(): Promise<void> {
    if (this.socket) {
      throw new Error('WebSocketClientTransport already started! If using Client class, note that connect() calls start() automatically.');
    }
    const { signal } = this.options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const socket = new WebSocket(this.url, MCP_WEBSOCKET_SUBPROTOCOL, { headers: { ...(this.options.headers ?? {}) } });
    this.socket = socket;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const onAbort = (): void => {
        if (opened) return;
        socket.terminate();
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('unexpected-response', (_request, response) => {
        const error = new Error(`WebSocket upgrade refused by ${this.url.origin}: HTTP ${response.statusCode ?? '?'}`);
        response.resume();
        socket.terminate();
        if (!opened) reject(error);
      });
      socket.on('open', () => {
        opened = true;
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      socket.on('error', (error) => {
        if (!opened) {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
          return;
        }
        this.onerror?.(error);
      });
      socket.on('message', (data, isBinary) => {
        let message: JSONRPCMessage;
        try {
          const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
          message = JSONRPCMessageSchema.parse(JSON.parse(text));
        } catch (error) {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.onmessage?.(message);
      });
      socket.on('close', () => {
        signal?.removeEventListener('abort', onAbort);
        if (!opened) reject(new Error(`WebSocket to ${this.url.origin} closed before it opened`));
        this.notifyClosed();
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error('Not connected'));
    return new Promise((resolve, reject) => {
      socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.notifyClosed();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.terminate(), this.options.closeTimeoutMs ?? 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000);
    });
    this.notifyClosed();
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.onclose?.();
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('connection attempt aborted');
}
