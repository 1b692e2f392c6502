import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { freePort, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { everythingEntry, referenceServerPath } from './helpers/servers.js';

type WireMessage = { method?: string; params?: Record<string, unknown> };

/** Sees every incoming message before the SDK does; returns a function that stops it. */
function tap(transport: { onmessage?: ((message: never, extra?: never) => void) | undefined }, see: (message: WireMessage) => void): () => void {
  const inner = transport.onmessage as ((message: unknown, extra?: unknown) => void) | undefined;
  transport.onmessage = ((message: unknown, extra?: unknown) => {
    see(message as WireMessage);
    inner?.call(transport, message, extra);
  }) as never;
  return () => {
    transport.onmessage = inner as never;
  };
}

/** An SDK client over Streamable HTTP that records every notification on the wire (before the SDK sees it). */
async function httpClient(url: string, tag: string) {
  const client = new Client({ name: `client-${tag}`, version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: 'test',
    role: 'assistant',
    content: { type: 'text', text: `answered by ${tag}` },
  }));
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const seen: WireMessage[] = [];
  tap(transport, (message) => seen.push(message));
  return { client, transport, seen };
}

describe('Streamable HTTP front door through the real CLI', () => {
  const t = tempDir();
  let proxy: HttpProxy;

  beforeAll(async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      t.path('c.json'),
      JSON.stringify({
        mcpServers: { everything: everythingEntry(), echo: fixtureServerEntry('echo') },
        profiles: { solo: { servers: ['echo'] } },
      }),
    );
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--log-level', 'info']);
  });
  afterAll(async () => {
    await proxy?.stop();
    t.cleanup();
  });

  it('serves 20 concurrent sessions × 50 list+call rounds; progress and sampling reach only their own session', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => httpClient(`${proxy.base}/mcp`, `s${i}`)));
    try {
      await Promise.all(
        clients.map(async ({ client }, i) => {
          for (let round = 0; round < 50; round++) {
            const { tools } = await client.listTools();
            expect(tools.some((tool) => tool.name === 'echo__echo')).toBe(true);
            const result = await client.callTool({ name: 'echo__echo', arguments: { text: `s${i}-r${round}` } });
            expect(JSON.stringify(result.content)).toContain(`s${i}-r${round}`);
          }
        }),
      );
      // The first sampling request teaches the proxy that this server asks clients things; from then on sessions
      // take turns on it, so each request can only belong to the session in flight.
      const warm = await clients[0]!.client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'warm', maxTokens: 5 } });
      expect(JSON.stringify(warm.content)).toContain('answered by s0');
      // Every session runs a progress-reporting call and a sampling round trip at the same time.
      await Promise.all(
        clients.map(async ({ client, seen }, i) => {
          const token = `token-of-s${i}`;
          await client.request(
            {
              method: 'tools/call',
              params: { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 }, _meta: { progressToken: token } },
            },
            CallToolResultSchema,
            { timeout: 60_000 },
          );
          const sampled = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: `from s${i}`, maxTokens: 5 } });
          expect(JSON.stringify(sampled.content)).toContain(`answered by s${i}`);
          const progress = seen.filter((m) => m.method === 'notifications/progress');
          expect(progress.length, `session s${i}`).toBe(3);
          expect(new Set(progress.map((m) => m.params?.progressToken))).toEqual(new Set([token]));
        }),
      );
      expect(proxy.stderr()).not.toMatch(/"statusCode":5\d\d/);
    } finally {
      await Promise.all(clients.map(({ client }) => client.close()));
    }
  });

  it('accepts clients negotiating 2025-11-25 and 2025-03-26', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    /** The JSON-RPC message of a response that may come as JSON or as one SSE event. */
    const readMessage = async (response: Response) => {
      const text = await response.text();
      const data = text.startsWith('{')
        ? text
        : text
            .split('\n')
            .find((line) => line.startsWith('data: '))!
            .slice(6);
      return JSON.parse(data) as { result?: Record<string, unknown>; error?: unknown };
    };
    for (const version of ['2025-11-25', '2025-03-26']) {
      const init = await fetch(`${proxy.base}/mcp`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
        }),
      });
      expect(init.status, version).toBe(200);
      const sessionId = init.headers.get('mcp-session-id')!;
      expect((await readMessage(init)).result?.protocolVersion).toBe(version);
      const session = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': version };
      await fetch(`${proxy.base}/mcp`, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      const call = await fetch(`${proxy.base}/mcp`, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo__echo', arguments: { text: version } } }),
      });
      expect(call.status).toBe(200);
      expect(JSON.stringify((await readMessage(call)).result)).toContain(version);
      await fetch(`${proxy.base}/mcp`, { method: 'DELETE', headers: session });
    }
  });

  it('serves each profile at /mcp/<profile>; an unknown profile gets 404', async () => {
    const { client } = await httpClient(`${proxy.base}/mcp/solo`, 'solo');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    await client.close();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name.startsWith('echo__'))).toBe(true);
    const response = await fetch(`${proxy.base}/mcp/nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(response.status).toBe(404);
  });

  it('ends a session on DELETE; its id then gets 404', async () => {
    const { client, transport } = await httpClient(`${proxy.base}/mcp`, 'deleted');
    const sessionId = transport.sessionId!;
    expect(sessionId).toBeTruthy();
    await transport.terminateSession();
    const reuse = await fetch(`${proxy.base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(reuse.status).toBe(404);
    await client.close();
  });
});

describe('HTTP front door options through the CLI', () => {
  const t = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
  afterAll(() => t.cleanup());
  let proxy: HttpProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('--auth-token: 401 with WWW-Authenticate on every path and method without it; 403 for a foreign Origin; 413 for a huge body', async () => {
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--auth-token', 'sekret-token']);
    for (const path of ['/', '/mcp', '/sse', '/messages', '/no-such-path']) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const response = await fetch(`${proxy.base}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer/);
      }
    }
    const authorized = { authorization: 'Bearer sekret-token' };
    const foreign = await fetch(`${proxy.base}/mcp`, { method: 'POST', headers: { ...authorized, origin: 'https://evil.example' }, body: '{}' });
    expect(foreign.status).toBe(403);
    const huge = await fetch(`${proxy.base}/mcp`, {
      method: 'POST',
      headers: { ...authorized, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    const client = new Client({ name: 'authorized', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.base}/mcp`), { requestInit: { headers: authorized } }));
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    expect(proxy.stderr()).not.toContain('sekret-token');
  });

  it('--stateless serves 20 concurrent clients without errors', async () => {
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--stateless']);
    const base = proxy.base;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const client = new Client({ name: `stateless-${i}`, version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
        for (let round = 0; round < 5; round++) {
          const result = await client.callTool({ name: 'echo__echo', arguments: { text: `c${i}-${round}` } });
          expect(JSON.stringify(result.content)).toContain(`c${i}-${round}`);
        }
        await client.close();
      }),
    );
  });
});

describe('remote downstream servers', () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<number> {
    const port = await freePort();
    const child = spawn(process.execPath, [referenceServerPath('server-everything'), mode], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 20_000);
      let text = '';
      child.stderr!.on('data', (d) => {
        text += d;
        if (/running on port|listening/i.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return port;
  }

  it('server-everything over streamable HTTP and over SSE works through the proxy: lists, calls, progress, sampling', async () => {
    const httpPort = await startEverything('streamableHttp');
    const ssePort = await startEverything('sse');
    const t = tempDir({
      'c.json': {
        mcpServers: {
          viahttp: { type: 'streamable-http', url: `http://127.0.0.1:${httpPort}/mcp` },
          viasse: { type: 'sse', url: `http://127.0.0.1:${ssePort}/sse` },
        },
      },
    });
    const { cliTransport } = await import('./helpers/cli.js');
    const client = new Client({ name: 'remote', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ model: 't', role: 'assistant', content: { type: 'text', text: 'remote sampled' } }));
    const transport = cliTransport(['--config', t.path('c.json'), '--log-level', 'warn']);
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const server of ['viahttp', 'viasse']) {
        expect(names).toContain(`${server}__echo`);
        const echoed = await client.callTool({ name: `${server}__echo`, arguments: { message: `hi ${server}` } });
        expect(JSON.stringify(echoed.content)).toContain(`hi ${server}`);
        const seen: WireMessage[] = [];
        const untap = tap(transport, (message) => seen.push(message));
        await client.request(
          {
            method: 'tools/call',
            params: { name: `${server}__trigger-long-running-operation`, arguments: { duration: 0.3, steps: 3 }, _meta: { progressToken: server } },
          },
          CallToolResultSchema,
          { timeout: 60_000 },
        );
        untap();
        expect(seen.filter((m) => m.method === 'notifications/progress').length, server).toBe(3);
        const sampled = await client.callTool({ name: `${server}__trigger-sampling-request`, arguments: { prompt: 'x', maxTokens: 5 } });
        expect(JSON.stringify(sampled.content)).toContain('remote sampled');
      }
    } finally {
      await client.close();
      t.cleanup();
    }
  });
});
