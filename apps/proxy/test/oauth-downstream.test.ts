import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, cliPath, cliTransport, repoRoot, runCli, tempDir } from './helpers/cli.js';
import { startHttpProxy } from './helpers/http-proxy.js';
import { playBrowser, startOidcProvider, type TestOidcProvider } from './helpers/oidc-provider.js';
import { startProtectedMcpServer, type ProtectedMcpServer } from './helpers/protected-mcp-server.js';

/** The server's row in `list`: not failed, waiting for a login, with the command to run. */
const NEEDS_AUTH_ROW = /^remote\s+file\s+needs-auth\s.*run: mcp-switchboard auth remote$/m;

interface StoredLoginFile {
  server: string;
  url: string;
  client?: { client_id: string };
  tokens?: { access_token: string; refresh_token?: string; scope?: string };
  expiresAt?: number;
}

/**
 * `mcp-switchboard auth <server>` as a person runs it, the test playing the browser: it reads the URL the CLI
 * prints, follows the provider's redirects (login and consent approve at once) back to the CLI's loopback port.
 */
async function login(
  configFile: string,
  env: NodeJS.ProcessEnv,
  server = 'remote',
): Promise<{ code: number | null; stdout: string; stderr: string; browserStatus: number }> {
  const child = spawn(process.execPath, [cliPath, 'auth', server, '--no-browser', '--timeout', '60', '--config', configFile], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const authorizationUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no authorization URL printed:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const match = /^\s+(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`auth exited with ${code} before printing a URL:\n${stdout}\n${stderr}`)));
  });
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')!;
  const browser = await playBrowser(authorizationUrl, (url) => url.href.startsWith(redirectUri));
  const code = await exited;
  return { code, stdout, stderr, browserStatus: browser.status };
}

function readLogin(home: string, server = 'remote'): StoredLoginFile {
  return JSON.parse(readFileSync(join(home, '.config', 'switchboard', 'auth', `${server}.json`), 'utf8')) as StoredLoginFile;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function text(result: unknown): string {
  return ((result as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');
}

describe('OAuth downstream: Switchboard logs in to a protected remote server', () => {
  let provider: TestOidcProvider;
  let remote: ProtectedMcpServer;
  let home: ReturnType<typeof tempDir>;
  let config: ReturnType<typeof tempDir>;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    // Access tokens live 3 s, so the test sees one expire and be refreshed.
    provider = await startOidcProvider({ accessTokenTtlSec: 3 });
    remote = await startProtectedMcpServer(provider.issuer);
    home = tempDir();
    config = tempDir({ 'c.json': { mcpServers: { remote: { type: 'streamable-http', url: remote.url } } } });
    env = cleanEnv(home.dir);
  });

  afterEach(async () => {
    await remote.stop();
    await provider.stop();
    home.cleanup();
    config.cleanup();
  });

  it('discovers, registers, logs in through the browser, calls tools, refreshes an expired token, and asks for a login again once refresh is revoked', async () => {
    const configText = readFileSync(config.path('c.json'), 'utf8');

    // Before any login the server is not failed: it needs a login, and the listing says how.
    const before = await runCli(['list', '--config', config.path('c.json')], { env, timeoutMs: 45_000 });
    expect(before.stdout).toMatch(NEEDS_AUTH_ROW);
    expect(before.stdout).toContain('mcp-switchboard auth remote');

    const result = await login(config.path('c.json'), env);
    expect(result.browserStatus).toBe(200);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Logged in to "remote"');

    const stored = readLogin(home.dir);
    expect(stored.client?.client_id).toBeTruthy(); // registered dynamically
    expect(stored.tokens?.refresh_token).toBeTruthy();
    expect(stored.tokens?.scope).toContain('mcp:tools');
    const file = join(home.dir, '.config', 'switchboard', 'auth', 'remote.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Tokens are never printed, never written to the config.
    expect(result.stdout + result.stderr).not.toContain(stored.tokens!.access_token);
    expect(readFileSync(config.path('c.json'), 'utf8')).toBe(configText);

    const listed = await runCli(['auth', '--list'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/remote\s+http:\/\/127\.0\.0\.1:\d+\/mcp\s+\S+( \S+)?\s+yes\s+mcp:tools/);
    expect(listed.stdout).not.toContain(stored.tokens!.access_token);

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(cliTransport(['--config', config.path('c.json')], { HOME: home.dir, XDG_CONFIG_HOME: join(home.dir, '.config') }));
    try {
      expect(text(await client.callTool({ name: 'remote__whoami' }))).toBe(provider.accountId);

      // Let the access token expire; the next call goes through on a refreshed one.
      const firstToken = stored.tokens!.access_token;
      await waitUntil(() => Date.now() > stored.expiresAt! + 1000, 'the access token to expire');
      expect(text(await client.callTool({ name: 'remote__echo', arguments: { text: 'still here' } }))).toBe('still here');
      const refreshed = readLogin(home.dir);
      expect(refreshed.tokens!.access_token).not.toBe(firstToken);
      expect(refreshed.expiresAt!).toBeGreaterThan(stored.expiresAt!);

      // The user revokes the login at the provider; once the access token expires, no refresh can help.
      expect(await provider.revoke(refreshed.tokens!.refresh_token!, refreshed.client!.client_id)).toBe(200);
      await waitUntil(() => Date.now() > refreshed.expiresAt! + 1000, 'the refreshed access token to expire');
      const refused = await client.callTool({ name: 'remote__echo', arguments: { text: 'x' } }).then(
        (r) => JSON.stringify(r),
        (error: unknown) => String(error),
      );
      expect(refused).toContain('mcp-switchboard auth remote');
    } finally {
      await client.close();
    }

    const after = await runCli(['doctor', '--config', config.path('c.json')], { env, timeoutMs: 45_000 });
    expect(after.stdout).toMatch(/^remote\s+file\s+needs-auth\s/m);
    expect(after.stdout).toContain('hint: the server needs an OAuth login; run: mcp-switchboard auth remote');

    const logout = await runCli(['auth', '--logout', 'remote'], { env });
    expect(logout.stdout).toContain('Logged out of "remote"');
    expect((await runCli(['auth', '--list'], { env })).stdout).toContain('No logins stored');
  }, 120_000);

  it('a server waiting for a login does not hold the others back, and connects as soon as `auth` stores one: clients get list_changed', async () => {
    const both = tempDir({ 'c.json': { mcpServers: { remote: { type: 'streamable-http', url: remote.url }, echo: fixtureServerEntry('echo') } } });
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    const transport = cliTransport(['--config', both.path('c.json')], { HOME: home.dir, XDG_CONFIG_HOME: join(home.dir, '.config') });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    await client.connect(transport);
    try {
      const before = (await client.listTools()).tools.map((t) => t.name);
      expect(before).toContain('echo__echo');
      expect(before.some((name) => name.startsWith('remote__'))).toBe(false);
      await waitUntil(() => /switchboard: serving/.test(stderr), 'the start-up summary');
      expect(stderr).toMatch(/switchboard: serving 2 servers \(1 ready, 1 needs a login: remote \(run: mcp-switchboard auth remote\)\)/);

      const result = await login(both.path('c.json'), env);
      expect(result.code, result.stderr).toBe(0);
      await waitUntil(() => changed > 0, 'tools/list_changed after the login');
      const after = (await client.listTools()).tools.map((t) => t.name);
      expect(after).toEqual(expect.arrayContaining(['echo__echo', 'remote__whoami', 'remote__echo']));
      expect(text(await client.callTool({ name: 'remote__whoami' }))).toBe(provider.accountId);
    } finally {
      await client.close();
      both.cleanup();
    }
  }, 120_000);

  it('/health?detail=1 shows the server as needs-auth with the command to run', async () => {
    const proxy = await startHttpProxy(['--config', config.path('c.json')], { HOME: home.dir, XDG_CONFIG_HOME: join(home.dir, '.config') });
    try {
      const remoteHealth = async () => {
        const body = (await (await fetch(`${proxy.base}/health?detail=1`)).json()) as { servers: Array<{ id: string; state: string; error?: string }> };
        return body.servers.find((s) => s.id === 'remote');
      };
      const deadline = Date.now() + 20_000;
      let health = await remoteHealth();
      while (health?.state !== 'needs-auth' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await remoteHealth();
      }
      expect(health).toMatchObject({ state: 'needs-auth', error: expect.stringContaining('run: mcp-switchboard auth remote') });
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});
