import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { SseConnector, StreamableHttpConnector, WebSocketConnector } from './connectors.js';
import { HttpUpstream } from './http-upstream.js';
import { httpOptionsSchema, parseHttpBlock, resolveHttpSettings } from './options.js';

export { HttpUpstream, exposureWarning } from './http-upstream.js';
export type { HttpUpstreamOptions } from './http-upstream.js';
export { FrontDoorRequest } from './endpoint.js';
export type { HttpEndpoint, FrontDoorServices } from './endpoint.js';
export type { JsonBody } from './json-body.js';
export type { AuthCheck, AuthVerdict } from './security-gate.js';
export {
  httpOptionsSchema,
  parseHttpBlock,
  resolveHttpSettings,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SESSION_IDLE_TTL_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_DRAIN_DELAY_MS,
} from './options.js';
export type { HttpOptions, HttpSettings } from './options.js';
export { StreamableHttpConnector, SseConnector, WebSocketConnector } from './connectors.js';
export type { RemoteConnectorOptions } from './connectors.js';
export { TokenStore, defaultAuthDir, loginFileName } from './oauth/token-store.js';
export type { StoredLogin, StoredLoginSummary } from './oauth/token-store.js';
export { SwitchboardOAuthProvider } from './oauth/oauth-client-provider.js';
export type { OAuthMode, SwitchboardOAuthProviderOptions } from './oauth/oauth-client-provider.js';
export { loginToServer } from './oauth/login.js';
export type { LoginOptions, LoginResult } from './oauth/login.js';
export { needsAuthError, isNeedsAuthError, loginCommand } from './oauth/needs-auth.js';
export { JwtResourceServer, resourceServerOptionsSchema, profileRuleSchema, protectedResourceMetadataUrl } from './oauth/resource-server.js';
export type { ResourceServerOptions, TokenVerdict, BearerError, JwtResourceServerDeps } from './oauth/resource-server.js';
export { AutoDetectTransport, shouldFallBack, createSseClientTransport } from './auto-detect-transport.js';
export type { AutoDetectTransportOptions, DetectedTransport } from './auto-detect-transport.js';
export { WebSocketClientTransport, MCP_WEBSOCKET_SUBPROTOCOL } from './websocket-client-transport.js';
export type { WebSocketClientTransportOptions } from './websocket-client-transport.js';
export { TrackedServerTransport } from './tracked-transport.js';
export { BearerAuth, hostHeaderAllowed, originAllowed, isLoopbackAddress, redactHeaders, redactUrl } from './security.js';

/**
 * HTTP both ways: the `streamable-http` front door (Streamable HTTP on `/mcp`, per-profile `/mcp/<profile>`,
 * legacy HTTP+SSE on `/sse` + `/messages`, `/health`, `/ready`) and the connectors for remote downstream
 * servers (`streamable-http` with SSE auto-detection, `sse`, `websocket`).
 *
 * Settings: `host` and `port` from the config, the config's `http` block, then this plugin's options (which win).
 */
export const plugin = definePlugin({
  id: 'transport-http',
  kind: 'transport',
  // Listed without options, the plugin gets {}.
  options: httpOptionsSchema.prefault({}),
  deps: { logger: coreServices.logger, config: coreServices.config },
  setup({ logger, config }, options) {
    const current = config.current as typeof config.current & { http?: unknown };
    const http = parseHttpBlock(current.http, config.filepath);
    const settings = resolveHttpSettings({ host: current.host, port: current.port, http, options: options ?? {} });
    const upstream = new HttpUpstream(settings, { logger: logger.child({ transport: 'streamable-http' }) });
    return {
      upstream,
      connectors: [new StreamableHttpConnector(), new SseConnector(), new WebSocketConnector()],
      async dispose() {
        await upstream.stop();
      },
    };
  },
});

export default plugin;
