import { SwitchboardError, type FilterContribution, type ToolCallContext } from '@mcp-switchboard/plugin-api';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Loose, callTool, connectClient, connectDirect, listAll, startHub, waitFor, type TestHub } from '../test/support/harness.js';
import { echoServer, exposedAs, fixture, textOf } from '../test/support/fixtures.js';

const VALID = /^[A-Za-z0-9_-]{1,64}$/;
let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

async function hubWith(options: Parameters<typeof startHub>[0]): Promise<TestHub> {
  current = await startHub(options);
  await current.hub.settled();
  return current;
}

describe('catalog and names', () => {
  it('lists and calls a tool that two servers share, once per server', async () => {
    const { hub } = await hubWith({ fixtures: { alpha: { create: echoServer('alpha') }, beta: { create: echoServer('beta') } } });
    const { client } = await connectClient(hub);
    const tools = await listAll(client, 'tools/list', 'tools');
    expect(tools.map((t) => t.name).sort()).toEqual(['alpha__echo', 'beta__echo']);
    expect(tools.find((t) => t.name === 'beta__echo')!.description).toBe('echo from beta');
    expect(textOf(await callTool(client, 'alpha__echo', { text: 'x' }))).toBe('alpha: x');
    expect(textOf(await callTool(client, 'beta__echo', { text: 'y' }))).toBe('beta: y');
    const prompts = await listAll(client, 'prompts/list', 'prompts');
    expect(prompts.map((p) => p.name).sort()).toEqual(['alpha__hello', 'beta__hello']);
    const got = await client.getPrompt({ name: 'beta__hello' });
    expect(got.messages[0]!.content).toEqual({ type: 'text', text: 'hello from beta' });
    expect(hub.tools().map((e) => [e.serverId, e.originalName, e.exposedName])).toEqual([
      ['alpha', 'echo', 'alpha__echo'],
      ['beta', 'echo', 'beta__echo'],
    ]);
  });

  it('shortens a 70-character exposed name to 64 and still routes it', async () => {
    const longName = `t${'x'.repeat(65)}`; // "fx__" + 66 = 70 characters
    const { hub } = await hubWith({
      fixtures: {
        fx: {
          create: fixture('fx', (s) => s.registerTool(longName, { description: 'long' }, async () => ({ content: [{ type: 'text', text: 'long ok' }] }))),
        },
      },
    });
    const { client } = await connectClient(hub);
    const tools = await listAll(client, 'tools/list', 'tools');
    expect(tools).toHaveLength(1);
    const exposed = tools[0]!.name as string;
    expect(`fx__${longName}`).toHaveLength(70);
    expect(exposed.length).toBeLessThanOrEqual(64);
    expect(exposed).toMatch(VALID);
    expect(exposed).not.toBe(`fx__${longName}`);
    expect(textOf(await callTool(client, exposed))).toBe('long ok');
  });

  it('normalises names and resolves clashes deterministically with a warning', async () => {
    const { hub, logs } = await hubWith({
      fixtures: {
        // Two servers whose prefixes normalise to the same text.
        'a.b': { create: echoServer('a.b') },
        a_b: { create: echoServer('a_b') },
      },
    });
    const { client } = await connectClient(hub);
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string);
    expect(names).toHaveLength(2);
    for (const n of names) expect(n).toMatch(VALID);
    expect(names).toContain('a_b__echo'); // "a.b" sorts first and keeps it
    const other = names.find((n) => n !== 'a_b__echo')!;
    expect(other).toMatch(/^a_b__echo_[0-9a-f]{6}$/);
    expect(hub.tools().find((e) => e.exposedName === 'a_b__echo')!.serverId).toBe('a.b');
    expect(textOf(await callTool(client, 'a_b__echo', { text: '1' }))).toBe('a.b: 1');
    expect(textOf(await callTool(client, other, { text: '2' }))).toBe('a_b: 2');
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('collision') && l.message.includes('"a_b"'))).toBe(true);
  });

  it('supports the namespace modes always, on-collision and never', async () => {
    const fixtures = {
      one: { create: echoServer('one', (s) => s.registerTool('only_one', {}, async () => ({ content: [{ type: 'text', text: 'one!' }] }))) },
      two: { create: echoServer('two') },
    };
    const names = async (mode: 'always' | 'on-collision' | 'never') => {
      const { hub } = await hubWith({ fixtures, config: { namespace: { mode, separator: '__', maxLength: 64 } } });
      const { client } = await connectClient(hub);
      const listed = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string).sort();
      const result = textOf(await callTool(client, listed.find((n) => n.includes('only_one'))!));
      await hub.stop();
      return { listed, result };
    };
    expect(await names('always')).toEqual({ listed: ['one__echo', 'one__only_one', 'two__echo'], result: 'one!' });
    expect(await names('on-collision')).toEqual({ listed: ['one__echo', 'only_one', 'two__echo'], result: 'one!' });
    const never = await names('never');
    expect(never.listed).toHaveLength(3);
    expect(never.listed).toContain('echo');
    expect(never.listed).toContain('only_one');
    expect(never.listed.find((n) => n.startsWith('echo_'))).toMatch(/^echo_[0-9a-f]{6}$/);
  });

  it('pages tools/list with its own cursors (pageSize 2) and rejects a bad cursor with -32602', async () => {
    const many = fixture('many', (s) => {
      for (let i = 0; i < 5; i++) s.registerTool(`t${i}`, {}, async () => ({ content: [{ type: 'text', text: String(i) }] }));
    });
    const { hub } = await hubWith({ fixtures: { many: { create: many }, e: { create: echoServer('e') } }, config: { pageSize: 2 } });
    const { client } = await connectClient(hub);
    const first = await client.listTools();
    expect(first.tools).toHaveLength(2);
    expect(first.nextCursor).toBeTypeOf('string');
    const all = await listAll(client, 'tools/list', 'tools');
    expect(all.map((t) => t.name)).toEqual(['e__echo', 'many__t0', 'many__t1', 'many__t2', 'many__t3', 'many__t4']);
    await expect(client.listTools({ cursor: 'not-ours' })).rejects.toMatchObject({ code: -32602 });
  });

  it('answers an unknown tool with -32602 naming it and the closest matches', async () => {
    const { hub } = await hubWith({
      fixtures: {
        alpha: { create: echoServer('alpha', (s) => s.registerTool('add', {}, async () => ({ content: [] }))) },
        beta: { create: echoServer('beta') },
      },
    });
    const { client } = await connectClient(hub);
    const error = await callTool(client, 'alpha__ecoh').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toContain('Unknown tool "alpha__ecoh"');
    expect((error as McpError).message).toContain('alpha__echo');
    expect((error as McpError).message).not.toContain('alpha__add');
    const bare = (await callTool(client, 'echo').catch((e: unknown) => e)) as McpError;
    expect(bare.code).toBe(-32602);
    expect(bare.message).toContain('alpha__echo');
    expect(bare.message).toContain('beta__echo');
    const prompt = (await client.getPrompt({ name: 'beta__helo' }).catch((e: unknown) => e)) as McpError;
    expect(prompt.code).toBe(-32602);
    expect(prompt.message).toContain('beta__hello');
  });

  it("hides a tool a filter rejects and refuses calls to it; beforeToolCall refuses a call with the author's code and fix", async () => {
    const seen: ToolCallContext[] = [];
    const filter: FilterContribution = {
      tool: (_server, tool) => tool.name !== 'secret',
      beforeToolCall: (call) => {
        seen.push(call);
        if (call.tool === 'guarded') throw new SwitchboardError('SWB_TOOL_DENIED', 'denied by policy', { fix: 'Ask an admin for the guarded role.' });
      },
    };
    const fx = echoServer('fx', (s) => {
      s.registerTool('secret', {}, async () => ({ content: [{ type: 'text', text: 'leak' }] }));
      s.registerTool('guarded', {}, async () => ({ content: [{ type: 'text', text: 'ran' }] }));
    });
    const { hub, logs } = await hubWith({ fixtures: { fx: { create: fx } }, filters: [{ pluginId: 'policy', contribution: filter }] });
    const { client } = await connectClient(hub);
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name);
    expect(names).toContain('fx__echo');
    expect(names).toContain('fx__guarded');
    expect(names).not.toContain('fx__secret');
    await expect(callTool(client, 'fx__secret')).rejects.toMatchObject({ code: -32602 });
    const refused = await callTool(client, 'fx__guarded');
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe('Switchboard refused the call to "fx__guarded": denied by policy (SWB_TOOL_DENIED)\nfix: Ask an admin for the guarded role.');
    expect(refused._meta).toEqual({ 'io.mcp-switchboard/error': { code: 'SWB_TOOL_DENIED', fix: 'Ask an admin for the guarded role.', plugin: 'policy' } });
    expect(logs.find((l) => l.message.includes('refused by filter "policy"'))?.fields).toMatchObject({
      plugin: 'policy',
      hook: 'beforeToolCall',
      code: 'SWB_TOOL_DENIED',
    });
    expect(textOf(await callTool(client, 'fx__echo', { text: 'ok' }))).toBe('fx: ok');
    expect(seen.map((c) => [c.tool, c.exposedName, c.server.id])).toEqual([
      ['guarded', 'fx__guarded', 'fx'],
      ['echo', 'fx__echo', 'fx'],
    ]);
  });

  it("reports a bug in a filter's hook as that plugin's: an internal error naming it, logged with hook and stack; the call is not forwarded", async () => {
    let ran = 0;
    const buggy: FilterContribution = {
      tool: (_server, tool) => (tool.name === 'odd' ? (undefined as unknown as { x: boolean }).x : true),
      beforeToolCall: (call) => {
        if (call.tool === 'counted') (call.arguments as unknown as { missing: { deep: number } }).missing.deep++;
      },
    };
    const fx = echoServer('fx', (s) => {
      s.registerTool('odd', {}, async () => ({ content: [{ type: 'text', text: 'odd' }] }));
      s.registerTool('counted', {}, async () => ((ran += 1), { content: [{ type: 'text', text: 'ran' }] }));
    });
    const { hub, logs } = await hubWith({ fixtures: { fx: { create: fx } }, filters: [{ pluginId: 'buggy-guard', contribution: buggy }] });
    const { client } = await connectClient(hub);
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name);
    // tool() threw: the tool is hidden (fail closed) and the warning names the plugin and hook.
    expect(names).not.toContain('fx__odd');
    const hidden = logs.find((l) => l.message.includes('threw in tool()'));
    expect(hidden?.message).toContain('filter "buggy-guard" threw in tool() while deciding whether to show tool "odd" of server "fx"');
    expect(hidden?.fields).toMatchObject({ plugin: 'buggy-guard', hook: 'tool' });
    expect((hidden?.fields.err as Error | undefined)?.stack).toContain('TypeError');

    const error = (await callTool(client, 'fx__counted', {}).catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32603);
    expect(error.message).toContain('Internal error in plugin "buggy-guard" (beforeToolCall) on tool "fx__counted"');
    expect(error.data).toMatchObject({ code: 'SWB_PLUGIN_HOOK', plugin: 'buggy-guard', hook: 'beforeToolCall' });
    expect(ran).toBe(0);
    const logged = logs.find((l) => l.level === 'error' && l.message.includes('failed in beforeToolCall()'));
    expect(logged?.fields).toMatchObject({ plugin: 'buggy-guard', hook: 'beforeToolCall', tool: 'fx__counted', server: 'fx', code: 'SWB_PLUGIN_HOOK' });
    expect((logged?.fields.err as Error | undefined)?.stack).toMatch(/TypeError: Cannot read properties of undefined/);
  });

  it('answers a call whose beforeToolCall never settles with an internal error naming the plugin, after the hook time limit', async () => {
    // The hub's clock: timers run only when the test fires them (supervision's own timers are never fired here).
    const timers = new Map<number, { ms: number; fire: () => void }>();
    let nextTimer = 0;
    const clock = {
      now: () => Date.now(),
      setTimeout: (fire: () => void, ms: number) => (timers.set(++nextTimer, { ms, fire }), nextTimer),
      clearTimeout: (id: unknown) => void timers.delete(id as number),
    };
    const stuck: FilterContribution = { beforeToolCall: () => new Promise<void>(() => {}) };
    const { hub, logs } = await hubWith({
      fixtures: { fx: { create: echoServer('fx') } },
      filters: [{ pluginId: 'stuck-guard', contribution: stuck }],
      extra: { clock, hookTimeoutMs: 4321 },
    });
    const { client } = await connectClient(hub);
    const call = callTool(client, 'fx__echo', { text: 'hi' }).catch((e: unknown) => e);
    const hookTimer = await waitFor(() => [...timers.values()].find((t) => t.ms === 4321), 5_000, 'the hook timer');
    hookTimer!.fire();
    const error = (await call) as McpError;
    expect(error.code).toBe(-32603);
    expect(error.data).toMatchObject({ code: 'SWB_PLUGIN_HOOK', plugin: 'stuck-guard', hook: 'beforeToolCall' });
    expect(logs.find((l) => l.level === 'error' && l.message.includes('stuck-guard'))?.fields).toMatchObject({ plugin: 'stuck-guard', hook: 'beforeToolCall' });
    expect(String((logs.find((l) => l.message.includes('stuck-guard'))?.fields.err as Error | undefined)?.message)).toBe('did not answer within 4321 ms');
  });

  it("rebuilds the catalog when a filter's rules change and tells clients", async () => {
    let hidden = false;
    const listeners = new Set<() => void>();
    const filter: FilterContribution = {
      tool: () => !hidden,
      onChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const { hub } = await hubWith({ fixtures: { fx: { create: echoServer('fx') } }, filters: [filter] });
    let changed = 0;
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1)),
    });
    expect((await client.listTools()).tools).toHaveLength(1);
    hidden = true;
    for (const l of listeners) l();
    await waitFor(() => changed > 0, 10_000, 'list_changed');
    expect((await client.listTools()).tools).toHaveLength(0);
  });

  it('sends ONE tools/list_changed for a burst of downstream changes, and the new tools are callable', async () => {
    const { hub, connector } = await hubWith({ fixtures: { fx: { create: echoServer('fx') }, other: { create: echoServer('other') } } });
    let changed = 0;
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1)),
    });
    expect((await client.listTools()).tools).toHaveLength(2);
    const fx = connector.servers.get('fx')!;
    // Two tools added at run time: two downstream list_changed notifications.
    fx.registerTool('added1', { inputSchema: { n: z.number() } }, async ({ n }) => ({ content: [{ type: 'text', text: `added1 ${n}` }] }));
    fx.registerTool('added2', {}, async () => ({ content: [{ type: 'text', text: 'added2' }] }));
    await waitFor(() => changed > 0, 10_000, 'list_changed');
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['fx__added1', 'fx__added2']));
    expect(textOf(await callTool(client, 'fx__added1', { n: 3 }))).toBe('added1 3');
    expect(textOf(await callTool(client, 'fx__added2'))).toBe('added2');
    // Give any straggler notification time to arrive: there must be none.
    await new Promise((r) => setTimeout(r, 300));
    expect(changed).toBe(1);
  });

  it('keeps every field of a definition (title, annotations, outputSchema, _meta) as the server gave it, titles prefixed like names', async () => {
    const fx = fixture('fx', (s) =>
      s.registerTool(
        'rich',
        {
          title: 'Rich Tool',
          description: 'has everything',
          inputSchema: { q: z.string() },
          outputSchema: { answer: z.string() },
          annotations: { readOnlyHint: true, openWorldHint: false },
          _meta: { 'example.com/x': 1 },
        },
        async ({ q }) => ({ content: [{ type: 'text', text: q }], structuredContent: { answer: q }, _meta: { trace: 'abc' } }),
      ),
    );
    const { hub } = await hubWith({ fixtures: { fx: { create: fx } } });
    const { client } = await connectClient(hub);
    const [tool] = (await listAll(client, 'tools/list', 'tools')) as Array<Record<string, unknown>>;
    // The same server, asked directly.
    const direct = await connectDirect(fx());
    const [directTool] = (await listAll(direct, 'tools/list', 'tools')) as Array<Record<string, unknown>>;
    expect(tool).toEqual(exposedAs(directTool!, 'fx__rich', { id: 'fx' }));
    expect(tool!.title).toBe('fx: Rich Tool');
    const viaHub = await callTool(client, 'fx__rich', { q: 'hi' });
    const viaDirect = await callTool(direct, 'rich', { q: 'hi' });
    expect(viaHub).toEqual(viaDirect);
    expect(viaHub.structuredContent).toEqual({ answer: 'hi' });
    expect(viaHub._meta).toEqual({ trace: 'abc' });
    await direct.close();
  });

  it('passes fields it does not know (future protocol fields) through lists and results untouched', async () => {
    const tool = { name: 'odd', inputSchema: { type: 'object' }, icons: [{ src: 'https://x/i.png' }], 'x-vendor': { deep: [1, 2] } };
    const result = {
      content: [
        { type: 'text', text: 'hi', futureField: { a: 1 } },
        { type: 'resource_link', uri: 'x://y', name: 'y', extra: true },
      ],
      structuredContent: { k: 'v' },
      futureTop: 42,
      _meta: { m: 1 },
    };
    const { hub } = await hubWith({
      fixtures: {
        raw: {
          raw: (method, params) => {
            if (method === 'initialize') return { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } };
            if (method === 'tools/list') return { tools: [tool] };
            if (method === 'tools/call') {
              expect(params).toMatchObject({ name: 'odd', arguments: { q: 1 }, futureParam: 'kept' });
              return result;
            }
            throw new Error(`unexpected ${method}`);
          },
        },
      },
    });
    const { client } = await connectClient(hub);
    expect(await listAll(client, 'tools/list', 'tools')).toEqual([exposedAs(tool, 'raw__odd', { id: 'raw' })]);
    const got = await client.request({ method: 'tools/call', params: { name: 'raw__odd', arguments: { q: 1 }, futureParam: 'kept' } } as never, Loose);
    expect(got).toEqual(result);
  });
});
