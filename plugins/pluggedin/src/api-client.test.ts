import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { PluggedinApiClient, PluggedinApiError, parseRetryAfter } from './api-client.js';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
let app: FakePluggedinApp;
beforeEach(async () => {
  app = await startFakePluggedinApp();
  app.setServers([{ uuid: A, name: 'Alpha', slug: 'alpha', type: 'STDIO', command: 'node' }]);
});
afterEach(async () => {
  await app.stop();
});

function client(overrides: Partial<ConstructorParameters<typeof PluggedinApiClient>[0]> = {}): PluggedinApiClient {
  return new PluggedinApiClient({ baseUrl: app.url, apiKey: app.apiKey, requestTimeoutMs: 5_000, retries: 2, retryBaseMs: 1, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<PluggedinApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PluggedinApiError) return error;
    throw error;
  }
  throw new Error('expected a PluggedinApiError');
}

describe('PluggedinApiClient', () => {
  it('sends the bearer key and reads the server list', async () => {
    const servers = await client().getServers();
    expect(servers).toHaveLength(1);
    expect(app.log[0]).toMatchObject({ method: 'GET', path: '/api/mcp-servers', authorized: true });
  });

  it('names the status and the App error on a 401, and never retries it', async () => {
    const error = await failure(client({ apiKey: 'pg_in_wrong' }).getServers());
    expect(error.message).toContain('plugged.in App answered 401: Invalid API key');
    expect(error).toMatchObject({ kind: 'http', status: 401, appError: 'Invalid API key', isAuthError: true, retryable: false });
    expect(error.message).not.toContain('pg_in_wrong');
    expect(app.log).toHaveLength(1);
  });

  it('includes the App details field', async () => {
    const error = await failure(client().reportActivity({ action: 'jump' as never, serverName: 'x', success: true }));
    expect(error.message).toMatch(/plugged\.in App answered 400: Invalid request \(.*action must be/);
    expect(error.appDetails).toMatch(/action must be/);
  });

  it('retries 5xx answers with backoff and succeeds', async () => {
    app.failNext(500, 2, '/api/mcp-servers');
    expect(await client().getServers()).toHaveLength(1);
    expect(app.requests('/api/mcp-servers').map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('gives up after `retries` and quotes the last answer', async () => {
    app.failNext(500, 5, '/api/mcp-servers');
    const error = await failure(client({ retries: 1 }).getServers());
    expect(error.message).toContain('plugged.in App answered 500: Failed to fetch active MCP servers');
    expect(app.requests('/api/mcp-servers')).toHaveLength(2);
  });

  it('does not retry other 4xx answers', async () => {
    app.failNext(404, 3);
    const error = await failure(client().getInactiveTools());
    expect(error.status).toBe(404);
    expect(app.log).toHaveLength(1);
  });

  it('retries network errors and reports an unreachable App by its URL', async () => {
    app.setDown(true, 'refuse');
    const error = await failure(client({ retries: 1 }).getServers());
    expect(error.kind).toBe('network');
    expect(error.message).toContain(`plugged.in App at ${app.url} is unreachable`);
    expect(app.requests('/api/mcp-servers')).toHaveLength(2);
  });

  it('times a request out', async () => {
    app.setDelay('/api/mcp-servers', 60_000);
    const error = await failure(client({ requestTimeoutMs: 50, retries: 0 }).getServers());
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/did not answer GET \/api\/mcp-servers within 50 ms/);
  });

  it('reads inactive tools, reports tools, and discovers', async () => {
    app.setInactiveTools([{ name: 'secret', mcp_server_uuid: A }]);
    expect(await client().getInactiveTools()).toEqual([
      { name: 'secret', inputSchema: { type: 'object' }, _serverUuid: A, _serverSlug: 'alpha', _serverName: 'Alpha' },
    ]);
    expect(app.requests('/api/tools')[0]!.query).toEqual({ status: 'INACTIVE' });
    const result = await client().reportTools([{ name: 'read', toolSchema: { type: 'object' }, mcp_server_uuid: A, status: 'ACTIVE' }]);
    expect(result).toMatchObject({ success: true, successCount: 1, failureCount: 0 });
    expect((await client().discover(undefined, false)).message).toMatch(/Discovery process initiated for all active servers/);
    expect((await client().discover(A, true)).message).toMatch(/Force refresh/);
    expect(app.requests('POST /api/discover').map((r) => [r.path, r.body])).toEqual([
      ['/api/discover/all', { force_refresh: false }],
      [`/api/discover/${A}`, { force_refresh: true }],
    ]);
  });

  it('surfaces 429 Retry-After on discovery', async () => {
    app.setDiscoverRateLimit({ max: 0, windowMs: 60_000, retryAfterSeconds: 30 });
    const error = await failure(client().discover(A, true));
    expect(error).toMatchObject({ status: 429, retryAfterMs: 30_000 });
    expect(app.requests('POST /api/discover')).toHaveLength(1);
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
