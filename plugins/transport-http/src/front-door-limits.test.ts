import { afterEach, describe, expect, it } from 'vitest';
import { INITIALIZE_BODY, MCP_HEADERS, rawRequest, startUpstream, type RunningUpstream } from '../test/helpers.js';

const running: RunningUpstream[] = [];

async function start(...args: Parameters<typeof startUpstream>): Promise<RunningUpstream> {
  const r = await startUpstream(...args);
  running.push(r);
  return r;
}

afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((r) => r.upstream.stop()));
});

/** Opens a session with a raw initialize; returns the headers every later request of it needs. */
async function openSession(url: string): Promise<Record<string, string>> {
  const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
  expect(response.status).toBe(200);
  await response.text();
  const sessionId = response.headers.get('mcp-session-id')!;
  const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await rawRequest(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return headers;
}

function call(id: unknown, name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

describe('a reused JSON-RPC id', () => {
  it('is refused with -32600 while the request that has it runs; the running request still gets its own answer', async () => {
    const r = await start();
    const url = `${r.base}/mcp`;
    const headers = await openSession(url);
    const first = rawRequest(url, { method: 'POST', headers, body: call(7, 'slow') });
    await r.host.slowStarted.promise;

    const duplicate = await rawRequest(url, { method: 'POST', headers, body: call(7, 'echo', { text: 'second' }) });
    expect(duplicate.status).toBe(400);
    const refusal = JSON.parse(duplicate.body) as { id: unknown; error: { code: number; message: string } };
    expect(refusal.id).toBe(7);
    expect(refusal.error.code).toBe(-32600);
    expect(refusal.error.message).toMatch(/request id 7 is already in use/);

    r.host.slowGate.open();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body).toContain('slow done for');
    expect(answered.body).toContain('"id":7');

    // Answered, the id is free again.
    const again = await rawRequest(url, { method: 'POST', headers, body: call(7, 'echo', { text: 'again' }) });
    expect(again.status).toBe(200);
    expect(again.body).toContain('again');
  });

  it('is refused when a batch repeats it', async () => {
    const r = await start();
    const url = `${r.base}/mcp`;
    const headers = await openSession(url);
    const body = `[${call(1, 'echo', { text: 'a' })},${call(1, 'echo', { text: 'b' })}]`;
    const refused = await rawRequest(url, { method: 'POST', headers, body });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

describe('a message nested too deeply', () => {
  it('is refused with 400 and -32600 (with its id) before it reaches the session; the session keeps working', async () => {
    const r = await start();
    const url = `${r.base}/mcp`;
    const headers = await openSession(url);
    const deep = '{"a":'.repeat(10_000) + '0' + '}'.repeat(10_000);
    const body = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${deep}}}}`;
    const refused = await rawRequest(url, { method: 'POST', headers, body });
    expect(refused.status).toBe(400);
    const reply = JSON.parse(refused.body) as { id: unknown; error: { code: number; message: string } };
    expect(reply).toMatchObject({ id: 3, error: { code: -32600 } });
    expect(reply.error.message).toMatch(/more than 100 levels deep/);

    const fine = await rawRequest(url, { method: 'POST', headers, body: call(4, 'echo', { text: 'still here' }) });
    expect(fine.status).toBe(200);
    expect(fine.body).toContain('still here');
  });
});
