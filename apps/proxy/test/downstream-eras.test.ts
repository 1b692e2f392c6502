import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type ElicitRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cleanEnv, cliTransport, runCli, tempDir } from './helpers/cli.js';

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]?.text ?? '';

/**
 * A 2025-era client (the SDK v1 Client, as every client today) through the real CLI over stdio, in front of a
 * server that speaks only MCP 2026-07-28 (it refuses initialize and every request without the reserved _meta
 * keys) and a 2025-era server that exits on any request before initialize.
 */
describe('downstream eras through the real CLI', () => {
  const t = tempDir();
  const configFile = t.path('switchboard.config.json');
  const elicitations: ElicitRequest['params'][] = [];
  let proxy: Client;
  let stderr = '';

  beforeAll(async () => {
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: {
          modern: fixtureServerEntry('modern'),
          strict: fixtureServerEntry('echo', { FIXTURE_NAME: 'strict', FIXTURE_EXIT_BEFORE_INITIALIZE: '1' }),
        },
        // Pings would kill a 2026-era server (it has none); they must not be sent to it.
        supervision: { pingIntervalMs: 200 },
      }),
    );
    proxy = new Client({ name: 'old-client', version: '1.0.0' }, { capabilities: { elicitation: {}, sampling: {} } });
    proxy.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicitations.push(request.params);
      return { action: 'accept', content: { answer: 'Ada' } };
    });
    proxy.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: 'forty-two' },
    }));
    const transport = cliTransport(['--config', configFile, '--log-level', 'debug']);
    transport.stderr?.on('data', (d) => (stderr += d));
    await proxy.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    t.cleanup();
  });

  it('lists the tools, prompts and resources of a 2026-only server beside a 2025-era one', async () => {
    const tools = (await proxy.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['modern__echo', 'modern__work', 'modern__ask', 'strict__echo']));
    expect((await proxy.listPrompts()).prompts.map((p) => p.name)).toContain('modern__greet');
    expect((await proxy.listResources()).resources.map((r) => r.uri)).toContain('modern://counter');
    // The probe's verdicts are in the log: the strict server exited on the probe and was started again.
    expect(stderr).toMatch(/server \\?"modern\\?" speaks MCP 2026-07-28/);
    expect(stderr).toMatch(/server \\?"strict\\?" exited on the era probe; starting it again for initialize/);
  });

  it('calls tools, gets prompts and reads resources of the 2026-only server (every request stamped)', async () => {
    expect(textOf(await proxy.callTool({ name: 'modern__echo', arguments: { text: 'hello' } }))).toBe('hello');
    expect(textOf(await proxy.callTool({ name: 'strict__echo', arguments: { text: 'old' } }))).toBe('old');
    const prompt = await proxy.getPrompt({ name: 'modern__greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'Hello, Ada!' });
    const read = await proxy.readResource({ uri: 'modern://counter' });
    expect(read.contents[0]).toMatchObject({ uri: 'modern://counter', text: expect.stringMatching(/^\d+$/) });
  });

  it("carries the client's log level on each request (no logging/setLevel in this era) and relays the log messages", async () => {
    const logs: unknown[] = [];
    proxy.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    await proxy.setLoggingLevel('info');
    await proxy.callTool({ name: 'modern__echo', arguments: { text: 'logged' } });
    await expect.poll(() => JSON.stringify(logs), { timeout: 10_000 }).toContain('echo logged');
    expect(logs[0]).toMatchObject({ server: 'modern' });
    expect(stderr).not.toMatch(/request logging\/setLevel/);
  });

  it('relays progress of a 2026-era call', async () => {
    // Counted on the wire: the SDK client itself drops a progress notification that arrives just before the
    // result (typescript-sdk#2580), which says nothing about what the proxy sent.
    const transport = (proxy as unknown as { transport: { onmessage?: (message: unknown, extra?: unknown) => void } }).transport;
    const inner = transport.onmessage;
    const seen: Array<{ progressToken: unknown; progress: number }> = [];
    transport.onmessage = (message, extra) => {
      const m = message as { method?: string; params?: { progressToken: unknown; progress: number } };
      if (m.method === 'notifications/progress' && m.params) seen.push(m.params);
      inner?.call(transport, message, extra);
    };
    try {
      const result = await proxy.request(
        { method: 'tools/call', params: { name: 'modern__work', arguments: { steps: 4 }, _meta: { progressToken: 'e2e-modern' } } },
        CallToolResultSchema,
      );
      expect(textOf(result)).toBe('done 4');
      expect(seen.map((p) => [p.progressToken, p.progress])).toEqual([1, 2, 3, 4].map((i) => ['e2e-modern', i]));
    } finally {
      transport.onmessage = inner;
    }
  });

  it('cancels a 2026-era call downstream when the client cancels it', async () => {
    const abort = new AbortController();
    const call = proxy.callTool({ name: 'modern__work', arguments: { steps: 10_000, intervalMs: 20 } }, CallToolResultSchema, {
      signal: abort.signal,
      onprogress: () => abort.abort('enough'),
    });
    await expect(call).rejects.toThrow();
    await expect.poll(() => stderr, { timeout: 10_000 }).toMatch(/cancelled \d+/);
  });

  it('turns input_required into a real elicitation and a real sampling request for the 2025-era client (the reverse bridge)', async () => {
    const asked = await proxy.callTool({ name: 'modern__ask', arguments: { question: 'Your name?' } });
    expect(textOf(asked)).toBe('answer: Ada');
    expect(elicitations.at(-1)).toMatchObject({ message: 'Your name?', requestedSchema: { properties: { answer: { type: 'string' } } } });
    const thought = await proxy.callTool({ name: 'modern__think', arguments: { prompt: 'The answer?' } });
    expect(textOf(thought)).toBe('model said: forty-two');
  });

  it('hears list changes and resource updates over subscriptions/listen', async () => {
    let toolsChanged = 0;
    const updated: string[] = [];
    proxy.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolsChanged++);
    proxy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await proxy.subscribeResource({ uri: 'modern://counter' });
    // The new listen stream (with the URI) replaces the old one; a bump reported before it is acknowledged
    // would be lost, so bump until one arrives.
    await expect
      .poll(
        async () => {
          await proxy.callTool({ name: 'modern__bump', arguments: {} });
          return updated.length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    expect(updated[0]).toBe('modern://counter');

    await proxy.callTool({ name: 'modern__add_tool', arguments: { name: 'fresh' } });
    await expect.poll(() => toolsChanged, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await proxy.listTools()).tools.map((tool) => tool.name), { timeout: 10_000 }).toContain('modern__fresh');
  });

  it('never pings the 2026-era server (the 2025-era one is pinged), and it stays up', async () => {
    // The modern fixture writes "request <method> <id>" to stderr, which the proxy logs at debug.
    expect(stderr).toMatch(/request tools\/call/);
    await new Promise((resolve) => setTimeout(resolve, 600)); // three ping intervals, idle
    expect(stderr).not.toMatch(/request ping/);
    expect(stderr).not.toMatch(/server \\?"modern\\?"[^\n]*(restart|closed)/);
    expect(textOf(await proxy.callTool({ name: 'modern__echo', arguments: { text: 'still here' } }))).toBe('still here');
  });

  it("shows each server's era in `mcp-switchboard list`", async () => {
    const listed = await runCli(['list', '--config', configFile], { env: cleanEnv(t.dir) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^modern\s+\S+\s+ready\s+2026-07-28\s/m);
    expect(listed.stdout).toMatch(/^strict\s+\S+\s+ready\s+initialize\s/m);
  });
});

/** A Streamable HTTP server that speaks only 2026-07-28 and enforces its headers (-32020), on a free port. */
async function startModernHttpServer() {
  const { createServer } = await import('node:http');
  const seen: Array<{ method: string; headers: Record<string, string | string[] | undefined> }> = [];
  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const http = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const message = JSON.parse(raw) as {
        id?: number | string;
        method?: string;
        params?: { name?: string; arguments?: { text?: string }; _meta?: Record<string, unknown> };
      };
      if (message.method === undefined) return void res.writeHead(202).end();
      seen.push({ method: message.method, headers: req.headers });
      const error = (status: number, code: number, text: string, data?: unknown) =>
        reply(res, status, { jsonrpc: '2.0', id: message.id ?? null, error: { code, message: text, ...(data ? { data } : {}) } });
      if (req.headers['mcp-protocol-version'] !== '2026-07-28' || message.params?._meta?.['io.modelcontextprotocol/protocolVersion'] !== '2026-07-28') {
        return error(400, -32022, 'Unsupported protocol version', { supported: ['2026-07-28'], requested: req.headers['mcp-protocol-version'] ?? null });
      }
      if (req.headers['mcp-method'] !== message.method) return error(400, -32020, 'Header mismatch: Mcp-Method');
      if (message.method === 'tools/call' && req.headers['mcp-name'] !== message.params?.name) return error(400, -32020, 'Header mismatch: Mcp-Name');
      if (message.id === undefined) return void res.writeHead(202).end();
      const result = (value: Record<string, unknown>) => reply(res, 200, { jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', ...value } });
      switch (message.method) {
        case 'server/discover':
          return result({
            supportedVersions: ['2026-07-28'],
            capabilities: { tools: {} },
            _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'web', version: '1' } },
          });
        case 'tools/list':
          return result({ tools: [{ name: 'shout', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] });
        case 'tools/call':
          return result({ content: [{ type: 'text', text: String(message.params?.arguments?.text ?? '').toUpperCase() }] });
        default:
          return error(200, -32601, `Method not found: ${message.method}`);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as import('node:net').AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/mcp`, seen, close: () => new Promise<void>((resolve) => http.close(() => resolve())) };
}

describe('a 2026-only Streamable HTTP server through the real CLI', () => {
  it('is probed over HTTP and spoken to with the 2026 headers and _meta: listed and called, never initialized', async () => {
    const web = await startModernHttpServer();
    const t = tempDir();
    const configFile = t.path('switchboard.config.json');
    writeFileSync(configFile, JSON.stringify({ mcpServers: { web: { type: 'streamable-http', url: web.url } } }));
    const client = new Client({ name: 'old-client', version: '1.0.0' });
    try {
      await client.connect(cliTransport(['--config', configFile]));
      await expect.poll(async () => (await client.listTools()).tools.map((tool) => tool.name), { timeout: 10_000 }).toContain('web__shout');
      expect(textOf(await client.callTool({ name: 'web__shout', arguments: { text: 'hello' } }))).toBe('HELLO');
      const methods = web.seen.map((r) => r.method);
      expect(methods).not.toContain('initialize');
      expect(methods).toEqual(expect.arrayContaining(['server/discover', 'tools/list', 'tools/call']));
      expect(web.seen.every((r) => r.headers['mcp-method'] === r.method)).toBe(true);
    } finally {
      await client.close();
      await web.close();
      t.cleanup();
    }
  });
});
