import type { StatelessNotification, StatelessRequest, StatelessResponse } from '@mcp-switchboard/plugin-api';
import { CreateMessageResultSchema, ElicitResultSchema, ListRootsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startHub, type TestHub } from '../../test/support/harness.js';
import { echoServer, fixture } from '../../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

const MODERN = '2026-07-28';
const CLIENT_INFO = { name: 'modern-client', version: '1.0.0' };
let nextId = 1;

function modern(
  method: string,
  params: Record<string, unknown> = {},
  caps: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): StatelessRequest {
  return {
    jsonrpc: '2.0',
    id: nextId++,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': caps,
        'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
        ...meta,
      },
    },
  };
}

function result(response: StatelessResponse): Record<string, unknown> {
  if ('error' in response) throw new Error(`expected a result, got error ${response.error.code}: ${response.error.message}`);
  return response.result;
}

function error(response: StatelessResponse): { code: number; message: string; data?: unknown } {
  if (!('error' in response)) throw new Error(`expected an error, got ${JSON.stringify(response.result)}`);
  return response.error;
}

const textOf = (r: Record<string, unknown>) => (r.content as Array<{ text: string }>).map((c) => c.text).join('\n');

const asker = fixture(
  'asker',
  (s) => {
    s.registerTool('elicit', { inputSchema: {} }, async (_args, extra) => {
      const first = await extra.sendRequest(
        { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } },
        ElicitResultSchema,
      );
      const second = await extra.sendRequest(
        { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 } },
        CreateMessageResultSchema,
      );
      return { content: [{ type: 'text', text: `${JSON.stringify(first.content)} ${(second.content as { text: string }).text}` }] };
    });
    s.registerTool('roots', { inputSchema: {} }, async (_args, extra) => {
      try {
        const listed = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
        return { content: [{ type: 'text', text: listed.roots.map((r) => r.uri).join(',') }] };
      } catch (e) {
        return { content: [{ type: 'text', text: `refused: ${(e as Error).message}` }] };
      }
    });
    s.registerTool('named', { inputSchema: {} }, async (_args, extra) => {
      const [who, greeting] = await Promise.all([
        extra.sendRequest(
          {
            method: 'elicitation/create',
            params: { message: 'name?', requestedSchema: { type: 'object', properties: {} }, _meta: { 'mcp-switchboard/inputKey': 'user_name' } },
          },
          ElicitResultSchema,
        ),
        extra.sendRequest(
          {
            method: 'sampling/createMessage',
            params: { messages: [{ role: 'user', content: { type: 'text', text: 'greet' } }], maxTokens: 5, _meta: { 'mcp-switchboard/inputKey': 'greeting' } },
          },
          CreateMessageResultSchema,
        ),
      ]);
      return { content: [{ type: 'text', text: `${String(who.content?.name)} ${(greeting.content as { text: string }).text}` }] };
    });
    s.registerTool('grow', { inputSchema: {} }, async () => {
      s.registerTool(`grown_${++grown}`, { inputSchema: {} }, async () => ({ content: [] }));
      return { content: [{ type: 'text', text: 'grown' }] };
    });
    s.registerTool('chatty', { inputSchema: {} }, async (_args, extra) => {
      for (const level of ['debug', 'warning'] as const) {
        await extra.sendNotification({ method: 'notifications/message', params: { level, data: `a ${level} line` } });
      }
      return { content: [{ type: 'text', text: 'said' }] };
    });
    s.registerTool('meta', { inputSchema: {} }, async (_args, extra) => ({ content: [{ type: 'text', text: JSON.stringify(extra._meta ?? {}) }] }));
    s.registerTool('work', { inputSchema: { steps: z.number() } }, async ({ steps }, extra) => {
      for (let i = 1; i <= steps; i++) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: i, total: steps } });
      }
      return { content: [{ type: 'text', text: 'done' }] };
    });
    s.registerTool('hang', { inputSchema: {} }, async (_args, extra) => {
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      cancelled.push('hang');
      return { content: [{ type: 'text', text: 'cancelled' }] };
    });
  },
  { capabilities: { logging: {} } },
);
const cancelled: string[] = [];
let grown = 0;

async function hub(options: Partial<Parameters<typeof startHub>[0]> = {}): Promise<TestHub> {
  current = await startHub({
    fixtures: { one: { create: echoServer('one') }, asker: { create: asker } },
    config: { namespace: { mode: 'always', separator: '__', maxLength: 64 }, profiles: { solo: { servers: ['one'] } } } as never,
    ...options,
  });
  await current.hub.settled();
  return current;
}

describe('stateless dispatcher: protocol fields', () => {
  it('answers server/discover with the versions it serves, its capabilities and identity', async () => {
    const { hub: h } = await hub();
    const discover = result(await h.serveStateless(modern('server/discover')));
    expect(discover.supportedVersions).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
    expect(discover.capabilities).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      completions: {},
    });
    expect(discover).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'public' });
    expect((discover._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'mcp-switchboard' });
  });

  it('refuses a request without the required _meta fields with -32602', async () => {
    const { hub: h } = await hub();
    const noMeta = error(await h.serveStateless({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
    expect(noMeta.code).toBe(-32602);
    const noCaps = modern('tools/list');
    delete (noCaps.params!._meta as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
    expect(error(await h.serveStateless(noCaps)).code).toBe(-32602);
    const badInfo = modern('tools/list', {}, {}, { 'io.modelcontextprotocol/clientInfo': 'me' });
    expect(error(await h.serveStateless(badInfo)).code).toBe(-32602);
  });

  it('answers a version it does not serve statelessly with -32022, naming the supported and requested versions', async () => {
    const { hub: h } = await hub();
    for (const version of ['1900-01-01', '2025-11-25']) {
      const e = error(await h.serveStateless(modern('tools/list', {}, {}, { 'io.modelcontextprotocol/protocolVersion': version })));
      expect(e).toMatchObject({ code: -32022, data: { supported: [MODERN], requested: version } });
    }
  });

  it('answers the methods the stateless era removed (and unknown ones) with -32601', async () => {
    const { hub: h } = await hub();
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'no/such']) {
      expect(error(await h.serveStateless(modern(method))).code, method).toBe(-32601);
    }
  });
});

describe('stateless dispatcher: routing', () => {
  it('lists through the catalog with resultType, caching hints and serverInfo; a profile makes the list private', async () => {
    const { hub: h } = await hub();
    const all = result(await h.serveStateless(modern('tools/list')));
    expect((all.tools as Array<{ name: string }>).map((t) => t.name)).toContain('one__echo');
    expect(all).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'public' });
    const solo = result(await h.serveStateless(modern('tools/list'), { profile: 'solo' }));
    expect((solo.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['one__echo']);
    expect(solo.cacheScope).toBe('private');
    expect(result(await h.serveStateless(modern('prompts/list'))).prompts).toEqual([expect.objectContaining({ name: 'one__hello' })]);
  });

  it('makes a list private when a filter hides part of it', async () => {
    const { hub: h } = await hub({ filters: [{ tool: (_server, tool) => tool.name !== 'meta' }] });
    const tools = result(await h.serveStateless(modern('tools/list')));
    expect((tools.tools as Array<{ name: string }>).map((t) => t.name)).not.toContain('asker__meta');
    expect(tools.cacheScope).toBe('private');
    expect(result(await h.serveStateless(modern('prompts/list'))).cacheScope).toBe('public');
  });

  it('calls a tool, keeping the client hop reserved _meta keys to itself', async () => {
    const { hub: h } = await hub();
    const echo = result(await h.serveStateless(modern('tools/call', { name: 'one__echo', arguments: { text: 'hi' } })));
    expect(textOf(echo)).toBe('one: hi');
    expect(echo.resultType).toBe('complete');
    expect(echo.ttlMs).toBeUndefined();
    const meta = result(await h.serveStateless(modern('tools/call', { name: 'asker__meta', arguments: {} }, {}, { traceparent: '00-abc-def-01' })));
    const seen = JSON.parse(textOf(meta)) as Record<string, unknown>;
    expect(seen.traceparent).toBe('00-abc-def-01');
    expect(Object.keys(seen).filter((k) => k.startsWith('io.modelcontextprotocol/'))).toEqual([]);
  });

  it('relays progress to the request that asked for it', async () => {
    const { hub: h } = await hub();
    const seen: StatelessNotification[] = [];
    const done = result(
      await h.serveStateless(modern('tools/call', { name: 'asker__work', arguments: { steps: 3 } }, {}, { progressToken: 'p1' }), {
        notify: (n) => seen.push(n),
      }),
    );
    expect(textOf(done)).toBe('done');
    expect(seen.map((n) => [n.method, n.params?.progressToken, n.params?.progress])).toEqual([
      ['notifications/progress', 'p1', 1],
      ['notifications/progress', 'p1', 2],
      ['notifications/progress', 'p1', 3],
    ]);
  });

  it('relays a server’s log messages only to a request that set a logLevel, from that level up', async () => {
    const { hub: h } = await hub();
    const quiet: StatelessNotification[] = [];
    result(await h.serveStateless(modern('tools/call', { name: 'asker__chatty', arguments: {} }), { notify: (n) => quiet.push(n) }));
    expect(quiet).toEqual([]);
    const told: StatelessNotification[] = [];
    const call = modern('tools/call', { name: 'asker__chatty', arguments: {} }, {}, { 'io.modelcontextprotocol/logLevel': 'info' });
    result(await h.serveStateless(call, { notify: (n) => told.push(n) }));
    expect(told.map((n) => [n.method, n.params?.level])).toEqual([['notifications/message', 'warning']]);
  });

  it('cancels the downstream call when the client abandons the request', async () => {
    const { hub: h } = await hub();
    const abort = new AbortController();
    const pending = h.serveStateless(modern('tools/call', { name: 'asker__hang', arguments: {} }), { signal: abort.signal });
    await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    expect(error(await pending).code).toBeLessThan(0);
    await expect.poll(() => cancelled).toContain('hang');
  });

  it('answers an unknown tool and an unknown resource with -32602', async () => {
    const { hub: h } = await hub();
    expect(error(await h.serveStateless(modern('tools/call', { name: 'nope', arguments: {} }))).code).toBe(-32602);
    expect(error(await h.serveStateless(modern('resources/read', { uri: 'test://none' }))).code).toBe(-32602);
  });
});

describe('stateless dispatcher: subscriptions/listen', () => {
  it('acknowledges first, then delivers only the list changes asked for, tagged with the subscription id', async () => {
    const { hub: h } = await hub();
    const seen: StatelessNotification[] = [];
    const abort = new AbortController();
    const listen = modern('subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['test://nowhere'] } });
    const stream = h.serveStateless(listen, { notify: (n) => seen.push(n), signal: abort.signal });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual({
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': listen.id }, notifications: { toolsListChanged: true, resourceSubscriptions: [] } },
    });
    result(await h.serveStateless(modern('tools/call', { name: 'asker__grow', arguments: {} })));
    await expect.poll(() => seen.map((n) => n.method)).toContain('notifications/tools/list_changed');
    const changed = seen.find((n) => n.method === 'notifications/tools/list_changed')!;
    expect(changed.params?._meta).toEqual({ 'io.modelcontextprotocol/subscriptionId': listen.id });
    expect(seen.some((n) => n.method === 'notifications/prompts/list_changed')).toBe(false);
    abort.abort();
    expect(result(await stream)._meta).toMatchObject({ 'io.modelcontextprotocol/subscriptionId': listen.id });
  });

  it('ends open streams with a result when the hub stops', async () => {
    const { hub: h } = await hub();
    let acknowledged = false;
    const stream = h.serveStateless(modern('subscriptions/listen', { notifications: { promptsListChanged: true } }), { notify: () => (acknowledged = true) });
    await expect.poll(() => acknowledged).toBe(true);
    await h.stop();
    expect(result(await stream).resultType).toBe('complete');
  });
});

describe('stateless dispatcher: a 2025-era server asking the client (input_required)', () => {
  const caps = { elicitation: {}, sampling: {} };
  const callElicit = (extra: Record<string, unknown> = {}, c: Record<string, unknown> = caps) =>
    modern('tools/call', { name: 'asker__elicit', arguments: {}, ...extra }, c);

  it('turns each downstream request into input_required and resumes the call with the retry', async () => {
    const { hub: h } = await hub();
    const first = result(await h.serveStateless(callElicit()));
    expect(first.resultType).toBe('input_required');
    const [key1, ask1] = Object.entries(first.inputRequests as Record<string, { method: string }>)[0]!;
    expect(ask1.method).toBe('elicitation/create');
    expect(typeof first.requestState).toBe('string');

    const second = result(
      await h.serveStateless(callElicit({ requestState: first.requestState, inputResponses: { [key1]: { action: 'accept', content: { name: 'Ada' } } } })),
    );
    expect(second.resultType).toBe('input_required');
    const [key2, ask2] = Object.entries(second.inputRequests as Record<string, { method: string }>)[0]!;
    expect(ask2.method).toBe('sampling/createMessage');

    const done = result(
      await h.serveStateless(
        callElicit({
          requestState: second.requestState,
          inputResponses: { [key2]: { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'm', stopReason: 'endTurn' } },
        }),
      ),
    );
    expect(done.resultType).toBe('complete');
    expect(textOf(done)).toBe('{"name":"Ada"} sampled');
  });

  it('asks what a server asks at once in one round, under the names the server gave', async () => {
    const { hub: h } = await hub();
    const call = (extra: Record<string, unknown> = {}) => modern('tools/call', { name: 'asker__named', arguments: {}, ...extra }, caps);
    const first = result(await h.serveStateless(call()));
    const requests = first.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    expect(Object.keys(requests).sort()).toEqual(['greeting', 'user_name']);
    expect(requests.user_name!.params._meta).toBeUndefined();
    const answers = {
      user_name: { action: 'accept', content: { name: 'Ada' } },
      greeting: { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' },
    };
    expect(textOf(result(await h.serveStateless(call({ requestState: first.requestState, inputResponses: answers }))))).toBe('Ada hi');
    // The stateless pattern: answers given up front, without requestState, complete a fresh call.
    expect(textOf(result(await h.serveStateless(call({ inputResponses: { ...answers, extra_key: { action: 'decline' } } }))))).toBe('Ada hi');
  });

  it('lets other requests reach a server while one of its calls waits for the client', async () => {
    const { hub: h } = await hub();
    const first = result(await h.serveStateless(callElicit()));
    expect(first.resultType).toBe('input_required');
    // The server asked a client something, so its connection now has session lanes; the suspended call holds none.
    const other = result(await h.serveStateless(modern('tools/call', { name: 'asker__meta', arguments: {} })));
    expect(other.resultType).toBe('complete');
    const key = Object.keys(first.inputRequests as object)[0]!;
    const second = result(await h.serveStateless(callElicit({ requestState: first.requestState, inputResponses: { [key]: { action: 'decline' } } })));
    expect(second.resultType).toBe('input_required');
  });

  it('asks again for what a retry did not answer', async () => {
    const { hub: h } = await hub();
    const first = result(await h.serveStateless(callElicit()));
    const again = result(await h.serveStateless(callElicit({ requestState: first.requestState, inputResponses: {} })));
    expect(again.resultType).toBe('input_required');
    expect(Object.keys(again.inputRequests as object)).toEqual(Object.keys(first.inputRequests as object));
  });

  it('refuses tampered, replayed and misapplied requestState with -32602', async () => {
    const { hub: h } = await hub();
    const first = result(await h.serveStateless(callElicit()));
    const state = first.requestState as string;
    const key = Object.keys(first.inputRequests as object)[0]!;
    const answer = { [key]: { action: 'decline' } };
    const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(error(await h.serveStateless(callElicit({ requestState: tampered, inputResponses: answer })))).toMatchObject({
      code: -32602,
      data: { reason: 'tampered' },
    });
    const other = modern('tools/call', { name: 'asker__meta', arguments: {}, requestState: state, inputResponses: answer }, caps);
    expect(error(await h.serveStateless(other))).toMatchObject({ code: -32602, data: { reason: 'mismatch' } });
    const otherProfile = callElicit({ requestState: state, inputResponses: answer });
    expect(error(await h.serveStateless(otherProfile, { profile: 'solo' }))).toMatchObject({ code: -32602, data: { reason: 'mismatch' } });
    expect(result(await h.serveStateless(callElicit({ requestState: state, inputResponses: answer }))).resultType).toBe('input_required');
    expect(error(await h.serveStateless(callElicit({ requestState: state, inputResponses: answer })))).toMatchObject({
      code: -32602,
      data: { reason: 'unknown' },
    });
  });

  it('bridges roots/list for a client with roots, and refuses it to the server (only) for one without', async () => {
    const { hub: h } = await hub();
    const ask = result(await h.serveStateless(modern('tools/call', { name: 'asker__roots', arguments: {} }, { roots: {} })));
    expect(ask.resultType).toBe('input_required');
    const [key, request] = Object.entries(ask.inputRequests as Record<string, { method: string }>)[0]!;
    expect(request.method).toBe('roots/list');
    const answered = result(
      await h.serveStateless(
        modern(
          'tools/call',
          { name: 'asker__roots', arguments: {}, requestState: ask.requestState, inputResponses: { [key]: { roots: [{ uri: 'file:///w' }] } } },
          { roots: {} },
        ),
      ),
    );
    expect(textOf(answered)).toBe('file:///w');
    const without = result(await h.serveStateless(modern('tools/call', { name: 'asker__roots', arguments: {} })));
    expect(without.resultType).toBe('complete');
    expect(textOf(without)).toContain('refused');
  });

  it('answers -32021 naming the capability when the client did not declare it', async () => {
    const { hub: h } = await hub();
    const e = error(await h.serveStateless(callElicit({}, { sampling: {} })));
    expect(e).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: {} } } });
  });
});
