import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cliPath, repoRoot, tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { everythingEntry } from './helpers/servers.js';

const config = { mcpServers: { everything: everythingEntry(), asks: fixtureServerEntry('conformance-mrtr'), modern: fixtureServerEntry('modern') } };

/** A v2 client that negotiates the era itself (`server/discover` probe) and answers elicitation. */
function modernClient(elicited: unknown[]): Client {
  const client = new Client({ name: 'v2-e2e', version: '1.0.0' }, { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode: 'auto' } });
  client.setRequestHandler('elicitation/create', async (request) => {
    elicited.push(request.params.message);
    return { action: 'accept', content: { name: 'Ada', answer: 'Ada' } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const first = request.params.messages[0]?.content;
    const asked = first && 'text' in first ? String(first.text) : '';
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `echo of ${asked}` } };
  });
  return client;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the notifications');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What a 2026-07-28 client does through Switchboard, whatever the front door. */
function modernClientBehaviour(get: () => { client: Client; elicited: unknown[] }): void {
  it('negotiates the stateless era with Switchboard', () => {
    const { client } = get();
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(client.getServerVersion()?.name).toBe('mcp-switchboard');
  });

  it('lists and calls tools, gets prompts and reads resources of a 2025-era server', async () => {
    const { client } = get();
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toContain('everything__echo');
    const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'from v2' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'Echo: from v2' }]);
    const prompt = await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Paris' } });
    expect(JSON.stringify(prompt.messages)).toContain('Paris');
    const uri = 'demo://resource/static/document/architecture.md';
    const read = await client.readResource({ uri });
    expect(read.contents[0]!.uri).toBe(uri);
  });

  it('receives progress on the call that asked for it', async () => {
    const { client } = get();
    const seen: number[] = [];
    const done = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(done.isError).toBeFalsy();
    // The last one comes right before the result, and the v2 client may drop it when it settles the call first
    // (the wire order is right: protocol-eras.stdio.test.ts checks it byte for byte).
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    expect(seen.length).toBeLessThanOrEqual(3);
  });

  it('cancels a call with its abort signal', async () => {
    const { client } = get();
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
      { signal: abort.signal, onprogress: () => abort.abort('enough') },
    );
    await expect(call).rejects.toThrow();
    // The proxy still serves the next request.
    expect((await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } })).content).toEqual([{ type: 'text', text: 'Echo: after' }]);
  });

  it('lists, calls, gets and reads from a 2026-only server beside the 2025-era ones', async () => {
    const { client } = get();
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toEqual(expect.arrayContaining(['modern__echo', 'modern__ask', 'modern__think']));
    expect((await client.callTool({ name: 'modern__echo', arguments: { text: 'to 2026' } })).content).toEqual([{ type: 'text', text: 'to 2026' }]);
    const prompt = await client.getPrompt({ name: 'modern__greet', arguments: { who: 'Ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Ada');
    const read = await client.readResource({ uri: 'modern://counter' });
    expect(read.contents[0]!.uri).toBe('modern://counter');
  });

  it('relays progress of a 2026-only server', async () => {
    const { client } = get();
    const seen: number[] = [];
    const done = await client.callTool({ name: 'modern__work', arguments: { steps: 3, intervalMs: 50 } }, { onprogress: (p) => seen.push(p.progress) });
    expect(done.content).toEqual([{ type: 'text', text: 'done 3' }]);
    expect(seen.slice(0, 2)).toEqual([1, 2]);
  });

  it('answers a 2026-only server’s elicitation and sampling (its own input_required, passed through)', async () => {
    const { client, elicited } = get();
    const before = elicited.length;
    const asked = await client.callTool({ name: 'modern__ask', arguments: { question: 'Who are you?' } });
    expect(asked.content).toEqual([{ type: 'text', text: 'answer: Ada' }]);
    expect(elicited.slice(before)).toEqual(['Who are you?']);
    const thought = await client.callTool({ name: 'modern__think', arguments: { prompt: 'hello' } });
    expect(thought.content).toEqual([{ type: 'text', text: 'model said: echo of hello' }]);
  });

  it('cancels a 2026-only server’s call with its abort signal', async () => {
    const { client } = get();
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'modern__work', arguments: { steps: 200, intervalMs: 50 } },
      { signal: abort.signal, onprogress: () => abort.abort('enough') },
    );
    await expect(call).rejects.toThrow();
    expect((await client.callTool({ name: 'modern__echo', arguments: { text: 'after' } })).content).toEqual([{ type: 'text', text: 'after' }]);
  });

  it('answers a 2025-era server’s sampling through input_required, in its own handler', async () => {
    const { client } = get();
    const result = await client.callTool({ name: 'asks__test_input_required_result_sampling', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'The model said: echo of What is the capital of France?' }]);
  });

  it('hears a 2026-only server’s resource updates and list changes over subscriptions/listen', async () => {
    const { client } = get();
    const updated: string[] = [];
    let toolsChanged = 0;
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    client.setNotificationHandler('notifications/tools/list_changed', () => void toolsChanged++);
    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['modern://counter'] });
    try {
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true, resourceSubscriptions: ['modern://counter'] });
      await client.callTool({ name: 'modern__bump', arguments: {} });
      await client.callTool({ name: 'modern__add_tool', arguments: { name: `added_${Date.now()}` } });
      await waitFor(() => updated.includes('modern://counter') && toolsChanged > 0);
    } finally {
      await subscription.close();
    }
  });

  it('answers a 2025-era server’s elicitation through input_required, in its own handler', async () => {
    const { client, elicited } = get();
    const before = elicited.length;
    const result = await client.callTool({ name: 'asks__test_input_required_result_elicitation', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
    expect(elicited.slice(before)).toEqual(['What is your name?']);
  });
}

/**
 * The official v2 client (`@modelcontextprotocol/client`) through the real CLI, in front of server-everything (a
 * 2025-era server), the conformance MRTR fixture (a 2025-era server that asks its client) and the modern fixture (a
 * server that speaks only 2026-07-28).
 */
describe('a 2026-07-28 client (the v2 SDK) over stdio', () => {
  const t = tempDir({ 'c.json': config });
  const elicited: unknown[] = [];
  const client = modernClient(elicited);

  beforeAll(async () => {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cliPath, '--config', t.path('c.json'), '--log-level', 'warn'],
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stderr: 'pipe',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await client.close();
    t.cleanup();
  });

  modernClientBehaviour(() => ({ client, elicited }));
});

describe('a 2026-07-28 client (the v2 SDK) over Streamable HTTP', () => {
  const t = tempDir({ 'c.json': config });
  const elicited: unknown[] = [];
  const client = modernClient(elicited);
  let proxy: HttpProxy;

  beforeAll(async () => {
    proxy = await startHttpProxy(['--config', t.path('c.json'), '--log-level', 'warn']);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.base}/mcp`)));
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await proxy?.stop();
    t.cleanup();
  });

  modernClientBehaviour(() => ({ client, elicited }));

  it('gets 405 for the GET stream a 2025-era client would open', async () => {
    const response = await fetch(`${proxy.base}/mcp`, { headers: { 'MCP-Protocol-Version': '2026-07-28', Accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
