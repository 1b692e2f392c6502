// Limits of the front doors as a client meets them through the real CLI: a request id reused while its request runs
// (HTTP), and arguments nested too deeply (HTTP and stdio). Each is refused with a JSON-RPC -32600 that says why,
// and no request is left without an answer.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { startRawProxy } from './helpers/processes.js';

const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

/** `{"a":{"a":…}}` nested `levels` deep, as text (building it as a value and stringifying it would overflow). */
function nestedText(levels: number): string {
  return '{"a":'.repeat(levels) + '0' + '}'.repeat(levels);
}

/** Reads a response's SSE body incrementally until `done` holds for what has arrived. */
async function readUntil(response: Response, done: (text: string) => boolean): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

describe('front-door limits through the CLI', () => {
  const t = tempDir();
  let proxy: HttpProxy;
  let headers: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    writeFileSync(t.path('c.json'), JSON.stringify({ mcpServers: { p: fixtureServerEntry('progress'), e: fixtureServerEntry('echo') } }));
    proxy = await startHttpProxy(['--config', t.path('c.json')]);
    url = `${proxy.base}/mcp`;
    const init = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'limits-e2e', version: '1.0.0' } },
      }),
    });
    expect(init.status).toBe(200);
    await init.text();
    headers = { ...MCP_HEADERS, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  });
  afterAll(async () => {
    await proxy?.stop();
    t.cleanup();
  });

  it('HTTP: a second request reusing the id of one still running is refused; the first still gets its answer', async () => {
    // The first request reports progress at once, then waits 3 s before answering: seeing the progress event proves
    // it is running when the duplicate arrives (the wait is a margin, nothing asserts a duration).
    const first = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 42,
        method: 'tools/call',
        params: { name: 'p__work', arguments: { steps: 1, intervalMs: 3000 }, _meta: { progressToken: 'first' } },
      }),
    });
    expect(first.status).toBe(200);
    const running = await readUntil(first, (text) => text.includes('notifications/progress'));

    const duplicate = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'e__echo', arguments: { text: 'second' } } }),
    });
    expect(duplicate.status).toBe(400);
    const refusal = (await duplicate.json()) as { id: unknown; error: { code: number; message: string } };
    expect(refusal).toMatchObject({ id: 42, error: { code: -32600 } });
    expect(refusal.error.message).toMatch(/request id 42 is already in use/);

    let text = running.text;
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await running.reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"id":42');
    expect(text).toContain('done 1');
  });

  it('HTTP: arguments nested 10,000 levels deep are refused as too deep, not blamed on the server', async () => {
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"e__echo","arguments":{"text":"x","deep":${nestedText(10_000)}}}}`;
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    expect(text).not.toMatch(/could not be reached|Maximum call stack/);
    expect(response.status).toBe(400);
    const reply = JSON.parse(text) as { id: unknown; error: { code: number; message: string } };
    expect(reply).toMatchObject({ id: 7, error: { code: -32600 } });
    expect(reply.error.message).toMatch(/more than 100 levels deep/);
  });

  it('stdio: arguments nested 10,000 levels deep are refused as too deep; the proxy keeps serving', async () => {
    const raw = startRawProxy(['--config', t.path('c.json')]);
    try {
      await raw.initialize();
      await raw.write(
        `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"e__echo","arguments":{"text":"x","deep":${nestedText(10_000)}}}}\n`,
      );
      const echoed = await raw.request('tools/call', { name: 'e__echo', arguments: { text: 'after' } });
      expect(JSON.stringify(echoed.result)).toContain('after');
      const [reply] = raw.responsesTo('deep');
      expect(reply?.error?.code).toBe(-32600);
      expect(String(reply?.error?.message)).toMatch(/more than 100 levels deep/);
      expect(String(reply?.error?.message)).not.toMatch(/could not be reached|Maximum call stack/);
    } finally {
      raw.kill();
    }
  });
});
