import type { ConnectContext, RemoteServerDefinition } from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoDetectTransport, shouldFallBack } from './auto-detect-transport.js';
import { SseConnector, StreamableHttpConnector, WebSocketConnector } from './connectors.js';
import { recordingLogger, type RecordingLogger } from '../test/fake-host.js';
import { startUpstream } from '../test/helpers.js';
import { startEverything, startWebSocketServer, type EverythingServer, type TinyWebSocketServer } from '../test/servers.js';

const SECRET = 'very-secret-header-value';

function remote(transport: RemoteServerDefinition['transport'], url: string, extra: Partial<RemoteServerDefinition> = {}): RemoteServerDefinition {
  return { id: 'remote', name: 'remote', source: 'test', enabled: true, transport, url, headers: { 'X-Api-Key': SECRET }, ...extra };
}

function context(logger: RecordingLogger = recordingLogger()): ConnectContext {
  return { logger, signal: new AbortController().signal };
}

async function connectThrough(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'connector-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function text(result: unknown): string {
  return (result as { content: Array<{ text?: string }> }).content.map((c) => c.text ?? '').join('');
}

describe('remote connectors against server-everything', () => {
  let streamable: EverythingServer;
  let sse: EverythingServer;

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([startEverything('streamableHttp'), startEverything('sse')]);
  });
  afterAll(async () => {
    await Promise.allSettled([streamable?.stop(), sse?.stop()]);
  });

  it('streamable-http: lists tools and calls echo, logging no header values', async () => {
    const logger = recordingLogger();
    const link = await new StreamableHttpConnector().connect(remote('streamable-http', `${streamable.base}/mcp`), context(logger));
    expect(link.transport).toBeInstanceOf(StreamableHTTPClientTransport);
    const client = await connectThrough(link.transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'over streamable http' } }))).toBe('Echo: over streamable http');
    } finally {
      await client.close();
    }
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('X-Api-Key');
    expect(logged).not.toContain(SECRET);
  });

  it('sse: lists tools and calls echo', async () => {
    const link = await new SseConnector().connect(remote('sse', `${sse.base}/sse`), context());
    const client = await connectThrough(link.transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'over sse' } }))).toBe('Echo: over sse');
    } finally {
      await client.close();
    }
  });

  it('auto-detect picks SSE against the SSE-mode server', async () => {
    const logger = recordingLogger();
    const link = await new StreamableHttpConnector().connect(remote('streamable-http', `${sse.base}/sse`, { autoDetect: true }), context(logger));
    expect(link.transport).toBeInstanceOf(AutoDetectTransport);
    const client = await connectThrough(link.transport);
    try {
      expect((link.transport as AutoDetectTransport).transportType).toBe('sse');
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'detected' } }))).toBe('Echo: detected');
    } finally {
      await client.close();
    }
    expect(logger.lines.some((line) => line.message.includes('trying the legacy HTTP+SSE transport'))).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
  });

  it('auto-detect keeps Streamable HTTP against the streamable server', async () => {
    const link = await new StreamableHttpConnector().connect(remote('streamable-http', `${streamable.base}/mcp`, { autoDetect: true }), context());
    const client = await connectThrough(link.transport);
    try {
      const transport = link.transport as AutoDetectTransport;
      expect(transport.transportType).toBe('streamable-http');
      expect(transport.sessionId).toBeTruthy();
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'kept' } }))).toBe('Echo: kept');
    } finally {
      await client.close();
    }
  });
});

describe('websocket connector', () => {
  let ws: TinyWebSocketServer;
  beforeAll(async () => {
    ws = await startWebSocketServer();
  });
  afterAll(async () => {
    await ws?.stop();
  });

  it('round-trips over subprotocol mcp with the configured headers', async () => {
    const link = await new WebSocketConnector().connect(remote('websocket', ws.url), context());
    const client = await connectThrough(link.transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('ws:hello');
    } finally {
      await client.close();
    }
    expect(ws.protocols.at(-1)).toBe('mcp');
    expect(ws.upgrades.at(-1)?.['x-api-key']).toBe(SECRET);
  });

  it('fails to connect to a port nobody listens on', async () => {
    const { freePort } = await import('../test/helpers.js');
    const port = await freePort();
    const link = await new WebSocketConnector().connect(remote('websocket', `ws://127.0.0.1:${port}/`), context());
    await expect(connectThrough(link.transport)).rejects.toThrow();
  });

  it('rejects a definition of another type and a url of the wrong scheme', async () => {
    await expect(new WebSocketConnector().connect(remote('sse', 'http://127.0.0.1:1/sse'), context())).rejects.toThrow(/handles websocket/);
    await expect(new SseConnector().connect(remote('sse', 'ftp://127.0.0.1/sse'), context())).rejects.toThrow(/must start with http/);
  });
});

describe('connectors against our own front door', () => {
  it('streamable-http with a bearer header reaches a protected front door; auto-detect does not fall back on 401', async () => {
    const r = await startUpstream({ authToken: 'front-door-token' });
    try {
      const authed = remote('streamable-http', `${r.base}/mcp`, { headers: { Authorization: 'Bearer front-door-token' } });
      const link = await new StreamableHttpConnector().connect(authed, context());
      const client = await connectThrough(link.transport);
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'loop' } }))).toBe('loop');
      await client.close();

      const sseCalls: string[] = [];
      const noToken = new AutoDetectTransport(new URL(`${r.base}/mcp`), {
        createSse: (url) => {
          sseCalls.push(url.href);
          throw new Error('must not be called');
        },
      });
      const error = await connectThrough(noToken).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(401);
      expect(sseCalls).toEqual([]);
    } finally {
      await r.upstream.stop();
    }
  });

  it('auto-detect falls back to our legacy /sse endpoint (POST /sse is 405 there)', async () => {
    const r = await startUpstream();
    try {
      const transport = new AutoDetectTransport(new URL(`${r.base}/sse`));
      const client = await connectThrough(transport);
      expect(transport.transportType).toBe('sse');
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'legacy' } }))).toBe('legacy');
      await client.close();
    } finally {
      await r.upstream.stop();
    }
  });
});

describe('shouldFallBack', () => {
  it('falls back on 4xx (but not 401/403) and on a non-MCP reply, never on other errors', () => {
    expect(shouldFallBack(new StreamableHTTPError(404, 'not found'))).toBe(true);
    expect(shouldFallBack(new StreamableHTTPError(405, 'method not allowed'))).toBe(true);
    expect(shouldFallBack(new StreamableHTTPError(400, 'bad request'))).toBe(true);
    expect(shouldFallBack(new StreamableHTTPError(-1, 'Unexpected content type: text/html'))).toBe(true);
    expect(shouldFallBack(new StreamableHTTPError(401, 'unauthorized'))).toBe(false);
    expect(shouldFallBack(new StreamableHTTPError(403, 'forbidden'))).toBe(false);
    expect(shouldFallBack(new StreamableHTTPError(500, 'boom'))).toBe(false);
    expect(shouldFallBack(new TypeError('fetch failed'))).toBe(false);
  });
});

describe('the era probe of a protected server (probeHeaders)', () => {
  it("carries the stored login's access token; nothing without a login, with oauth off or with a configured Authorization", async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { TokenStore } = await import('./oauth/token-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'swb-probe-'));
    try {
      const store = new TokenStore(join(dir, 'auth'));
      const connector = new StreamableHttpConnector({ tokenStore: store });
      const server = remote('streamable-http', 'https://mcp.example.com/mcp', { headers: {} });
      expect(await connector.probeHeaders(server)).toEqual({});
      await store.write({
        version: 1,
        server: 'remote',
        url: server.url,
        tokens: { access_token: 'stored-token', token_type: 'Bearer' },
        obtainedAt: Date.now(),
      });
      expect(await connector.probeHeaders(server)).toEqual({ Authorization: 'Bearer stored-token' });
      expect(await connector.probeHeaders({ ...server, oauth: false })).toEqual({});
      expect(await connector.probeHeaders({ ...server, headers: { Authorization: 'Bearer configured' } })).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
