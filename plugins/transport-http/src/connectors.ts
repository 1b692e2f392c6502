import {
  SwitchboardError,
  type ConnectContext,
  type DownstreamConnector,
  type DownstreamLink,
  type RemoteServerDefinition,
  type ServerDefinition,
  type ServerTransportType,
} from '@mcp-switchboard/plugin-api';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AutoDetectTransport, createSseClientTransport } from './auto-detect-transport.js';
import { fetchWithModernHeaders } from './modern-headers.js';
import { backgroundAuthProvider } from './oauth/connector-auth.js';
import { authTransportOptions } from './oauth/step-up.js';
import { TokenStore } from './oauth/token-store.js';
import { redactHeaders, redactUrl } from './security.js';
import { WebSocketClientTransport } from './websocket-client-transport.js';

type RemoteType = RemoteServerDefinition['transport'];

function remoteServer(server: ServerDefinition, type: RemoteType): RemoteServerDefinition {
  if (server.transport !== type) {
    throw new SwitchboardError('SWB_CONNECTOR_MISSING', `server "${server.name}" uses ${server.transport}; this connector handles ${type}`);
  }
  return server;
}

function parseUrl(server: RemoteServerDefinition, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(server.url);
  } catch (error) {
    throw new SwitchboardError('SWB_CONFIG_INVALID', `server "${server.name}" has an invalid url`, { cause: error });
  }
  if (!protocols.includes(url.protocol)) {
    throw new SwitchboardError('SWB_CONFIG_INVALID', `server "${server.name}": a ${server.transport} url must start with ${protocols.join(' or ')}`, {
      details: { url: redactUrl(server.url) },
    });
  }
  return url;
}

function logConnect(context: ConnectContext, server: RemoteServerDefinition, how: string): void {
  // Header values may hold secrets (${env:TOKEN} already interpolated): names only.
  context.logger.debug(`connecting to ${server.name} over ${how}`, {
    server: server.id,
    url: redactUrl(server.url),
    headers: redactHeaders(server.headers),
  });
}

/** Where the HTTP connectors keep OAuth logins (default: the user's config dir). */
export interface RemoteConnectorOptions {
  tokenStore?: TokenStore;
}

/**
 * `streamable-http` servers; a server given only by `url` (`autoDetect`) falls back to HTTP+SSE. A server that
 * asks for OAuth is reached with its stored login; without one the link fails with SWB_NEEDS_AUTH.
 */
export class StreamableHttpConnector implements DownstreamConnector {
  readonly types: readonly ServerTransportType[] = ['streamable-http'];
  private readonly tokenStore: TokenStore;

  constructor(options: RemoteConnectorOptions = {}) {
    this.tokenStore = options.tokenStore ?? new TokenStore();
  }

  async connect(definition: ServerDefinition, context: ConnectContext): Promise<DownstreamLink> {
    const server = remoteServer(definition, 'streamable-http');
    const url = parseUrl(server, ['http:', 'https:']);
    const headers = { ...server.headers };
    const authProvider = backgroundAuthProvider(server, this.tokenStore);
    if (server.autoDetect && server.sessionId === undefined) {
      logConnect(context, server, 'Streamable HTTP (auto-detect, HTTP+SSE fallback)');
      return {
        transport: new AutoDetectTransport(url, { headers, logger: context.logger, signal: context.signal, ...(authProvider ? { authProvider } : {}) }),
      };
    }
    logConnect(context, server, 'Streamable HTTP');
    const auth = authTransportOptions(authProvider);
    return {
      transport: new StreamableHTTPClientTransport(url, {
        requestInit: { headers },
        ...auth,
        fetch: fetchWithModernHeaders(auth.fetch),
        ...(server.sessionId !== undefined ? { sessionId: server.sessionId } : {}),
      }),
    };
  }

  /** A login stored for the server (its file under the auth folder written or removed). */
  watchCredentials(server: ServerDefinition, onChange: () => void): () => void {
    const watcher = this.tokenStore.watch(server.id, onChange);
    return () => watcher.close();
  }

  /** The stored login's access token (refreshed when due), so the era probe of a protected server gets an answer. */
  async probeHeaders(definition: ServerDefinition): Promise<Record<string, string>> {
    const tokens = await backgroundAuthProvider(remoteServer(definition, 'streamable-http'), this.tokenStore)?.tokens();
    return tokens?.access_token ? { Authorization: `Bearer ${tokens.access_token}` } : {};
  }
}

/** `sse` servers: the legacy HTTP+SSE transport (protocol 2024-11-05), OAuth as for `streamable-http`. */
export class SseConnector implements DownstreamConnector {
  readonly types: readonly ServerTransportType[] = ['sse'];
  private readonly tokenStore: TokenStore;

  constructor(options: RemoteConnectorOptions = {}) {
    this.tokenStore = options.tokenStore ?? new TokenStore();
  }

  async connect(definition: ServerDefinition, context: ConnectContext): Promise<DownstreamLink> {
    const server = remoteServer(definition, 'sse');
    const url = parseUrl(server, ['http:', 'https:']);
    logConnect(context, server, 'HTTP+SSE');
    return { transport: createSseClientTransport(url, { ...server.headers }, backgroundAuthProvider(server, this.tokenStore)) };
  }

  /** A login stored for the server (its file under the auth folder written or removed). */
  watchCredentials(server: ServerDefinition, onChange: () => void): () => void {
    const watcher = this.tokenStore.watch(server.id, onChange);
    return () => watcher.close();
  }
}

/** `websocket` servers: subprotocol `mcp` over the `ws` package, headers on the upgrade request. */
export class WebSocketConnector implements DownstreamConnector {
  readonly types: readonly ServerTransportType[] = ['websocket'];

  async connect(definition: ServerDefinition, context: ConnectContext): Promise<DownstreamLink> {
    const server = remoteServer(definition, 'websocket');
    const url = parseUrl(server, ['ws:', 'wss:', 'http:', 'https:']);
    // http(s):// is accepted for convenience and means ws(s)://.
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    logConnect(context, server, 'WebSocket');
    return { transport: new WebSocketClientTransport(url, { headers: { ...server.headers }, signal: context.signal }) };
  }
}
