import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNeedsAuthError, loginCommand } from './needs-auth.js';
import { SwitchboardOAuthProvider, mergeScopes } from './oauth-client-provider.js';
import { withStepUp } from './step-up.js';
import { TokenStore, loginFileName, type StoredLogin } from './token-store.js';

const url = 'https://mcp.example/mcp';
const T0 = 1_800_000_000_000;

let dir: string;
let store: TokenStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'swb-oauth-'));
  store = new TokenStore(join(dir, 'auth'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function stored(overrides: Partial<StoredLogin> = {}): StoredLogin {
  return {
    version: 1,
    server: 'remote',
    url,
    client: { client_id: 'client-1' },
    tokens: { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', expires_in: 600, scope: 'mcp:tools', issuer: 'https://as.example' },
    obtainedAt: T0,
    expiresAt: T0 + 600_000,
    discovery: {
      authorizationServerUrl: 'https://as.example',
      authorizationServerMetadata: {
        issuer: 'https://as.example',
        authorization_endpoint: 'https://as.example/auth',
        token_endpoint: 'https://as.example/token',
        response_types_supported: ['code'],
      },
      resourceMetadata: { resource: url, authorization_servers: ['https://as.example'] },
    },
    ...overrides,
  };
}

/** A token endpoint that records what it was sent. */
function fakeTokenEndpoint(answer: () => Response) {
  const calls: URLSearchParams[] = [];
  const fetchFn = async (input: string | URL, init?: RequestInit) => {
    expect(String(input)).toBe('https://as.example/token');
    calls.push(new URLSearchParams(String(init?.body)));
    return answer();
  };
  return { calls, fetchFn };
}

function provider(now: () => number, fetchFn?: (input: string | URL, init?: RequestInit) => Promise<Response>) {
  return new SwitchboardOAuthProvider({
    server: { id: 'remote', url },
    store,
    mode: { kind: 'background' },
    now,
    ...(fetchFn ? { fetchFn } : {}),
  });
}

describe('SwitchboardOAuthProvider in the proxy (background)', () => {
  it('never starts a login: without a stored client it fails with SWB_NEEDS_AUTH naming the command, writing nothing', async () => {
    const p = provider(() => T0);
    await p.saveDiscoveryState(stored().discovery!);
    const error = await p.clientInformation().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isNeedsAuthError(error)).toBe(true);
    expect((error as Error).message).toContain('mcp-switchboard auth remote');
    await expect(provider(() => T0).redirectToAuthorization(new URL('https://as.example/auth'))).rejects.toMatchObject({ code: 'SWB_NEEDS_AUTH' });
    expect(await store.list()).toEqual([]);
  });

  it('does not call a 401 from a server without OAuth metadata a missing login', async () => {
    const p = provider(() => T0);
    await p.saveDiscoveryState({ authorizationServerUrl: 'https://mcp.example/' });
    await expect(p.clientInformation()).rejects.toMatchObject({ code: 'SWB_SERVER_START', message: expect.stringContaining('publishes no OAuth metadata') });
  });

  it('hands out the stored token while it is fresh, without calling the authorization server', async () => {
    await store.write(stored());
    const endpoint = fakeTokenEndpoint(() => new Response('{}', { status: 500 }));
    expect(await provider(() => T0 + 60_000, endpoint.fetchFn).tokens()).toMatchObject({ access_token: 'at-1' });
    expect(endpoint.calls).toHaveLength(0);
  });

  it('refreshes shortly before expiry with the stored client, refresh token and resource, and stores the result', async () => {
    await store.write(stored());
    const endpoint = fakeTokenEndpoint(() =>
      Response.json({ access_token: 'at-2', token_type: 'Bearer', refresh_token: 'rt-2', expires_in: 600, scope: 'mcp:tools' }),
    );
    const now = T0 + 570_000; // 30 s left, inside the 60 s margin
    const tokens = await provider(() => now, endpoint.fetchFn).tokens();
    expect(tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2' });
    expect(endpoint.calls).toHaveLength(1);
    expect(Object.fromEntries(endpoint.calls[0]!)).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'client-1', resource: url });
    const file = (await store.read('remote'))!;
    expect(file.tokens).toMatchObject({ access_token: 'at-2', issuer: 'https://as.example' });
    expect(file.expiresAt).toBe(now + 600_000);
  });

  it('leaves a refused refresh to the 401 path: the old token is returned, nothing thrown', async () => {
    await store.write(stored());
    const endpoint = fakeTokenEndpoint(() => Response.json({ error: 'invalid_grant' }, { status: 400 }));
    expect(await provider(() => T0 + 590_000, endpoint.fetchFn).tokens()).toMatchObject({ access_token: 'at-1' });
    expect(endpoint.calls).toHaveLength(1);
  });

  it('ignores a login stored for another URL of the same server id', async () => {
    await store.write(stored({ url: 'https://old.example/mcp' }));
    expect(await provider(() => T0).tokens()).toBeUndefined();
  });

  it("forgets the tokens but keeps the registered client when the SDK invalidates 'tokens'", async () => {
    await store.write(stored());
    const p = provider(() => T0);
    await p.invalidateCredentials('tokens');
    const file = (await store.read('remote'))!;
    expect(file.tokens).toBeUndefined();
    expect(file.client).toEqual({ client_id: 'client-1' });
    // And the next need for a login says the stored one was refused.
    await expect(p.redirectToAuthorization(new URL('https://as.example/auth'))).rejects.toThrow(/refused or has expired/);
  });

  it('on 403 insufficient_scope records the wanted scope for the next login and fails with SWB_NEEDS_AUTH', async () => {
    await store.write(stored());
    const p = provider(() => T0);
    const forbidden = withStepUp(
      p,
      async () => new Response('{}', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mcp:admin"' } }),
    );
    await expect(forbidden(url, { method: 'POST' })).rejects.toMatchObject({ code: 'SWB_NEEDS_AUTH' });
    expect((await store.read('remote'))!.stepUpScope).toBe('mcp:tools mcp:admin');
    // Any other 403 is passed through untouched.
    const plain = withStepUp(p, async () => new Response('no', { status: 403 }));
    expect((await plain(url)).status).toBe(403);
  });
});

describe('SwitchboardOAuthProvider at login', () => {
  it('registers anew when the stored client was registered for another loopback port', async () => {
    await store.write(stored({ client: { client_id: 'old', redirect_uris: ['http://127.0.0.1:1111/callback'] } }));
    const p = new SwitchboardOAuthProvider({
      server: { id: 'remote', url },
      store,
      mode: { kind: 'login', redirectUrl: 'http://127.0.0.1:2222/callback', onAuthorizationUrl: () => undefined },
    });
    expect(await p.clientInformation()).toBeUndefined();
    expect(p.clientMetadata.redirect_uris).toEqual(['http://127.0.0.1:2222/callback']);
    expect(p.clientMetadata.token_endpoint_auth_method).toBe('none');
  });

  it('uses a configured client id and secret and never stores them', async () => {
    const p = new SwitchboardOAuthProvider({
      server: { id: 'remote', url, oauth: { clientId: 'configured', clientSecret: 's3cret', scopes: ['a', 'b'] } },
      store,
      mode: { kind: 'login', redirectUrl: 'http://127.0.0.1:2222/callback', onAuthorizationUrl: () => undefined },
    });
    expect(await p.clientInformation()).toEqual({ client_id: 'configured', client_secret: 's3cret' });
    await p.saveClientInformation({ client_id: 'configured', client_secret: 's3cret' });
    expect(await store.read('remote')).toBeUndefined();
    expect(p.clientMetadata).toMatchObject({ scope: 'a b', token_endpoint_auth_method: 'client_secret_basic' });
  });
});

describe('TokenStore', () => {
  it('writes one 0600 file per server in a 0700 folder and lists logins without token values', async () => {
    await store.write(stored());
    const file = store.fileOf('remote');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    const list = await store.list();
    expect(list).toEqual([{ server: 'remote', url, file, hasRefreshToken: true, expiresAt: T0 + 600_000, scope: 'mcp:tools', issuer: 'https://as.example' }]);
    expect(JSON.stringify(list)).not.toContain('at-1');
  });

  it('reads a broken or foreign file as no login', async () => {
    await store.write(stored());
    writeFileSync(store.fileOf('remote'), '{ not json');
    expect(await store.read('remote')).toBeUndefined();
    writeFileSync(store.fileOf('remote'), JSON.stringify({ ...stored(), server: 'other' }));
    expect(await store.read('remote')).toBeUndefined();
  });

  it('names files safely', () => {
    expect(loginFileName('github')).toBe('github.json');
    expect(loginFileName('../etc/passwd')).toMatch(/^etc_passwd-[0-9a-f]{8}\.json$/);
    expect(loginFileName('a b')).not.toBe(loginFileName('a_b'));
  });

  it('tells a watcher when a new login is stored, not when the file changes otherwise', async () => {
    await store.write(stored({ tokens: undefined }));
    let calls = 0;
    const seen = new Promise<void>((resolve) => {
      const watcher = store.watch('remote', () => {
        calls++;
        watcher.close();
        resolve();
      });
    });
    // The watch starts asynchronously: keep rewriting the file without tokens, then store a login.
    for (let i = 0; i < 5; i++) {
      await store.write(stored({ tokens: undefined, redirectUrl: `http://127.0.0.1:${i}/callback` }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(calls).toBe(0);
    let stop = false;
    void (async () => {
      for (let i = 0; !stop && i < 100; i++) {
        await store.write(stored());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await seen;
    stop = true;
    expect(calls).toBe(1);
    expect(readFileSync(store.fileOf('remote'), 'utf8')).toContain('"server": "remote"');
  });
});

describe('helpers', () => {
  it('quotes server ids for the shell only when needed', () => {
    expect(loginCommand('github')).toBe('mcp-switchboard auth github');
    expect(loginCommand("my server's")).toBe(`mcp-switchboard auth 'my server'\\''s'`);
  });

  it('merges scope lists without duplicates', () => {
    expect(mergeScopes('a b', undefined, 'b c')).toBe('a b c');
    expect(mergeScopes(undefined, '')).toBeUndefined();
  });
});
