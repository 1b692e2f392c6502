import { connect as netConnect } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CallToolResultSchema, CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ServerHealth } from '@mcp-switchboard/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeHost } from '../test/fake-host.js';
import {
  connectClient,
  INITIALIZE_BODY,
  MCP_HEADERS,
  rawRequest,
  recordingFetch,
  startUpstream,
  versionPinningFetch,
  waitFor,
  type ConnectedClient,
  type RunningUpstream,
} from '../test/helpers.js';

const running: RunningUpstream[] = [];
const clients: ConnectedClient[] = [];

async function start(...args: Parameters<typeof startUpstream>): Promise<RunningUpstream> {
  const r = await startUpstream(...args);
  running.push(r);
  return r;
}

async function client(...args: Parameters<typeof connectClient>): Promise<ConnectedClient> {
  const c = await connectClient(...args);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.allSettled(running.splice(0).map((r) => r.upstream.stop()));
});

function text(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  return content.map((c) => c.text ?? '').join('');
}

async function initializeRaw(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(INITIALIZE_BODY) });
  expect(response.status).toBe(200);
  await response.text();
  const id = response.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  return id!;
}

describe('Streamable HTTP front door: many sessions', () => {
  it('serves 20 concurrent sessions × 50 list+call rounds with correct results and no cross-session traffic', async () => {
    const r = await start();
    const statuses: number[] = [];
    const sessions = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const logs: Array<{ identity: string }> = [];
        const progress: string[] = [];
        const samplingRequests: string[] = [];
        const c = await client(`${r.base}/mcp`, { fetch: recordingFetch(statuses), capabilities: { sampling: {} }, name: `client-${index}` });
        const id = c.transport.sessionId!;
        c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
          logs.push(n.params.data as { identity: string });
        });
        c.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
          const content = request.params.messages[0]!.content as { text: string };
          samplingRequests.push(content.text);
          return { role: 'assistant', content: { type: 'text', text: `answer from ${id}` }, model: 'test-model' };
        });
        return { index, id, c, logs, progress, samplingRequests, progressCalls: 0, samplingCalls: 0 };
      }),
    );
    expect(new Set(sessions.map((s) => s.id)).size).toBe(20);

    await Promise.all(
      sessions.map(async (s) => {
        for (let round = 0; round < 50; round++) {
          const { tools } = await s.c.client.listTools();
          expect(tools.map((t) => t.name)).toEqual(['echo', 'add', 'whoami', 'progress_and_log', 'sample', 'request_headers', 'slow']);
          if (round % 10 === 3) {
            s.samplingCalls++;
            const sampled = await s.c.client.callTool({ name: 'sample', arguments: {} });
            expect(text(sampled)).toBe(`answer from ${s.id}`);
          } else if (round % 5 === 1) {
            s.progressCalls++;
            const result = await s.c.client.request(
              { method: 'tools/call', params: { name: 'progress_and_log', arguments: { steps: 2 } } },
              CallToolResultSchema,
              { onprogress: (p) => s.progress.push(p.message ?? '') },
            );
            expect(text(result)).toBe(s.id);
          } else if (round % 2 === 0) {
            const result = await s.c.client.callTool({ name: 'add', arguments: { a: round, b: s.index } });
            expect(text(result)).toBe(String(round + s.index));
          } else {
            const result = await s.c.client.callTool({ name: 'echo', arguments: { text: `${s.id}:${round}` } });
            expect(text(result)).toBe(`${s.id}:${round}`);
          }
        }
      }),
    );

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    for (const s of sessions) {
      // Every notification and server→client request a session saw was its own.
      expect(s.logs.length).toBe(s.progressCalls * 2);
      expect(s.logs.every((log) => log.identity === s.id)).toBe(true);
      expect(s.progress.length).toBeGreaterThan(0);
      expect(s.progress.every((identity) => identity === s.id)).toBe(true);
      expect(s.samplingRequests).toEqual(Array.from({ length: s.samplingCalls }, () => `sampling for ${s.id}`));
    }
    expect(r.upstream.sessionCount).toBe(20);
    expect(r.host.sessions.map((session) => session.identity).sort()).toEqual(sessions.map((s) => s.id).sort());
  });
});

describe('protocol versions and stateless mode', () => {
  it.each(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'])('negotiates %s', async (version) => {
    const r = await start();
    const c = await client(`${r.base}/mcp`, { fetch: versionPinningFetch(version) });
    expect(c.transport.protocolVersion).toBe(version);
    expect((await c.client.listTools()).tools.length).toBeGreaterThan(0);
    expect(text(await c.client.callTool({ name: 'echo', arguments: { text: version } }))).toBe(version);
  });

  it('answers a raw 2024-11-05 initialize with that version', async () => {
    const r = await start();
    const response = await fetch(`${r.base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ ...INITIALIZE_BODY, params: { ...INITIALIZE_BODY.params, protocolVersion: '2024-11-05' } }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"protocolVersion":"2024-11-05"');
  });

  it('serves 20 concurrent clients in stateless mode, one host session per request, all closed afterwards', async () => {
    const r = await start({ stateless: true });
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const c = await client(`${r.base}/mcp`, { fetch: recordingFetch(statuses) });
        expect(c.transport.sessionId).toBeUndefined();
        for (let round = 0; round < 5; round++) {
          expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('add');
          expect(text(await c.client.callTool({ name: 'add', arguments: { a: index, b: round } }))).toBe(String(index + round));
        }
      }),
    );
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(r.upstream.sessionCount).toBe(0);
    expect(r.host.sessions.length).toBeGreaterThanOrEqual(20 * 11);
    expect(r.host.sessions.every((s) => s.options.sessionId === undefined)).toBe(true);
    await waitFor(() => r.host.openSessions === 0, 'stateless sessions to close');
  });

  it('refuses GET and DELETE in stateless mode with 405', async () => {
    const r = await start({ stateless: true });
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${r.base}/mcp`, { method, headers: { Accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      await response.body?.cancel();
    }
  });
});

describe('security', () => {
  const token = 'the-secret-token-value';

  it('answers 401 with WWW-Authenticate on every path and method without the token', async () => {
    const r = await start({ authToken: token });
    for (const path of ['/', '/mcp', '/mcp/work', '/sse', '/messages', '/messages?sessionId=x', '/ready', '/no/such/path']) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const response = await fetch(`${r.base}${path}`, {
          method,
          headers: method === 'POST' ? MCP_HEADERS : {},
          ...(method === 'POST' ? { body: JSON.stringify(INITIALIZE_BODY) } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="switchboard"');
        const body = (await response.json()) as { error: { message: string } };
        expect(body.error.message).toMatch(/bearer token/);
      }
    }
  });

  it('rejects a wrong token, accepts the right one, and lets /health through without it', async () => {
    const r = await start({ authToken: token });
    const wrong = await fetch(`${r.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Authorization: 'Bearer nope' },
      body: JSON.stringify(INITIALIZE_BODY),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await wrong.body?.cancel();

    const health = await fetch(`${r.base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${r.base}/ready`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ready.status).toBe(200);
    await ready.body?.cancel();
    const unknown = await fetch(`${r.base}/nope`, { headers: { Authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();

    const c = await client(`${r.base}/mcp`, { headers: { Authorization: `Bearer ${token}`, 'X-Other': 'kept' } });
    expect(text(await c.client.callTool({ name: 'echo', arguments: { text: 'authorised' } }))).toBe('authorised');
    // The front door's token stays at the front door.
    const seen = JSON.parse(text(await c.client.callTool({ name: 'request_headers', arguments: {} }))) as string[];
    expect(seen).toContain('x-other');
    expect(seen).not.toContain('authorization');
    const del = await fetch(`${r.base}/mcp`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'Mcp-Session-Id': c.transport.sessionId! } });
    expect(del.status).toBe(200);
  });

  it('protects /health too when healthWithoutAuth is false', async () => {
    const r = await start({ authToken: token, healthWithoutAuth: false });
    const health = await fetch(`${r.base}/health`);
    expect(health.status).toBe(401);
    await health.body?.cancel();
    const authed = await fetch(`${r.base}/health`, { headers: { Authorization: `Bearer ${token}` } });
    expect(authed.status).toBe(200);
    await authed.body?.cancel();
  });

  it('answers 403 to a foreign Origin and accepts same-origin and allowed origins', async () => {
    const r = await start({ allowedOrigins: ['https://app.example.com'] });
    for (const path of ['/mcp', '/health', '/sse']) {
      const foreign = await fetch(`${r.base}${path}`, {
        method: path === '/mcp' ? 'POST' : 'GET',
        headers: { ...MCP_HEADERS, Origin: 'https://evil.example.com' },
        ...(path === '/mcp' ? { body: JSON.stringify(INITIALIZE_BODY) } : {}),
      });
      expect(foreign.status, path).toBe(403);
      await foreign.body?.cancel();
    }
    await initializeRaw(`${r.base}/mcp`, { Origin: `http://localhost:${r.port}` });
    await initializeRaw(`${r.base}/mcp`, { Origin: `http://127.0.0.1:${r.port}` });
    const allowed = await fetch(`${r.base}/health`, { headers: { Origin: 'https://app.example.com' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    await allowed.body?.cancel();
    const otherPort = await fetch(`${r.base}/health`, { headers: { Origin: `http://localhost:${r.port + 1}` } });
    expect(otherPort.status).toBe(403);
    await otherPort.body?.cancel();
  });

  it('answers 403 to a Host header that is not this machine (DNS rebinding) unless allowed', async () => {
    const r = await start({ allowedHosts: ['mcp.internal'] });
    const evil = await rawRequest(`${r.base}/health`, { headers: { Host: 'evil.example.com' } });
    expect(evil.status).toBe(403);
    const evilPort = await rawRequest(`${r.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Host: `evil.example.com:${r.port}` },
      body: JSON.stringify(INITIALIZE_BODY),
    });
    expect(evilPort.status).toBe(403);
    for (const host of [`localhost:${r.port}`, 'localhost', `127.0.0.1:${r.port}`, `[::1]:${r.port}`, 'mcp.internal', `mcp.internal:${r.port}`]) {
      const ok = await rawRequest(`${r.base}/health`, { headers: { Host: host } });
      expect(ok.status, host).toBe(200);
    }
  });

  it('answers 413 to a body over maxBodyBytes, by Content-Length or counted', async () => {
    const r = await start({ maxBodyBytes: 2048 });
    const declared = await fetch(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: ' '.repeat(5000) + JSON.stringify(INITIALIZE_BODY) });
    expect(declared.status).toBe(413);
    await declared.body?.cancel();
    const chunked = await rawRequest(`${r.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Transfer-Encoding': 'chunked' },
      chunks: [Buffer.alloc(1500, 32), Buffer.alloc(1500, 32), Buffer.from(JSON.stringify(INITIALIZE_BODY))],
    });
    expect(chunked.status).toBe(413);
    // Just under the limit is fine.
    const padded = ' '.repeat(2048 - JSON.stringify(INITIALIZE_BODY).length) + JSON.stringify(INITIALIZE_BODY);
    expect(Buffer.byteLength(padded)).toBe(2048);
    const fits = await fetch(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: padded });
    expect(fits.status).toBe(200);
    await fits.body?.cancel();
  });

  it('ends a session on DELETE (its id then gets 404), 404s unknown ids and 400s a request without one', async () => {
    const r = await start();
    const id = await initializeRaw(`${r.base}/mcp`);
    expect(r.upstream.sessionCount).toBe(1);
    const del = await fetch(`${r.base}/mcp`, { method: 'DELETE', headers: { 'Mcp-Session-Id': id } });
    expect(del.status).toBe(200);
    await waitFor(() => r.host.openSessions === 0, 'the host session to close');
    expect(r.upstream.sessionCount).toBe(0);

    const listBody = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const reuse = await fetch(`${r.base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, 'Mcp-Session-Id': id }, body: listBody });
    expect(reuse.status).toBe(404);
    await reuse.body?.cancel();
    // Not even an initialize request makes a new session under a dead id.
    const reinit = await fetch(`${r.base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, 'Mcp-Session-Id': id }, body: JSON.stringify(INITIALIZE_BODY) });
    expect(reinit.status).toBe(404);
    await reinit.body?.cancel();
    const delAgain = await fetch(`${r.base}/mcp`, { method: 'DELETE', headers: { 'Mcp-Session-Id': id } });
    expect(delAgain.status).toBe(404);
    await delAgain.body?.cancel();

    const unknown = await fetch(`${r.base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, 'Mcp-Session-Id': 'no-such-session' }, body: listBody });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(-32001);
    const getUnknown = await fetch(`${r.base}/mcp`, { headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': 'no-such-session' } });
    expect(getUnknown.status).toBe(404);
    await getUnknown.body?.cancel();

    const missing = await fetch(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: listBody });
    expect(missing.status).toBe(400);
    await missing.body?.cancel();
    expect(r.host.sessions.length).toBe(1);
  });

  it('answers malformed JSON with a 400 parse error and a wrong content type with 415', async () => {
    const r = await start();
    const bad = await fetch(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const form = await fetch(`${r.base}/mcp`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Accept: MCP_HEADERS.Accept }, body: 'hello' });
    expect(form.status).toBe(415);
    await form.body?.cancel();
  });
});

describe('sessions: limits and idle expiry', () => {
  it('closes the oldest idle session at maxSessions and never an active one (503 when all are busy)', async () => {
    const r = await start({ maxSessions: 2 });
    const first = await initializeRaw(`${r.base}/mcp`);
    const second = await initializeRaw(`${r.base}/mcp`);
    const third = await initializeRaw(`${r.base}/mcp`);
    expect(r.upstream.sessionCount).toBe(2);
    const listBody = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const gone = await fetch(`${r.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Mcp-Session-Id': first, 'Mcp-Protocol-Version': '2025-11-25' },
      body: listBody,
    });
    expect(gone.status).toBe(404);
    await gone.body?.cancel();
    for (const id of [second, third]) {
      const alive = await fetch(`${r.base}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'Mcp-Session-Id': id, 'Mcp-Protocol-Version': '2025-11-25' },
        body: listBody,
      });
      expect(alive.status).toBe(200);
      await alive.text();
    }
  });

  it('answers 503 when every session has a request in flight', async () => {
    const r = await start({ maxSessions: 1 });
    const busy = await client(`${r.base}/mcp`);
    const call = busy.client.callTool({ name: 'slow', arguments: {} });
    await r.host.slowStarted.promise;
    const refused = await fetch(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
    expect(refused.status).toBe(503);
    await refused.body?.cancel();
    r.host.slowGate.open();
    expect(text(await call)).toBe(`slow done for ${busy.transport.sessionId}`);
    // Now idle: a new client may take its place.
    await initializeRaw(`${r.base}/mcp`);
  });

  it('closes sessions idle longer than sessionIdleTtlMs', async () => {
    let now = 1_000_000;
    const r = await start({ sessionIdleTtlMs: 60_000 }, new FakeHost(), () => now);
    const id = await initializeRaw(`${r.base}/mcp`);
    now += 30_000;
    expect(await r.upstream.sweepIdleSessions()).toBe(0);
    now += 30_001;
    expect(await r.upstream.sweepIdleSessions()).toBe(1);
    const gone = await fetch(`${r.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Mcp-Session-Id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    expect(gone.status).toBe(404);
    await gone.body?.cancel();
    expect(r.host.openSessions).toBe(0);
  });
});

describe('profiles (workspaces)', () => {
  it('serves /mcp/<profile> with that profile, /mcp with none, and 404s an unknown profile naming the known ones', async () => {
    const r = await start({}, new FakeHost({ profiles: ['work', 'home'] }));
    const work = await client(`${r.base}/mcp/work`);
    expect(JSON.parse(text(await work.client.callTool({ name: 'whoami', arguments: {} })))).toEqual({ identity: work.transport.sessionId, profile: 'work' });
    const plain = await client(`${r.base}/mcp`);
    expect(JSON.parse(text(await plain.client.callTool({ name: 'whoami', arguments: {} }))).profile).toBeNull();
    expect(r.host.sessions.map((s) => s.options)).toEqual([{ sessionId: work.transport.sessionId, profile: 'work' }, { sessionId: plain.transport.sessionId }]);

    const unknown = await fetch(`${r.base}/mcp/play`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { message: string; data: { profiles: string[] } } };
    expect(body.error.message).toContain('unknown profile "play"');
    expect(body.error.message).toContain('work, home');
    expect(body.error.data.profiles).toEqual(['work', 'home']);

    // A session is bound to the path it was created on.
    const listBody = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} });
    for (const path of ['/mcp', '/mcp/home']) {
      const crossed = await fetch(`${r.base}${path}`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'Mcp-Session-Id': work.transport.sessionId! },
        body: listBody,
      });
      expect(crossed.status, path).toBe(404);
      await crossed.body?.cancel();
    }
  });
});

describe('legacy HTTP+SSE endpoints', () => {
  it('serves an SDK SSEClientTransport on /sse and /sse/<profile>', async () => {
    const token = 'sse-token';
    const r = await start({ authToken: token }, new FakeHost({ profiles: ['work'] }));
    for (const [path, profile] of [
      ['/sse', null],
      ['/sse/work', 'work'],
    ] as const) {
      const transport = new SSEClientTransport(new URL(`${r.base}${path}`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
      const sse = new Client({ name: 'legacy', version: '1.0.0' });
      await sse.connect(transport);
      try {
        expect((await sse.listTools()).tools.map((t) => t.name)).toContain('echo');
        expect(text(await sse.callTool({ name: 'echo', arguments: { text: 'over sse' } }))).toBe('over sse');
        expect(JSON.parse(text(await sse.callTool({ name: 'whoami', arguments: {} }))).profile).toBe(profile);
      } finally {
        await sse.close();
      }
    }
    await waitFor(() => r.host.openSessions === 0 && r.upstream.sessionCount === 0, 'SSE sessions to close after the clients left');
    const unknown = await fetch(`${r.base}/messages?sessionId=nope`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
  });
});

describe('graceful shutdown', () => {
  it('refuses new connections at once, lets an in-flight call finish within the grace period, then closes sessions', async () => {
    const r = await start({ shutdownGraceMs: 30_000 });
    const c = await client(`${r.base}/mcp`);
    const call = c.client.callTool({ name: 'slow', arguments: {} });
    await r.host.slowStarted.promise;

    const stopped = r.upstream.stop();
    expect(r.upstream.stop()).toBe(stopped);
    const refused = await new Promise<string>((resolve) => {
      const socket = netConnect(r.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(r.host.openSessions).toBe(1);

    r.host.slowGate.open();
    expect(text(await call)).toBe(`slow done for ${c.transport.sessionId}`);
    await stopped;
    expect(r.host.openSessions).toBe(0);
    await r.upstream.stop();
  });

  it('closes sessions with calls still running once the grace period is over', async () => {
    const r = await start({ shutdownGraceMs: 100 });
    const c = await client(`${r.base}/mcp`);
    const call = c.client.callTool({ name: 'slow', arguments: {} }).then(
      () => 'finished',
      (error: Error) => error.message,
    );
    await r.host.slowStarted.promise;
    await r.upstream.stop();
    expect(r.host.openSessions).toBe(0);
    expect(r.logger.lines.some((line) => line.level === 'warn' && line.message.includes('in flight'))).toBe(true);
    // The client gets an error answer, not a stream that ends without one.
    expect(await call).toContain('shutting down');
    r.host.slowGate.open();
  });

  it('drains for drainDelayMs: /ready 503 and no new session, open sessions served, /health 200; then stops listening', async () => {
    const { HttpUpstream } = await import('./http-upstream.js');
    const host = new FakeHost();
    // The drain delay is the test's to end: no real waiting.
    let asked: number | undefined;
    let endDrain!: () => void;
    const delay = (ms: number) => {
      asked = ms;
      return new Promise<void>((resolve) => (endDrain = resolve));
    };
    const upstream = new HttpUpstream({ host: '127.0.0.1', port: 0, drainDelayMs: 5000, shutdownGraceMs: 30_000 }, { delay });
    await upstream.start(host);
    const base = `http://127.0.0.1:${upstream.port!}`;
    try {
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      const c = await client(`${base}/mcp`);
      const call = c.client.callTool({ name: 'slow', arguments: {} });
      await host.slowStarted.promise;

      const stopped = upstream.stop();
      expect(asked).toBe(5000);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'draining' });
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      await health.body?.cancel();
      const fresh = await fetch(`${base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
      expect(fresh.status).toBe(503);
      expect(await fresh.text()).toContain('shutting down');
      // The open session still gets new requests answered (new connections are still accepted).
      expect(text(await c.client.callTool({ name: 'echo', arguments: { text: 'while draining' } }))).toBe('while draining');

      // A connection kept alive (as a balancer keeps its own), busy when the drain delay ends: its request's body
      // is still coming.
      const kept = netConnect(upstream.port!, '127.0.0.1');
      let keptText = '';
      kept.setEncoding('utf8').on('data', (chunk: string) => (keptText += chunk));
      const keptClosed = new Promise<void>((resolve) => kept.once('close', () => resolve()));
      const rawCall = (id: number) => {
        const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `raw ${id}` } } });
        const headers = {
          ...MCP_HEADERS,
          'Mcp-Session-Id': c.transport.sessionId!,
          Host: `127.0.0.1:${upstream.port!}`,
          'Content-Length': Buffer.byteLength(body),
        };
        return {
          head: `POST /mcp HTTP/1.1\r\n${Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('')}\r\n`,
          body,
        };
      };
      const first = rawCall(901);
      kept.write(first.head + first.body.slice(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 50));

      endDrain();
      // The listener closes right after the delay ends (a connection attempt or two may still get in before).
      const connects = () =>
        new Promise<string>((resolve) => {
          const socket = netConnect(upstream.port!, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve('connected');
          });
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        });
      let refused = false;
      for (let attempt = 0; attempt < 50 && !refused; attempt++) refused = (await connects()) === 'ECONNREFUSED';
      expect(refused).toBe(true);
      // Its request, begun while draining, is answered; the next one over the same connection is not served (the
      // spec's 404 instead), so a balancer's busy connections cannot keep the replica from ever draining.
      kept.write(first.body.slice(10));
      await waitFor(() => keptText.includes('raw 901'), 'the answer of the request begun while draining');
      const second = rawCall(902);
      kept.write(second.head + second.body);
      await keptClosed;
      host.slowGate.open();
      expect(text(await call)).toBe(`slow done for ${c.transport.sessionId}`);
      expect(keptText).toMatch(/HTTP\/1\.1 404[\s\S]*"code":-32001[\s\S]*shutting down; initialize a new session[\s\S]*"id":null/);
      await stopped;
      expect(host.openSessions).toBe(0);
    } finally {
      host.slowGate.open();
      await upstream.stop();
    }
  });

  it('stop() before start() is a no-op and start() afterwards refuses', async () => {
    const { HttpUpstream } = await import('./http-upstream.js');
    const upstream = new HttpUpstream({ host: '127.0.0.1', port: 0 });
    await upstream.stop();
    await expect(upstream.start(new FakeHost())).rejects.toThrow(/stopped/);
  });
});

describe('health, readiness, describe', () => {
  it('reports liveness, readiness from the host, 404 for unknown paths, and the real port', async () => {
    const host = new FakeHost();
    host.ready = false;
    const r = await start({}, host);
    expect(r.upstream.describe()).toBe(`http://127.0.0.1:${r.port}/mcp`);
    expect(r.port).toBeGreaterThan(0);
    const notReady = await fetch(`${r.base}/ready`);
    expect(notReady.status).toBe(503);
    await notReady.body?.cancel();
    host.ready = true;
    const ready = await fetch(`${r.base}/ready`);
    expect(ready.status).toBe(200);
    await ready.body?.cancel();
    const health = await fetch(`${r.base}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const unknown = await fetch(`${r.base}/elsewhere`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('/mcp');
  });
});

describe('/health?detail=1', () => {
  const token = 'detail-token-0123456789';
  const servers: ServerHealth[] = [
    { id: 'echo', state: 'ready', tools: 2, restarts: 0 },
    { id: 'broken', state: 'failed', tools: 0, restarts: 3, error: 'server "broken" failed to start: exited (code ****)' },
  ];
  const hostWithServers = () => {
    const host = new FakeHost();
    // Extra fields a host might carry are not published.
    return Object.assign(host, { servers: () => servers.map((s) => ({ ...s, env: { KEY: 'leak' } })) });
  };

  it('lists each server (state, tools, restarts, error) while plain /health stays a bare liveness answer', async () => {
    const r = await start({}, hostWithServers());
    const plain = await fetch(`${r.base}/health`);
    expect(await plain.json()).toEqual({ status: 'ok' });
    for (const query of ['detail=1', 'detail=true']) {
      const detail = await fetch(`${r.base}/health?${query}`);
      expect(detail.status).toBe(200);
      expect(await detail.json()).toEqual({ status: 'ok', servers });
    }
  });

  it('answers an empty list when the host does not report servers, or fails to', async () => {
    const r = await start({}, new FakeHost());
    expect(await (await fetch(`${r.base}/health?detail=1`)).json()).toEqual({ status: 'ok', servers: [] });
    const throwing = Object.assign(new FakeHost(), {
      servers: (): ServerHealth[] => {
        throw new Error('boom');
      },
    });
    const r2 = await start({}, throwing);
    expect(await (await fetch(`${r2.base}/health?detail=1`)).json()).toEqual({ status: 'ok', servers: [] });
  });

  it('needs the token when one is set, even though /health itself does not', async () => {
    const r = await start({ authToken: token }, hostWithServers());
    const plain = await fetch(`${r.base}/health`);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ status: 'ok' });

    const anonymous = await fetch(`${r.base}/health?detail=1`);
    expect(anonymous.status).toBe(401);
    const body = await anonymous.text();
    expect(body).not.toContain('broken');

    const wrong = await fetch(`${r.base}/health?detail=1`, { headers: { Authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();

    const authed = await fetch(`${r.base}/health?detail=1`, { headers: { Authorization: `Bearer ${token}` } });
    expect(authed.status).toBe(200);
    const json = (await authed.json()) as { servers: ServerHealth[] };
    expect(json.servers.map((s) => [s.id, s.state, s.tools, s.restarts])).toEqual([
      ['echo', 'ready', 2, 0],
      ['broken', 'failed', 0, 3],
    ]);
    expect(JSON.stringify(json)).not.toContain(token);
    expect(JSON.stringify(json)).not.toContain('leak');
  });
});
