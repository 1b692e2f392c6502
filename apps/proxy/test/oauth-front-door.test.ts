import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth-front-door-test', version: '1.0.0' } },
};

/**
 * The HTTP front door as an OAuth 2.1 resource server, through the real CLI: tokens signed by a real OpenID
 * provider's key (issuer discovery and JWKS fetched from it) are checked for signature, issuer, audience (our
 * /mcp URL), expiry and scope.
 */
describe('OAuth upstream: the HTTP front door as a resource server', () => {
  let provider: TestOidcProvider;
  let proxy: HttpProxy;
  let config: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    provider = await startOidcProvider();
    config = tempDir({
      'c.json': {
        mcpServers: { echo: fixtureServerEntry('echo'), other: fixtureServerEntry('echo') },
        profiles: { acme: { servers: ['echo'] }, globex: { servers: ['other'] } },
        // The profile rules come from the config; the issuer and scope from the flags of the common case.
        http: { auth: { profiles: [{ scope: 'workspace:acme', profile: 'acme' }] } },
      },
    });
    proxy = await startHttpProxy(['--config', config.path('c.json'), '--oauth-issuer', provider.issuer, '--oauth-scopes', 'mcp:tools']);
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await provider?.stop();
    config?.cleanup();
  });

  const post = (token: string | undefined, path = '/mcp') =>
    fetch(`${proxy.base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(initialize),
    });

  it('publishes RFC 9728 metadata naming the provider and our /mcp URL', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${proxy.base}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toMatchObject({ resource: `${proxy.base}/mcp`, authorization_servers: [provider.issuer], scopes_supported: ['mcp:tools'] });
    }
  });

  it('asks for a token: 401 with WWW-Authenticate pointing at the metadata', async () => {
    const response = await post(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${proxy.base}/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"`,
    );
  });

  it('accepts a valid token', async () => {
    const response = await post(await provider.mintToken({ aud: `${proxy.base}/mcp` }));
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeTruthy();
    await response.body?.cancel();
  });

  it.each([
    ['an expired token', { expiresInSec: -120 }, 401, 'invalid_token', /expired/],
    ['a token for another audience', { aud: 'http://127.0.0.1:1/mcp' }, 401, 'invalid_token', /another audience/],
    ['a token signed by another key', { otherKey: true }, 401, 'invalid_token', /signature/],
    ['a token without the scope', { scope: 'openid' }, 403, 'insufficient_scope', /lacks the scope mcp:tools/],
  ] as const)('refuses %s', async (_name, claims, status, error, description) => {
    const token = await provider.mintToken({ aud: `${proxy.base}/mcp`, ...claims });
    const response = await post(token);
    expect(response.status).toBe(status);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`error="${error}"`);
    expect(challenge).toMatch(new RegExp(`error_description="[^"]*${description.source}`));
    expect(challenge).toContain(`resource_metadata="${proxy.base}/.well-known/oauth-protected-resource/mcp"`);
    if (status === 403) expect(challenge).toContain('scope="mcp:tools"');
  });

  it('lets a token see only the profile its scope selects: on /mcp and its own path, not on another', async () => {
    const token = await provider.mintToken({ aud: `${proxy.base}/mcp`, scope: 'mcp:tools workspace:acme' });
    for (const path of ['/mcp', '/mcp/acme']) {
      const response = await post(token, path);
      expect(response.status, path).toBe(200);
      await response.body?.cancel();
    }
    const other = await post(token, '/mcp/globex');
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain('may use only the profile "acme"');
  });

  it("serves a profile-limited token only its profile's servers, through an MCP client on /mcp", async () => {
    const token = await provider.mintToken({ aud: `${proxy.base}/mcp`, scope: 'mcp:tools workspace:acme' });
    const client = new Client({ name: 'oauth-front-door-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['echo__echo']));
      expect(names.filter((n) => n.startsWith('other__'))).toEqual([]);
    } finally {
      await client.close();
    }
    // The same front door without a profile-limited token sees every server.
    const open = new Client({ name: 'oauth-front-door-test', version: '1.0.0' });
    const plain = await provider.mintToken({ aud: `${proxy.base}/mcp` });
    await open.connect(new StreamableHTTPClientTransport(new URL(`${proxy.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${plain}` } } }));
    try {
      expect((await open.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo__echo', 'other__echo']));
    } finally {
      await open.close();
    }
  });

  it('never passes the token on: the proxy log holds no token', async () => {
    const token = await provider.mintToken({ aud: `${proxy.base}/mcp` });
    (await post(token)).body?.cancel();
    expect(proxy.stderr()).not.toContain(token);
  });
});
