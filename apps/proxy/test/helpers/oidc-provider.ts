import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
// oidc-provider ships no types; the few calls made here are typed below.
// @ts-expect-error no declaration file
import ProviderModule from 'oidc-provider';

interface OidcGrant {
  addOIDCScope(scope: string): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{
    uid: string;
    prompt: { name: string; details: { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> } };
    params: Record<string, string>;
    session?: { accountId: string };
    grantId?: string;
  }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: unknown, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
  on(event: string, listener: (...args: unknown[]) => void): void;
}
const Provider = ProviderModule as unknown as new (issuer: string, config: Record<string, unknown>) => OidcProvider;

export interface TestOidcProvider {
  /** The issuer, e.g. http://127.0.0.1:41234 */
  issuer: string;
  /** The account every login ends up as. */
  accountId: string;
  /** Mints a JWT access token signed like the provider's (or by another key), for front-door tests. */
  mintToken(claims: { aud: string; scope?: string; expiresInSec?: number; otherKey?: boolean }): Promise<string>;
  /** Revokes a refresh token (RFC 7009) as a public client. */
  revoke(token: string, clientId: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A real, certified OpenID provider (`oidc-provider`) on 127.0.0.1: dynamic client registration, PKCE, resource
 * indicators with JWT access tokens for any resource on 127.0.0.1, refresh tokens, revocation. Logins and
 * consent finish without a page (the interaction route approves at once), so a test plays the browser by just
 * following redirects.
 */
export async function startOidcProvider(options: { accessTokenTtlSec?: number; scopes?: string[] } = {}): Promise<TestOidcProvider> {
  const accountId = 'test-user';
  const scopes = options.scopes ?? ['mcp:tools'];
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  void publicKey;
  const other = await generateKeyPair('RS256');

  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [],
    jwks: { keys: [signingJwk] },
    scopes: ['openid', 'offline_access', ...scopes],
    cookies: { keys: ['test-cookie-key'] },
    pkce: { required: () => true },
    // The access token TTL given here wins over the resource server's own.
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: options.accessTokenTtlSec ?? 3600,
      RefreshToken: 3600,
      ClientCredentials: 600,
      IdToken: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (!resourceIndicator.startsWith('http://127.0.0.1:')) throw new Error('unknown resource');
          return {
            scope: scopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: options.accessTokenTtlSec ?? 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  });
  const handle = provider.callback();

  http.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return handle(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) as OidcGrant)
        : new provider.Grant({ accountId: details.session?.accountId ?? accountId, clientId: details.params.client_id! });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      for (const [indicator, wanted] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, wanted.join(' '));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });

  return {
    issuer,
    accountId,
    async mintToken({ aud, scope = scopes.join(' '), expiresInSec = 300, otherKey = false }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ scope, client_id: 'minted' })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(aud)
        .setSubject(accountId)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSec)
        .setJti(`minted-${Math.random().toString(36).slice(2)}`)
        .sign(otherKey ? other.privateKey : (privateKey as CryptoKey));
    },
    async revoke(token, clientId) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: clientId }).toString(),
      });
      return response.status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/**
 * Plays the user's browser: GETs the authorization URL and follows every redirect (keeping the provider's
 * cookies) until one points at `stopAt` (the loopback redirect), which it then GETs too. Returns that last
 * response's status and the URL the provider sent the browser back to.
 */
export async function playBrowser(authorizationUrl: string, stopAt: (url: URL) => boolean): Promise<{ status: number; finalUrl: string }> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    if (stopAt(url)) {
      await response.text();
      return { status: response.status, finalUrl: url.href };
    }
    const location = response.headers.get('location');
    if (!location || response.status < 300 || response.status >= 400) {
      throw new Error(`the provider stopped at ${url.href} with ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
    await response.body?.cancel();
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}
