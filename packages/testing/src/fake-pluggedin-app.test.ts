import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_PLUGGEDIN_API_KEY, FAKE_PLUGGEDIN_PROFILE_UUID, startFakePluggedinApp, type FakePluggedinApp } from './fake-pluggedin-app.js';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

let app: FakePluggedinApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function call(method: string, path: string, body?: unknown, key: string | null = FAKE_PLUGGEDIN_API_KEY) {
  const headers: Record<string, string> = {};
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${app!.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('startFakePluggedinApp', () => {
  it('listens on 127.0.0.1 and answers 401 with the App messages', async () => {
    app = await startFakePluggedinApp();
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await call('GET', '/api/mcp-servers', undefined, null)).toMatchObject({
      status: 401,
      body: { error: 'Authorization header with Bearer token is required' },
    });
    expect(await call('GET', '/api/mcp-servers', undefined, 'pg_in_wrong')).toMatchObject({ status: 401, body: { error: 'Invalid API key' } });
    app.state.profileActive = false;
    expect(await call('GET', '/api/mcp-servers')).toMatchObject({ status: 401, body: { error: 'No active profile found for this API key' } });
    expect(app.log.map((r) => r.authorized)).toEqual([false, false, true]);
    expect(JSON.stringify(app.log)).not.toContain(FAKE_PLUGGEDIN_API_KEY);
  });

  it('serves the active servers as a bare array and records each request', async () => {
    app = await startFakePluggedinApp({ apiKey: 'pg_in_custom' });
    app.setServers([
      { uuid: A, name: 'Alpha', slug: 'alpha', type: 'STDIO', command: 'node', args: ['a.js'] },
      { uuid: B, name: 'Beta', status: 'INACTIVE', type: 'SSE', url: 'http://127.0.0.1:1/sse' },
    ]);
    const res = await fetch(`${app.url}/api/mcp-servers?x=1`, { headers: { Authorization: 'Bearer pg_in_custom' } });
    const servers = (await res.json()) as Array<Record<string, unknown>>;
    expect(Array.isArray(servers)).toBe(true);
    expect(servers).toEqual([
      { uuid: A, name: 'Alpha', slug: 'alpha', type: 'STDIO', command: 'node', args: ['a.js'], status: 'ACTIVE', profile_uuid: FAKE_PLUGGEDIN_PROFILE_UUID },
    ]);
    expect(app.log[0]).toMatchObject({ method: 'GET', path: '/api/mcp-servers', query: { x: '1' }, status: 200, authorized: true });
    expect(app.log[0]!.respondedAt).toBeGreaterThanOrEqual(app.log[0]!.time);
  });

  it('implements POST /api/tools (upsert that keeps the status) and GET /api/tools?status=', async () => {
    app = await startFakePluggedinApp();
    app.setServers([
      { uuid: A, name: 'Alpha', slug: 'alpha' },
      { uuid: B, name: 'Beta' },
    ]);
    expect(await call('POST', '/api/tools', { tools: [] })).toMatchObject({ status: 400, body: { error: 'Request must include a non-empty array of tools' } });
    const posted = await call('POST', '/api/tools', {
      tools: [
        { name: 'read', description: 'Read', toolSchema: { type: 'object' }, mcp_server_uuid: A, status: 'ACTIVE' },
        { name: 'write', toolSchema: { type: 'object' }, mcp_server_uuid: A },
        { name: 'nope', toolSchema: { type: 'object' }, mcp_server_uuid: '99999999-9999-4999-8999-999999999999' },
        { name: 'noschema', mcp_server_uuid: A },
      ],
    });
    expect(posted).toMatchObject({ status: 200, body: { success: false, successCount: 2, failureCount: 2 } });
    app.setInactiveTools([
      { name: 'write', mcp_server_uuid: A },
      { name: 'other', mcp_server_uuid: B },
    ]);
    // Reporting again does not switch a tool back on.
    await call('POST', '/api/tools', { tools: [{ name: 'write', toolSchema: { type: 'object', v: 2 }, mcp_server_uuid: A, status: 'ACTIVE' }] });
    const inactive = await call('GET', '/api/tools?status=INACTIVE');
    expect(inactive.body).toEqual({
      tools: [
        { name: 'write', inputSchema: { type: 'object', v: 2 }, _serverUuid: A, _serverSlug: 'alpha', _serverName: 'Alpha' },
        { name: 'other', inputSchema: { type: 'object' }, _serverUuid: B, _serverName: 'Beta' },
      ],
    });
    const prefixed = (await call('GET', '/api/tools?status=INACTIVE&prefix_tools=true')).body as { tools: Array<{ name: string }> };
    expect(prefixed.tools.map((t) => t.name)).toEqual(['alpha__write', `${B}__other`]);
    const active = (await call('GET', '/api/tools')).body as { tools: Array<{ name: string }> };
    expect(active.tools.map((t) => t.name)).toEqual(['read']);
  });

  it('records activity and validates it', async () => {
    app = await startFakePluggedinApp();
    const body = { action: 'tool_call', serverName: 'Alpha', serverUuid: A, itemName: 'read', success: true, executionTime: 12 };
    expect(await call('POST', '/api/notifications/mcp-activity', body)).toMatchObject({ status: 200, body: { success: true } });
    const bad = await call('POST', '/api/notifications/mcp-activity', { action: 'jump' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'Invalid request' });
    expect(app.state.activity).toEqual([body]);
    expect(app.requests('POST /api/notifications/mcp-activity')).toHaveLength(2);
  });

  it('implements discovery: all, one uuid, unknown uuid, bad target and the force-refresh rate limit', async () => {
    app = await startFakePluggedinApp({ discoverRateLimit: { max: 1, windowMs: 60_000, retryAfterSeconds: 42 } });
    app.setServers([{ uuid: A, name: 'Alpha' }]);
    expect((await call('POST', '/api/discover/all', { force_refresh: false })).body).toEqual({
      message: 'Discovery process initiated for all active servers. Results will be available shortly.',
    });
    expect((await call('POST', `/api/discover/${A}`, { force_refresh: true })).status).toBe(200);
    const limited = await call('POST', `/api/discover/${A}`, { force_refresh: true });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('42');
    expect((await call('POST', `/api/discover/${B}`, { force_refresh: false })).status).toBe(404);
    expect((await call('POST', '/api/discover/not-a-uuid', {})).status).toBe(400);
    expect(app.state.discoveries).toEqual([
      { target: 'all', force_refresh: false },
      { target: A, force_refresh: true },
    ]);
  });

  it('fails, goes down, delays and stops on demand', async () => {
    app = await startFakePluggedinApp();
    app.failNext(500, 2, '/api/mcp-servers');
    expect(await call('GET', '/api/tools')).toMatchObject({ status: 200 });
    expect(await call('GET', '/api/mcp-servers')).toMatchObject({ status: 500, body: { error: 'Failed to fetch active MCP servers' } });
    expect(await call('GET', '/api/mcp-servers')).toMatchObject({ status: 500 });
    expect(await call('GET', '/api/mcp-servers')).toMatchObject({ status: 200 });

    app.setDown(true);
    expect(await call('GET', '/api/mcp-servers')).toMatchObject({ status: 503 });
    app.setDown(true, 'refuse');
    await expect(call('GET', '/api/mcp-servers')).rejects.toThrow();
    app.setDown(false);

    app.setDelay('POST /api/notifications/mcp-activity', 60_000);
    const slow = call('POST', '/api/notifications/mcp-activity', { action: 'tool_call', serverName: 'x', success: true });
    const seen = await app.waitForRequest((r) => r.path === '/api/notifications/mcp-activity');
    expect(seen.status).toBeUndefined();
    app.setDelay('POST /api/notifications/mcp-activity', 0); // releases the waiting request
    expect((await slow).status).toBe(200);
    expect(seen.status).toBe(200);

    const url = app.url;
    await app.stop();
    await app.stop();
    await expect(fetch(`${url}/api/mcp-servers`)).rejects.toThrow();
    app = undefined;
  });
});
