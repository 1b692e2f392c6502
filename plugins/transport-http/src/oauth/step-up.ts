import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SwitchboardOAuthProvider } from './oauth-client-provider.js';

/**
 * Step-up inside the proxy: a 403 `insufficient_scope` asks for a scope the current grant lacks. A refresh cannot
 * widen a grant, and the proxy cannot open a browser, so the wanted scope is recorded for the next
 * `mcp-switchboard auth` and the request fails with SWB_NEEDS_AUTH (the SDK would otherwise refresh, retry and
 * fail with a bare 403).
 */
export function withStepUp(provider: SwitchboardOAuthProvider, base: FetchLike = (url, init) => fetch(url, init)): FetchLike {
  return async (url, init) => {
    const response = await base(url, init);
    if (response.status !== 403) return response;
    const { error, scope } = extractWWWAuthenticateParams(response);
    if (error !== 'insufficient_scope') return response;
    await response.body?.cancel().catch(() => undefined);
    throw await provider.stepUpNeeded(scope);
  };
}

/** The transport options that give a transport OAuth: the provider, and step-up handling for ours. */
export function authTransportOptions(authProvider: OAuthClientProvider | undefined): { authProvider?: OAuthClientProvider; fetch?: FetchLike } {
  if (!authProvider) return {};
  if (authProvider instanceof SwitchboardOAuthProvider) return { authProvider, fetch: withStepUp(authProvider) };
  return { authProvider };
}
