import type { DownstreamConnector } from '@mcp-switchboard/plugin-api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { recordingLogger, server } from '../../test/support/harness.js';
import type { RequestStateWrapper } from './input-bridge.js';
import { MAX_REOPENS } from './listen-stream.js';
import { ServerConnection } from './server-connection.js';
import type { SessionRef, UpstreamExtra } from './session-lanes.js';

type Message = { id?: string | number; method?: string; params?: Record<string, unknown> };

/** An in-memory server that speaks only 2026-07-28: it answers what `answer` says and records every request. */
function modernConnector(answer: (m: Message) => Record<string, unknown> | undefined) {
  const requests: Message[] = [];
  let connects = 0;
  let closed = 0;
  const connector: DownstreamConnector = {
    types: ['stdio'],
    async connect() {
      connects++;
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      serverSide.onmessage = (raw: JSONRPCMessage) => {
        const m = raw as Message;
        if (m.method === undefined || m.id === undefined) return;
        requests.push(m);
        const reply = answer(m);
        if (reply) void serverSide.send({ jsonrpc: '2.0', id: m.id, ...reply } as JSONRPCMessage);
      };
      serverSide.onclose = () => void closed++;
      await serverSide.start();
      return { transport: clientSide };
    },
  };
  return { connector, requests, connects: () => connects, closed: () => closed };
}

const discoverResult = {
  result: {
    resultType: 'complete',
    supportedVersions: ['2026-07-28'],
    capabilities: { tools: {} },
    instructions: 'modern instructions',
    _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'm', version: '1' } },
  },
};

function modernAnswer(m: Message): Record<string, unknown> | undefined {
  if (m.method === 'tools/call' && m.params?.name === 'ask') {
    if (m.params.requestState === 'inner-state') {
      const answer = (m.params.inputResponses as Record<string, { content?: { answer?: string } }> | undefined)?.q?.content?.answer;
      return { result: { resultType: 'complete', content: [{ type: 'text', text: `got ${String(answer)}` }] } };
    }
    return {
      result: {
        resultType: 'input_required',
        inputRequests: { q: { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } } },
        requestState: 'inner-state',
      },
    };
  }
  if (m.method === 'initialize') return { error: { code: -32022, message: 'speaks only 2026-07-28', data: { supported: ['2026-07-28'] } } };
  if (m.method === 'server/discover') return discoverResult;
  if (m.method === 'tools/list') return { result: { resultType: 'complete', tools: [{ name: 't', inputSchema: { type: 'object' } }] } };
  return { error: { code: -32601, message: 'Method not found' } };
}

function connection(connector: DownstreamConnector, pingIntervalMs = 0, definition = server('m')) {
  return new ServerConnection({
    definition,
    connectors: [connector],
    timeouts: { connectMs: 10_000, requestMs: 10_000, maxTotalMs: 60_000 },
    clientInfo: { name: 'switchboard-test', version: '9' },
    logger: recordingLogger(),
    hooks: {
      stateChanged: () => undefined,
      catalogChanged: () => undefined,
      serverRequest: async () => ({}),
      logMessage: () => undefined,
      resourceUpdated: () => undefined,
    },
    supervision: { backoffInitialMs: 10, backoffMaxMs: 10, maxFailures: 5, failureWindowMs: 60_000, circuitOpenMs: 60_000, pingIntervalMs, callWaitMs: 1_000 },
  });
}

describe('a 2026-07-28 downstream', () => {
  it('is probed once, never initialized, and every request carries the reserved _meta keys (traceparent kept)', async () => {
    const fake = modernConnector(modernAnswer);
    const conn = connection(fake.connector);
    await conn.start();
    expect(conn.state).toBe('ready');
    expect(conn.era).toEqual({ era: 'modern', version: '2026-07-28', how: 'discover' });
    expect(conn.instructions).toBe('modern instructions');
    expect(conn.cache.tools.map((t) => t.name)).toEqual(['t']);
    await conn.restart();
    expect(conn.state).toBe('ready');

    const methods = fake.requests.map((r) => r.method);
    expect(methods).not.toContain('initialize');
    expect(methods).not.toContain('ping');
    // The probe once; after the restart the remembered era skips it and server/discover refreshes the capabilities.
    expect(fake.requests.filter((r) => r.id === 'switchboard-era-probe')).toHaveLength(1);
    expect(methods.filter((m) => m === 'server/discover')).toHaveLength(2);
    for (const request of fake.requests) {
      expect(request.params?._meta, request.method).toMatchObject({
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': { sampling: {}, elicitation: {} },
        'io.modelcontextprotocol/clientInfo': { name: 'switchboard-test', version: '9' },
      });
    }

    // A client's own reserved keys are replaced by ours; other _meta keys pass.
    const sent = conn.request('tools/list', {
      _meta: { traceparent: '00-abc-def-01', 'io.modelcontextprotocol/clientInfo': { name: 'upstream', version: '0' } },
    });
    await sent;
    expect(fake.requests.at(-1)?.params?._meta).toMatchObject({
      traceparent: '00-abc-def-01',
      'io.modelcontextprotocol/clientInfo': { name: 'switchboard-test', version: '9' },
    });
    await conn.stop();
  });

  it('HTTP: the era probe of a protected server carries the credentials the connector gives (probeHeaders)', async () => {
    const { createServer } = await import('node:http');
    const seen: Array<string | undefined> = [];
    const web = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer stored-token') {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 'switchboard-era-probe', ...discoverResult }));
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(web.address() as { port: number }).port}/mcp`;
    const definition = { ...server('m'), transport: 'streamable-http', url, headers: {} } as never;
    try {
      for (const credentials of [{}, { Authorization: 'Bearer stored-token' }] as Array<Record<string, string>>) {
        const fake = modernConnector(modernAnswer);
        const conn = connection({ ...fake.connector, types: ['streamable-http'], probeHeaders: async () => credentials }, 0, definition);
        await conn.start();
        // Without the token the probe gets 401: no verdict, so the link is initialized (and this server refuses it).
        expect(conn.era?.era, JSON.stringify(credentials)).toBe(credentials.Authorization ? 'modern' : undefined);
        await conn.stop();
      }
      // Probes without credentials first (the first connection may retry), then with the token.
      expect(seen[0]).toBeUndefined();
      expect(seen.at(-1)).toBe('Bearer stored-token');
    } finally {
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('forgets a remembered era when the server later refuses the handshake (it was replaced), and probes again', async () => {
    let modern = true;
    const fake = modernConnector((m) =>
      modern ? modernAnswer(m) : m.method === 'server/discover' ? { error: { code: -32601, message: 'Method not found' } } : undefined,
    );
    const conn = connection(fake.connector);
    await conn.start();
    expect(conn.era?.era).toBe('modern');
    modern = false; // now a server that refuses server/discover (and never answers initialize here)
    await conn.restart();
    expect(conn.state).toBe('failed'); // a refused handshake opens the circuit
    expect(conn.era).toBeUndefined(); // and the next try probes again
    await conn.stop();
  });

  it('closes the link when the start is abandoned during the era probe (no process left behind)', async () => {
    const fake = modernConnector(() => undefined); // silent: the probe waits
    const conn = connection(fake.connector);
    const starting = conn.start();
    await expect.poll(() => fake.requests.length).toBe(1);
    expect(fake.requests[0]?.method).toBe('server/discover');
    await conn.stop();
    await starting;
    expect(fake.closed()).toBe(1);
    expect(conn.era).toBeUndefined();
  });

  it('bridges input_required to the calling session (2025-era client), or passes it through wrapped (2026-era client)', async () => {
    const fake = modernConnector(modernAnswer);
    const conn = connection(fake.connector);
    await conn.start();
    const asked: unknown[] = [];
    const extra = {
      signal: new AbortController().signal,
      sendRequest: async (request: unknown) => {
        asked.push(request);
        return { action: 'accept', content: { answer: 'Ada' } };
      },
    } as unknown as UpstreamExtra;
    const oldClient: SessionRef = { id: 'old', clientCapabilities: () => ({ elicitation: {} }) };
    const bridged = await conn.forward('tools/call', { name: 'ask' }, { label: 'tools/call "ask"', origin: { session: oldClient, extra } });
    expect(bridged).toMatchObject({ resultType: 'complete', content: [{ text: 'got Ada' }] });
    expect(asked).toEqual([{ method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } }]);

    const noElicitation: SessionRef = { id: 'plain', clientCapabilities: () => ({}) };
    await expect(conn.forward('tools/call', { name: 'ask' }, { label: 'tools/call "ask"', origin: { session: noElicitation, extra } })).rejects.toMatchObject({
      data: { code: 'SWB_INPUT_REQUIRED' },
    });

    const states: RequestStateWrapper = {
      wrap: (state, b) => `wrapped(${b.server},${b.target},${state})`,
      unwrap: (token, b) => {
        const prefix = `wrapped(${b.server},${b.target},`;
        return token.startsWith(prefix) && token.endsWith(')') ? token.slice(prefix.length, -1) : undefined;
      },
    };
    const newClient: SessionRef = { id: 'new', clientCapabilities: () => ({}), inputRequiredHandling: () => ({ kind: 'pass-through', states }) };
    const first = await conn.forward('tools/call', { name: 'ask' }, { label: 'x', origin: { session: newClient, extra } });
    expect(first).toMatchObject({ resultType: 'input_required', requestState: 'wrapped(m,ask,inner-state)' });
    const retry = await conn.forward(
      'tools/call',
      { name: 'ask', inputResponses: { q: { action: 'accept', content: { answer: 'Bo' } } }, requestState: first.requestState },
      { label: 'x', origin: { session: newClient, extra } },
    );
    expect(retry).toMatchObject({ resultType: 'complete', content: [{ text: 'got Bo' }] });
    expect(fake.requests.at(-1)?.params?.requestState).toBe('inner-state');
    await expect(conn.forward('tools/call', { name: 'ask', requestState: 'forged' }, { label: 'x', origin: { session: newClient, extra } })).rejects.toThrow(
      /Invalid requestState/,
    );
    expect(asked).toHaveLength(1); // pass-through never asked anyone
    await conn.stop();
  });

  it('keeps one subscriptions/listen stream for the list changes offered, opened again when the server ends it (a few times)', async () => {
    const fake = modernConnector((m) => {
      if (m.method === 'server/discover') {
        return { result: { ...discoverResult.result, capabilities: { tools: { listChanged: true } } } };
      }
      if (m.method === 'subscriptions/listen') return { result: { _meta: { 'io.modelcontextprotocol/subscriptionId': m.id } } };
      return modernAnswer(m);
    });
    const conn = connection(fake.connector);
    await conn.start();
    const listens = () => fake.requests.filter((r) => r.method === 'subscriptions/listen');
    await expect.poll(() => listens().length).toBe(1 + MAX_REOPENS);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(listens()).toHaveLength(1 + MAX_REOPENS); // and no more
    expect(listens()[0]?.params?.notifications).toEqual({ toolsListChanged: true });
    await conn.stop();
  });
});
