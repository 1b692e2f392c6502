import { describe, expect, it } from 'vitest';
import type { RemoteServerDefinition } from '@mcp-switchboard/plugin-api';
import { backgroundAuthProvider } from './connector-auth.js';
import { startLoopbackRedirect } from './loopback-redirect.js';
import { TokenStore } from './token-store.js';

describe('startLoopbackRedirect', () => {
  it('listens on 127.0.0.1, ignores strangers and wrong states, and hands over the code that comes back', async () => {
    const loopback = await startLoopbackRedirect();
    try {
      expect(loopback.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      const code = loopback.waitForCode(() => 'expected-state');
      expect((await fetch(loopback.url.replace('/callback', '/other'))).status).toBe(404);
      expect((await fetch(`${loopback.url}?code=stolen&state=wrong`)).status).toBe(400);
      const answer = await fetch(`${loopback.url}?code=the-code&state=expected-state`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('Logged in');
      expect(await code).toBe('the-code');
    } finally {
      await loopback.close();
    }
  });

  it("turns the authorization server's refusal into SWB_AUTH_FAILED with its reason", async () => {
    const loopback = await startLoopbackRedirect();
    try {
      const code = loopback.waitForCode(() => 's');
      const outcome = code.catch((error: unknown) => error);
      expect((await fetch(`${loopback.url}?error=access_denied&error_description=user+said+no&state=s`)).status).toBe(400);
      expect(await outcome).toMatchObject({ code: 'SWB_AUTH_FAILED', message: expect.stringContaining('access_denied: user said no') });
    } finally {
      await loopback.close();
    }
  });

  it('gives up when cancelled', async () => {
    const loopback = await startLoopbackRedirect();
    try {
      const abort = new AbortController();
      const code = loopback.waitForCode(() => 's', { signal: abort.signal });
      abort.abort();
      await expect(code).rejects.toMatchObject({ code: 'SWB_AUTH_FAILED', message: 'the login was cancelled' });
    } finally {
      await loopback.close();
    }
  });
});

describe('backgroundAuthProvider', () => {
  const server = (overrides: Partial<RemoteServerDefinition> = {}): RemoteServerDefinition => ({
    id: 'r',
    name: 'r',
    source: 'file',
    enabled: true,
    transport: 'streamable-http',
    url: 'https://mcp.example/mcp',
    headers: {},
    ...overrides,
  });
  const store = new TokenStore('/nonexistent/switchboard-test-auth');

  it('gives OAuth to a remote server by default', () => {
    expect(backgroundAuthProvider(server(), store)).toBeDefined();
  });

  it('not with "oauth": false, nor when the config brings its own Authorization header', () => {
    expect(backgroundAuthProvider(server({ oauth: false }), store)).toBeUndefined();
    expect(backgroundAuthProvider(server({ headers: { authorization: 'Bearer x' } }), store)).toBeUndefined();
  });
});
