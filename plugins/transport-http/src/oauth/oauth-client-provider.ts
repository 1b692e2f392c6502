import { randomBytes } from 'node:crypto';
import { SwitchboardError, type RemoteServerOAuth } from '@mcp-switchboard/plugin-api';
import { refreshAuthorization, type OAuthClientProvider, type OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { needsAuthError } from './needs-auth.js';
import type { StoredLogin, TokenStore } from './token-store.js';

/**
 * Where the provider runs:
 * - `background`: inside the proxy. It uses and refreshes stored tokens but never starts a login: when one is
 *   needed it throws SWB_NEEDS_AUTH (and never registers a client on its own).
 * - `login`: `mcp-switchboard auth`. It registers if needed and hands the authorization URL to the caller.
 */
export type OAuthMode = { kind: 'background' } | { kind: 'login'; redirectUrl: string; onAuthorizationUrl: (url: URL) => void | Promise<void> };

export interface SwitchboardOAuthProviderOptions {
  server: { id: string; url: string; oauth?: RemoteServerOAuth | undefined };
  store: TokenStore;
  mode: OAuthMode;
  now?: () => number;
  fetchFn?: FetchLike;
  /** Refresh this long before the access token expires (capped at half its lifetime). Default 60 s. */
  refreshMarginMs?: number;
}

/** The union of space-separated scope lists, in first-seen order; undefined when empty. */
export function mergeScopes(...lists: Array<string | undefined>): string | undefined {
  const all = [...new Set(lists.flatMap((list) => list?.split(/\s+/).filter(Boolean) ?? []))];
  return all.length ? all.join(' ') : undefined;
}

/** Where a login sends the browser back to before one was made (never called in `background` mode). */
const PLACEHOLDER_REDIRECT = 'http://127.0.0.1/callback';

/**
 * The MCP SDK's `OAuthClientProvider` for one remote server, backed by the {@link TokenStore}. The SDK runs the
 * flows (RFC 9728 and RFC 8414 discovery, URL client ids or RFC 7591 registration, PKCE S256, the `resource`
 * parameter, refresh on 401, step-up on 403 insufficient_scope); this class keeps their results on disk and
 * refreshes a token shortly before it expires so requests rarely meet a 401 at all.
 */
export class SwitchboardOAuthProvider implements OAuthClientProvider {
  private cache: StoredLogin | undefined;
  private loaded = false;
  private verifier: string | undefined;
  private stateValue: string | undefined;
  private refreshing: Promise<void> | undefined;
  /** Whether a login was found at some point: tells "not logged in" from "the login was refused". */
  private hadLogin = false;
  private readonly now: () => number;

  constructor(private readonly options: SwitchboardOAuthProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  get serverId(): string {
    return this.options.server.id;
  }

  get redirectUrl(): string {
    const mode = this.options.mode;
    if (mode.kind === 'login') return mode.redirectUrl;
    return this.cache?.redirectUrl ?? PLACEHOLDER_REDIRECT;
  }

  get clientMetadataUrl(): string | undefined {
    return this.config?.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const scopes = this.config?.scopes;
    return {
      client_name: 'Switchboard (mcp-switchboard)',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.config?.clientSecret ? 'client_secret_basic' : 'none',
      ...(scopes?.length ? { scope: scopes.join(' ') } : {}),
    };
  }

  /** The `state` sent with the authorization request; the loopback callback must bring it back. */
  state(): string {
    this.stateValue ??= randomBytes(16).toString('base64url');
    return this.stateValue;
  }

  get expectedState(): string | undefined {
    return this.stateValue;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const configured = this.config?.clientId;
    if (configured) return { client_id: configured, ...(this.config?.clientSecret ? { client_secret: this.config.clientSecret } : {}) };
    const login = await this.load();
    const stored = login?.client;
    if (this.options.mode.kind === 'background') {
      if (stored) return stored;
      if (!login?.discovery?.authorizationServerMetadata) {
        // A 401 from a server that publishes no OAuth metadata is about its own credentials, not a login.
        throw new SwitchboardError('SWB_SERVER_START', `server "${this.serverId}" refused the connection (HTTP 401) and publishes no OAuth metadata`, {
          fix: 'Give the credentials it expects in "headers" (and set "oauth": false), or check its URL.',
        });
      }
      // Registering needs a redirect URL someone listens on: only `mcp-switchboard auth` has one.
      throw needsAuthError(this.serverId, 'not logged in');
    }
    // A client registered for another loopback port cannot receive this login's redirect: register anew.
    const uris = (stored as { redirect_uris?: unknown } | undefined)?.redirect_uris;
    if (stored && Array.isArray(uris) && !uris.includes(this.redirectUrl)) return undefined;
    return stored;
  }

  async saveClientInformation(client: OAuthClientInformationMixed): Promise<void> {
    // A configured client stays in the config (its secret too); only registered clients are stored.
    if (this.config?.clientId) return;
    await this.change((login) => ({ ...login, client }));
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    let login = await this.load();
    if (login?.tokens && this.dueForRefresh(login)) {
      // Another process (a second proxy, `auth`) may have refreshed already: read the file again first.
      login = await this.load(true);
      if (login?.tokens && this.dueForRefresh(login)) {
        await this.refreshAhead(login);
        login = this.cache;
      }
    }
    return login?.tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    const now = this.now();
    await this.change((login) => ({
      ...login,
      tokens,
      obtainedAt: now,
      ...(tokens.expires_in !== undefined ? { expiresAt: now + tokens.expires_in * 1000 } : { expiresAt: undefined }),
      ...(this.options.mode.kind === 'login' ? { redirectUrl: this.redirectUrl, stepUpScope: undefined } : {}),
    }));
  }

  /**
   * The server wants more scope than the grant holds: remember it for the next login and return the error that
   * tells the user to log in again.
   */
  async stepUpNeeded(scope: string | undefined): Promise<Error> {
    const granted = (await this.load())?.tokens?.scope;
    const wanted = mergeScopes(granted, scope);
    await this.change((login) => ({ ...login, stepUpScope: mergeScopes(login.stepUpScope, wanted) }));
    return needsAuthError(this.serverId, `the server asks for more scope${scope ? ` (${scope})` : ''}`);
  }

  /** The scope a new login should request: what the server asked for on a step-up, if anything. */
  async stepUpScope(): Promise<string | undefined> {
    return (await this.load())?.stepUpScope;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const mode = this.options.mode;
    if (mode.kind === 'background') {
      throw needsAuthError(this.serverId, this.hadLogin ? 'the stored login was refused or has expired' : 'not logged in');
    }
    await mode.onAuthorizationUrl(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier: the login was not started by this process');
    return this.verifier;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier') {
      this.verifier = undefined;
      return;
    }
    await this.change((login) => {
      const next: StoredLogin = { ...login };
      if (scope === 'all' || scope === 'client') delete next.client;
      if (scope === 'all' || scope === 'tokens') {
        delete next.tokens;
        delete next.expiresAt;
        delete next.obtainedAt;
      }
      if (scope === 'all' || scope === 'discovery') delete next.discovery;
      return next;
    });
  }

  async saveDiscoveryState(discovery: OAuthDiscoveryState): Promise<void> {
    const { id, url } = this.options.server;
    if (this.options.mode.kind === 'background' && !(await this.load())) {
      // Not logged in: nothing is written to the user's folder for a server that only said 401.
      this.cache = { version: 1, server: id, url, discovery };
      return;
    }
    await this.change((login) => ({ ...login, discovery }));
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.load())?.discovery;
  }

  private get config(): RemoteServerOAuth | undefined {
    return this.options.server.oauth;
  }

  private async load(force = false): Promise<StoredLogin | undefined> {
    if (!this.loaded || force) {
      this.cache = await this.options.store.read(this.serverId, this.options.server.url);
      this.loaded = true;
      if (this.cache?.tokens) this.hadLogin = true;
    }
    return this.cache;
  }

  private async change(update: (login: StoredLogin) => StoredLogin): Promise<void> {
    const { id, url } = this.options.server;
    await this.load();
    this.cache = await this.options.store.update(id, url, update);
    this.loaded = true;
  }

  private dueForRefresh(login: StoredLogin): boolean {
    if (!login.tokens?.refresh_token || login.expiresAt === undefined) return false;
    const lifetime = login.obtainedAt !== undefined ? login.expiresAt - login.obtainedAt : Number.POSITIVE_INFINITY;
    const margin = Math.min(this.options.refreshMarginMs ?? 60_000, lifetime / 2);
    return this.now() >= login.expiresAt - margin;
  }

  /**
   * Refreshes before expiry with what discovery stored. A failure is left for the SDK to meet as a 401 (it then
   * refreshes itself and, if the refresh token was refused, asks for a login), so this never throws.
   */
  private async refreshAhead(login: StoredLogin): Promise<void> {
    const discovery = login.discovery;
    const client = await this.clientInformation().catch(() => undefined);
    if (!discovery?.authorizationServerUrl || !client || !login.tokens?.refresh_token) return;
    this.refreshing ??= (async () => {
      try {
        const tokens = await refreshAuthorization(discovery.authorizationServerUrl, {
          ...(discovery.authorizationServerMetadata ? { metadata: discovery.authorizationServerMetadata } : {}),
          clientInformation: client,
          refreshToken: login.tokens!.refresh_token!,
          ...(discovery.resourceMetadata?.resource ? { resource: discovery.resourceMetadata.resource } : {}),
          ...(this.options.fetchFn ? { fetchFn: this.options.fetchFn } : {}),
        });
        await this.saveTokens({ ...tokens, issuer: login.tokens?.issuer ?? discovery.authorizationServerUrl });
      } catch {
        // See above: the 401 path handles it.
      } finally {
        this.refreshing = undefined;
      }
    })();
    await this.refreshing;
  }
}
