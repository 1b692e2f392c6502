import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { startRawProxy, type RawProxy, type WireMessage } from './helpers/processes.js';
import { everythingEntry } from './helpers/servers.js';

const MODERN = '2026-07-28';
const meta = (extra: Record<string, unknown> = {}, caps: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': caps,
  'io.modelcontextprotocol/clientInfo': { name: 'modern-e2e', version: '1.0.0' },
  ...extra,
});

function resultOf(message: WireMessage): Record<string, unknown> {
  if (message.error) throw new Error(`error ${String(message.error.code)}: ${String(message.error.message)}`);
  return message.result as Record<string, unknown>;
}

/**
 * A 2026-07-28 client and a 2025-era client on the real CLI's stdio front door, in front of server-everything
 * (a 2025-era server): requests with the modern `_meta` are served statelessly, `initialize` still opens a session.
 */
describe('stdio front door: MCP 2026-07-28 requests beside the 2025-era session', () => {
  const t = tempDir({ 'c.json': { mcpServers: { everything: everythingEntry(), asks: fixtureServerEntry('conformance-mrtr') } } });
  let proxy: RawProxy;

  beforeAll(() => {
    proxy = startRawProxy(['--config', t.path('c.json'), '--log-level', 'warn']);
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    t.cleanup();
  });

  it('answers server/discover without initialize', async () => {
    const discover = resultOf(await proxy.request('server/discover', { _meta: meta() }));
    expect(discover.supportedVersions).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
    expect(discover.resultType).toBe('complete');
    expect((discover._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'mcp-switchboard' });
  });

  it('lists and calls tools, gets prompts and reads resources statelessly', async () => {
    const tools = resultOf(await proxy.request('tools/list', { _meta: meta() }));
    expect((tools.tools as Array<{ name: string }>).map((x) => x.name)).toContain('everything__echo');
    expect(tools).toMatchObject({ resultType: 'complete', cacheScope: 'public', ttlMs: 0 });
    const echo = resultOf(await proxy.request('tools/call', { name: 'everything__echo', arguments: { message: 'modern' }, _meta: meta() }));
    expect(echo.content).toEqual([{ type: 'text', text: 'Echo: modern' }]);
    expect(echo.resultType).toBe('complete');
    const prompt = resultOf(await proxy.request('prompts/get', { name: 'everything__simple-prompt', _meta: meta() }));
    expect(prompt.messages).toHaveLength(1);
    const uri = 'demo://resource/static/document/architecture.md';
    const read = resultOf(await proxy.request('resources/read', { uri, _meta: meta() }));
    expect((read.contents as Array<{ uri: string }>)[0]!.uri).toBe(uri);
    expect(read.cacheScope).toBe('private');
  });

  it('relays progress on the request that asked for it', async () => {
    const done = resultOf(
      await proxy.request('tools/call', {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 0.2, steps: 2 },
        _meta: meta({ progressToken: 'modern-progress' }),
      }),
    );
    expect(done.resultType).toBe('complete');
    const progress = proxy.messages().filter((m) => m.method === 'notifications/progress');
    expect(progress.map((m) => (m.params as { progressToken: unknown }).progressToken)).toEqual(['modern-progress', 'modern-progress']);
  });

  it('cancels a stateless request on notifications/cancelled and writes no response for it', async () => {
    proxy.send({
      jsonrpc: '2.0',
      id: 'to-cancel',
      method: 'tools/call',
      params: { name: 'everything__trigger-long-running-operation', arguments: { duration: 30, steps: 30 }, _meta: meta({ progressToken: 'c1' }) },
    });
    await expect
      .poll(() => proxy.messages().some((m) => m.method === 'notifications/progress' && (m.params as { progressToken: unknown }).progressToken === 'c1'), {
        timeout: 10_000,
      })
      .toBe(true);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'to-cancel', reason: 'test' } });
    // A later request is answered while the cancelled one stays unanswered.
    resultOf(await proxy.request('tools/list', { _meta: meta() }));
    expect(proxy.responsesTo('to-cancel')).toEqual([]);
  });

  it('streams list changes on subscriptions/listen, tagged with its id, until the client cancels it', async () => {
    const tagOf = (m: WireMessage) => ((m.params as { _meta?: Record<string, unknown> } | undefined)?._meta ?? {})['io.modelcontextprotocol/subscriptionId'];
    proxy.send({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: meta() } });
    await expect.poll(() => proxy.messages().some((m) => m.method === 'notifications/subscriptions/acknowledged' && tagOf(m) === 'listen-1')).toBe(true);
    resultOf(await proxy.request('tools/call', { name: 'asks__test_trigger_tool_change', arguments: {}, _meta: meta() }));
    await expect
      .poll(() => proxy.messages().some((m) => m.method === 'notifications/tools/list_changed' && tagOf(m) === 'listen-1'), { timeout: 10_000 })
      .toBe(true);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'listen-1' } });
    resultOf(await proxy.request('tools/list', { _meta: meta() }));
    expect(proxy.responsesTo('listen-1')).toEqual([]);
  });

  it('still serves a 2025-era client that initializes, in the same process', async () => {
    await proxy.initialize();
    const tools = resultOf(await proxy.request('tools/list', {}));
    expect(tools.resultType).toBeUndefined();
    expect((tools.tools as Array<{ name: string }>).map((x) => x.name)).toContain('everything__echo');
    const modern = resultOf(await proxy.request('tools/list', { _meta: meta() }));
    expect(modern.resultType).toBe('complete');
  });

  it('refuses what the stateless era removed and versions it does not serve', async () => {
    expect((await proxy.request('ping', { _meta: meta() })).error?.code).toBe(-32601);
    const unsupported = await proxy.request('tools/list', { _meta: meta({ 'io.modelcontextprotocol/protocolVersion': '1999-01-01' }) });
    expect(unsupported.error).toMatchObject({ code: -32022, data: { supported: [MODERN], requested: '1999-01-01' } });
  });
});
