import type { Logger } from '@mcp-switchboard/plugin-api';
import { errorMessage } from '@mcp-switchboard/plugin-api';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { authTransportOptions } from './oauth/step-up.js';
import { redactUrl } from './security.js';

export type DetectedTransport = 'streamable-http' | 'sse';

export interface AutoDetectTransportOptions {
  headers?: Record<string, string>;
  logger?: Logger;
  /** Aborts detection (the SSE fallback's handshake). */
  signal?: AbortSignal;
  /** OAuth for whichever transport is detected. */
  authProvider?: OAuthClientProvider;
  /** Builds the transports; injectable for tests. */
  createStreamable?: (url: URL, headers: Record<string, string>, authProvider?: OAuthClientProvider) => Transport;
  createSse?: (url: URL, headers: Record<string, string>, authProvider?: OAuthClientProvider) => Transport;
}

/**
 * A client transport for a server given only by URL: the first message (the initialize request) goes out over
 * Streamable HTTP; if that POST is refused with a 4xx (404, 405, ... but not 401/403, which are about
 * credentials, not the protocol) or answered with something that is not MCP, the transport switches to the
 * legacy HTTP+SSE transport and sends the message again there, as the MCP specification's backwards
 * compatibility section tells clients to do. The caller (the SDK Client) never sees the switch.
 */
export class AutoDetectTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private active: Transport | undefined;
  private detected: DetectedTransport | undefined;
  private detecting: Promise<void> | undefined;
  private probe: Transport | undefined;
  private protocolVersion: string | undefined;
  private started = false;
  private closed = false;
  private closeNotified = false;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly url: URL,
    private readonly options: AutoDetectTransportOptions = {},
  ) {
    this.headers = { ...(options.headers ?? {}) };
  }

  /** Which transport the server speaks, once the first message went through. */
  get transportType(): DetectedTransport | undefined {
    return this.detected;
  }

  get sessionId(): string | undefined {
    return this.active?.sessionId;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('AutoDetectTransport already started');
    this.started = true;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) throw new Error('Not connected');
    if (this.active) return this.active.send(message, options);
    if (this.detecting) {
      await this.detecting;
      const active = this.current();
      if (!active) throw new Error('Not connected');
      return active.send(message, options);
    }
    const detection = this.detect(message, options);
    this.detecting = detection.catch(() => undefined);
    await detection;
  }

  private current(): Transport | undefined {
    return this.active;
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
    this.active?.setProtocolVersion?.(version);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const transports = [this.active, this.probe].filter((t): t is Transport => t !== undefined);
    await Promise.allSettled(transports.map((t) => t.close()));
    this.notifyClosed();
  }

  /** Ends the Streamable HTTP session (DELETE), when that is what was detected. */
  async terminateSession(): Promise<void> {
    if (this.active instanceof StreamableHTTPClientTransport) await this.active.terminateSession();
  }

  private async detect(first: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const logger = this.options.logger;
    const where = redactUrl(this.url.href);
    const streamable = (this.options.createStreamable ?? defaultStreamable)(this.url, this.headers, this.options.authProvider);
    this.probe = streamable;
    // While probing, errors belong to the probe: a refused POST is expected from an SSE-only server.
    this.wire(streamable, { forwardErrors: false });
    await streamable.start();
    try {
      await streamable.send(first, options);
      this.adopt(streamable, 'streamable-http');
      logger?.debug('auto-detect: the server speaks Streamable HTTP', { url: where });
      return;
    } catch (error) {
      if (this.closed || !shouldFallBack(error)) {
        this.probe = undefined;
        this.unwire(streamable);
        await streamable.close().catch(() => undefined);
        throw error;
      }
      logger?.info('auto-detect: Streamable HTTP refused, trying the legacy HTTP+SSE transport', {
        url: where,
        reason: error instanceof Error ? error.message.slice(0, 200) : String(error),
      });
      this.unwire(streamable);
      this.probe = undefined;
      await streamable.close().catch(() => undefined);
    }
    if (this.options.signal?.aborted) throw new Error('connection attempt aborted');
    const sse = (this.options.createSse ?? defaultSse)(this.url, this.headers, this.options.authProvider);
    this.probe = sse;
    this.wire(sse, { forwardErrors: false });
    try {
      await sse.start();
    } catch (error) {
      this.unwire(sse);
      this.probe = undefined;
      await sse.close().catch(() => undefined);
      throw new Error(`${where} speaks neither Streamable HTTP (the initialize POST was refused) nor HTTP+SSE (${errorMessage(error)})`, { cause: error });
    }
    this.adopt(sse, 'sse');
    logger?.debug('auto-detect: the server speaks HTTP+SSE', { url: where });
    await sse.send(first, options);
  }

  private adopt(transport: Transport, type: DetectedTransport): void {
    this.probe = undefined;
    this.active = transport;
    this.detected = type;
    this.wire(transport, { forwardErrors: true });
    if (this.protocolVersion) transport.setProtocolVersion?.(this.protocolVersion);
  }

  private wire(transport: Transport, { forwardErrors }: { forwardErrors: boolean }): void {
    transport.onmessage = (message) => this.onmessage?.(message);
    transport.onerror = (error) => {
      if (forwardErrors) this.onerror?.(error);
    };
    transport.onclose = () => {
      if (this.active === transport) this.notifyClosed();
    };
  }

  private unwire(transport: Transport): void {
    transport.onmessage = undefined;
    transport.onerror = undefined;
    transport.onclose = undefined;
  }

  private notifyClosed(): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.closed = true;
    this.onclose?.();
  }
}

/**
 * When a refused Streamable HTTP initialize means "try SSE": any 4xx but 401/403 (credentials: SSE would be
 * refused the same way), and a reply that is not MCP at all (unexpected content type, code -1).
 */
export function shouldFallBack(error: unknown): boolean {
  if (!(error instanceof StreamableHTTPError)) return false;
  const code = error.code;
  if (code === -1) return true;
  return code !== undefined && code >= 400 && code < 500 && code !== 401 && code !== 403;
}

function defaultStreamable(url: URL, headers: Record<string, string>, authProvider?: OAuthClientProvider): Transport {
  return new StreamableHTTPClientTransport(url, { requestInit: { headers }, ...authTransportOptions(authProvider) });
}

function defaultSse(url: URL, headers: Record<string, string>, authProvider?: OAuthClientProvider): Transport {
  return createSseClientTransport(url, headers, authProvider);
}

/** SSE client with the headers on both the POSTs (`requestInit`) and the event stream (`eventSourceInit`). */
export function createSseClientTransport(url: URL, headers: Record<string, string>, authProvider?: OAuthClientProvider): SSEClientTransport {
  return new SSEClientTransport(url, {
    ...authTransportOptions(authProvider),
    requestInit: { headers },
    eventSourceInit: {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...headers, ...headersToRecord(init?.headers) } }),
    },
  });
}

function headersToRecord(headers: unknown): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  return { ...(headers as Record<string, string>) };
}
