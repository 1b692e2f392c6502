import { SwitchboardError, errorMessage, isSwitchboardError, type RemoteServerDefinition } from '@mcp-switchboard/plugin-api';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { startLoopbackRedirect } from './loopback-redirect.js';
import { SwitchboardOAuthProvider, mergeScopes } from './oauth-client-provider.js';
import type { StoredLogin, TokenStore } from './token-store.js';

export interface LoginOptions {
  server: Pick<RemoteServerDefinition, 'id' | 'url' | 'headers' | 'oauth'>;
  store: TokenStore;
  /** Shows the authorization URL to the user (print it; open a browser when there is one). */
  onAuthorizationUrl: (url: URL) => void | Promise<void>;
  /** How long to wait for the browser to come back. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetchFn?: FetchLike;
  /** The loopback listener's port; 0 (default) picks a free one. */
  port?: number;
}

export interface LoginResult {
  file: string;
  scope?: string;
  expiresAt?: number;
}

/** What the server's 401 says about where its metadata is and which scope it wants (RFC 9728 §5.1). */
async function probeChallenge(server: LoginOptions['server'], fetchFn: FetchLike): Promise<{ resourceMetadataUrl?: URL; scope?: string }> {
  const body = {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-switchboard-auth', version: '0' } },
  };
  try {
    const response = await fetchFn(server.url, {
      method: 'POST',
      headers: { ...server.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(body),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status !== 401 && response.status !== 403) return {};
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(response);
    return { ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}), ...(scope ? { scope } : {}) };
  } catch {
    // Unreachable now: discovery below reports it with a better message.
    return {};
  }
}

function failed(step: string, server: string, error: unknown): SwitchboardError {
  if (isSwitchboardError(error)) return error;
  return new SwitchboardError('SWB_AUTH_FAILED', `login to "${server}" failed while ${step}: ${errorMessage(error)}`, { cause: error });
}

/**
 * `mcp-switchboard auth <server>`: a fresh authorization-code login with PKCE through the MCP SDK's `auth()`
 * (discovery, registration, the `resource` parameter), the browser sent back to a loopback listener on
 * 127.0.0.1, the tokens stored for the proxy. Earlier tokens are dropped first; a registered client is kept.
 */
export async function loginToServer(options: LoginOptions): Promise<LoginResult> {
  const { server, store } = options;
  const fetchFn: FetchLike = options.fetchFn ?? ((url, init) => fetch(url, init));
  const loopback = await startLoopbackRedirect({ port: options.port ?? 0 });
  try {
    const provider = new SwitchboardOAuthProvider({
      server: { id: server.id, url: server.url, oauth: server.oauth === false ? undefined : server.oauth },
      store,
      mode: { kind: 'login', redirectUrl: loopback.url, onAuthorizationUrl: options.onAuthorizationUrl },
    });
    const stepUp = await provider.stepUpScope();
    await provider.invalidateCredentials('tokens');
    const challenge = await probeChallenge(server, fetchFn);
    // A scope the server asked for on a 403 (step-up) is requested along with what its 401 asks for.
    const scope = mergeScopes(challenge.scope, stepUp);
    const flow = { serverUrl: server.url, fetchFn, ...challenge, ...(scope ? { scope } : {}) };
    let result: Awaited<ReturnType<typeof auth>>;
    try {
      result = await auth(provider, flow);
    } catch (error) {
      throw failed('discovering the authorization server and starting the login', server.id, error);
    }
    if (result === 'REDIRECT') {
      const code = await loopback.waitForCode(() => provider.expectedState, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      try {
        result = await auth(provider, { ...flow, authorizationCode: code });
      } catch (error) {
        throw failed('exchanging the authorization code for tokens', server.id, error);
      }
    }
    if (result !== 'AUTHORIZED') throw failed('finishing', server.id, new Error('the authorization server issued no tokens'));
    const login = (await store.read(server.id, server.url)) as StoredLogin | undefined;
    return {
      file: store.fileOf(server.id),
      ...(login?.tokens?.scope ? { scope: login.tokens.scope } : {}),
      ...(login?.expiresAt !== undefined ? { expiresAt: login.expiresAt } : {}),
    };
  } finally {
    await loopback.close();
  }
}
