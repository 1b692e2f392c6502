// What the front door keeps in memory: a request's raw body is let go once parsed, nothing of a request stays after
// its answer, and nothing of a session stays after it closes. Measured after full garbage collections (gc() made
// available through V8 flags), against bounds far from both the expected value and the value a leak would give:
// never a timing.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { UpstreamHost, UpstreamSession } from '@mcp-switchboard/plugin-api';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gate } from '../test/fake-host.js';
import { INITIALIZE_BODY, MCP_HEADERS, rawRequest, startUpstream, waitFor, type RunningUpstream } from '../test/helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledMemory(): Promise<{ heapUsed: number; arrayBuffers: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

const MB = 1024 * 1024;

/**
 * A host that keeps nothing of its sessions but weak references: `hold` waits until the test opens the gate,
 * `echo` answers at once.
 */
class LeanHost implements UpstreamHost {
  readonly transports: Array<WeakRef<Transport>> = [];
  held = 0;
  release = gate();

  async connect(transport: Transport): Promise<UpstreamSession> {
    // The front door's wrapper and the SDK transport inside it.
    this.transports.push(new WeakRef(transport), new WeakRef((transport as unknown as { inner: Transport }).inner));
    const server = new McpServer({ name: 'lean', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: String(text.length) }] }));
    server.registerTool('hold', { inputSchema: { blob: z.string() } }, async ({ blob }) => {
      this.held++;
      await this.release.promise;
      return { content: [{ type: 'text', text: String(blob.length) }] };
    });
    let closed = false;
    const listeners: Array<() => void> = [];
    server.server.onclose = () => {
      closed = true;
      for (const listener of listeners.splice(0)) listener();
    };
    await server.connect(transport);
    return {
      id: transport.sessionId ?? 'stateless',
      close: () => server.close(),
      onClose: (listener) => (closed ? listener() : listeners.push(listener)),
    };
  }
  profiles(): string[] {
    return [];
  }
  isReady(): boolean {
    return true;
  }
  requestShutdown(): void {}
}

const running: RunningUpstream[] = [];
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((r) => r.upstream.stop()));
});

async function start(host: LeanHost, stateless = false): Promise<RunningUpstream> {
  const r = await startUpstream({ stateless }, host as never);
  running.push(r);
  return r;
}

async function openSession(url: string): Promise<Record<string, string>> {
  const response = await rawRequest(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE_BODY) });
  expect(response.status).toBe(200);
  const headers = { ...MCP_HEADERS, 'mcp-session-id': String(response.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  await rawRequest(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return headers;
}

function callBody(id: number, name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

describe('front-door memory', () => {
  it('lets a raw request body go once it is parsed, while the request is still running', async () => {
    const host = new LeanHost();
    const r = await start(host);
    const url = `${r.base}/mcp`;
    const headers = await openSession(url);
    const blob = 'b'.repeat(3 * MB);
    const before = await settledMemory();

    const calls = Array.from({ length: 20 }, (_, i) => rawRequest(url, { method: 'POST', headers, body: callBody(i + 1, 'hold', { blob }) }));
    await waitFor(() => host.held === 20, 'all 20 calls running', 30_000);
    const during = await settledMemory();
    // 20 raw bodies of 3 MB would be 60 MB of buffers; the parsed arguments are strings on the heap, not buffers.
    expect((during.arrayBuffers - before.arrayBuffers) / MB).toBeLessThan(20);

    host.release.open();
    for (const answer of await Promise.all(calls)) expect(answer.body).toContain(String(3 * MB));
  });

  it('keeps nothing of 40 answered requests of 3 MB', async () => {
    const host = new LeanHost();
    const r = await start(host);
    const url = `${r.base}/mcp`;
    const headers = await openSession(url);
    const blob = 'e'.repeat(3 * MB);
    const before = await settledMemory();
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => rawRequest(url, { method: 'POST', headers, body: callBody(round * 10 + i + 1, 'echo', { text: blob }) })),
      );
      for (const answer of answers) expect(answer.body).toContain(String(3 * MB));
    }
    const after = await settledMemory();
    // 40 bodies are 120 MB as buffers and as much again as strings; what stays must be far less than one tenth of that.
    expect((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / MB).toBeLessThan(20);
  });

  it('frees every session it closed: registry entries, SDK transports and host sessions', async () => {
    const host = new LeanHost();
    const r = await start(host);
    const url = `${r.base}/mcp`;
    const sessions = await Promise.all(Array.from({ length: 50 }, () => openSession(url)));
    expect(r.upstream.sessionCount).toBe(50);
    for (const headers of sessions) expect((await rawRequest(url, { method: 'DELETE', headers })).status).toBe(200);
    expect(r.upstream.sessionCount).toBe(0);
    await settledMemory();
    expect(host.transports.length).toBe(100);
    const alive = host.transports.filter((ref) => ref.deref() !== undefined);
    expect(alive.length).toBe(0);
  });

  it('frees the transport and host session of every answered stateless request', async () => {
    const host = new LeanHost();
    const r = await start(host, true);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rawRequest(`${r.base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: callBody(i + 1, 'echo', { text: 'x' }) })),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    await settledMemory();
    expect(host.transports.length).toBe(40);
    expect(host.transports.filter((ref) => ref.deref() !== undefined).length).toBe(0);
  });
});
