import { SwitchboardError, type MiddlewareContribution, type SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Loose, callTool, connectClient, listAll, startHub, waitFor, type TestHub } from '../test/support/harness.js';
import { echoServer, textOf } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

async function hubWith(middleware: Array<{ pluginId: string; contribution: MiddlewareContribution }>, extra: Record<string, unknown> = {}): Promise<TestHub> {
  current = await startHub({
    fixtures: { everything: { create: echoServer('everything') }, other: { create: echoServer('other') } },
    extra: { middleware, ...extra },
    // These tests read call events: with middleware a call takes the pipeline, which reports them when wanted.
    callEvents: true,
  });
  await current.hub.settled();
  return current;
}

const rename: MiddlewareContribution = {
  tool: (item) => (item.exposedName === 'everything__echo' ? { name: 'say', description: 'Says it back.', annotations: { readOnlyHint: true } } : undefined),
};

describe('middleware: list transforms', () => {
  it('renames and re-describes a tool; the new name routes to the server and tool it came from', async () => {
    const { hub, events } = await hubWith([{ pluginId: 'rename', contribution: rename }]);
    const { client } = await connectClient(hub);
    const tools = await listAll(client, 'tools/list', 'tools');
    const say = tools.find((t) => t.name === 'say')!;
    expect(say).toMatchObject({ description: 'Says it back.', annotations: { readOnlyHint: true } });
    expect((say._meta as Record<string, unknown>)['io.mcp-switchboard/originalName']).toBe('echo');
    expect(tools.map((t) => t.name)).not.toContain('everything__echo');
    expect(tools.map((t) => t.name)).toContain('other__echo');

    expect(textOf(await callTool(client, 'say', { text: 'hi' }))).toBe('everything: hi');
    const finished = await waitFor(() => events.find((e): e is Extract<SwitchboardEvent, { type: 'call.finished' }> => e.type === 'call.finished'));
    expect(finished).toMatchObject({ item: 'echo', exposedName: 'say', server: { id: 'everything' } });

    // The old name is gone: unknown, with call.unknown for reporters.
    await expect(callTool(client, 'everything__echo', { text: 'hi' })).rejects.toThrow(/Unknown tool "everything__echo"/);
    expect(events.find((e) => e.type === 'call.unknown')).toMatchObject({ kind: 'tool', name: 'everything__echo' });
  });

  it('hides (not callable), unlists (still callable) and adds a virtual tool that reaches the rest', async () => {
    const middleware: MiddlewareContribution = {
      tool: (item) => (item.server.id === 'other' ? false : { listed: false }),
      virtualTools: () => [
        {
          definition: { name: 'call_tool', description: 'Calls any tool by name.', inputSchema: { type: 'object' } },
          async call(args, context) {
            const names = context.tools().map((t) => `${t.exposedName}${t.listed ? '' : ' (unlisted)'}`);
            const result = await context.callTool(String(args?.name), args?.arguments as Record<string, unknown>);
            return { content: [...result.content, { type: 'text', text: names.join(', ') }] };
          },
        },
      ],
    };
    const { hub } = await hubWith([{ pluginId: 'search', contribution: middleware }]);
    const { client } = await connectClient(hub);
    expect((await listAll(client, 'tools/list', 'tools')).map((t) => t.name)).toEqual(['call_tool']);
    expect(textOf(await callTool(client, 'everything__echo', { text: 'direct' }))).toBe('everything: direct');
    const viaMeta = await callTool(client, 'call_tool', { name: 'everything__echo', arguments: { text: 'meta' } });
    expect(textOf(viaMeta)).toBe('everything: meta\neverything__echo (unlisted), call_tool');
    await expect(callTool(client, 'other__echo', { text: 'x' })).rejects.toThrow(/hidden/);
  });

  it('hides a tool whose middleware throws in tool(), with a warning naming the plugin', async () => {
    const { hub, logs } = await hubWith([
      {
        pluginId: 'broken',
        contribution: {
          tool: () => {
            throw new TypeError('boom');
          },
        },
      },
    ]);
    const { client } = await connectClient(hub);
    expect(await listAll(client, 'tools/list', 'tools')).toEqual([]);
    expect(logs.find((l) => l.message.includes('middleware "broken" threw in tool()'))).toBeDefined();
  });
});

describe('middleware: call interception', () => {
  it('rewrites arguments before, transforms the result after (in reverse order)', async () => {
    const order: string[] = [];
    const first: MiddlewareContribution = {
      beforeToolCall: (call) => (order.push('first.before'), { action: 'continue', arguments: { text: `${String(call.arguments?.text)}!` } }),
      afterToolCall: (_call, result) => (order.push('first.after'), { ...result, content: [{ type: 'text', text: 'redacted' }] }),
    };
    const second: MiddlewareContribution = {
      beforeToolCall: (call) => void order.push(`second.before:${String(call.arguments?.text)}`),
      afterToolCall: (_call, result) => void order.push(`second.after:${textOf(result as never)}`),
    };
    const { hub } = await hubWith([
      { pluginId: 'first', contribution: first },
      { pluginId: 'second', contribution: second },
    ]);
    const { client } = await connectClient(hub);
    expect(textOf(await callTool(client, 'everything__echo', { text: 'hi' }))).toBe('redacted');
    expect(order).toEqual(['first.before', 'second.before:hi!', 'second.after:everything: hi!', 'first.after']);
  });

  it('refuses with the plugin’s own code (call.refused names the plugin), or answers without forwarding', async () => {
    const guard: MiddlewareContribution = {
      beforeToolCall: (call) =>
        call.arguments?.text === 'no'
          ? { action: 'refuse', code: 'PIN_CHANGED', message: 'the definition changed', fix: 'Run pins approve.' }
          : call.arguments?.text === 'cached'
            ? { action: 'answer', result: { content: [{ type: 'text', text: 'from cache' }] } }
            : undefined,
    };
    const { hub, events } = await hubWith([{ pluginId: 'guard', contribution: guard }]);
    const { client } = await connectClient(hub);
    const refused = await callTool(client, 'everything__echo', { text: 'no' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('the definition changed (PIN_CHANGED)\nfix: Run pins approve.');
    expect((refused._meta as Record<string, unknown>)['io.mcp-switchboard/error']).toEqual({ code: 'PIN_CHANGED', fix: 'Run pins approve.', plugin: 'guard' });
    expect(events.find((e) => e.type === 'call.refused')).toMatchObject({
      plugin: 'guard',
      code: 'PIN_CHANGED',
      exposedName: 'everything__echo',
      item: 'echo',
    });
    expect(textOf(await callTool(client, 'everything__echo', { text: 'cached' }))).toBe('from cache');
    expect(events.filter((e) => e.type === 'call.started')).toHaveLength(0);
  });

  it('answers a bug in a call hook as an internal error naming the plugin, and a hung one after the time limit', async () => {
    const buggy: MiddlewareContribution = {
      beforeToolCall: (call) => {
        if (call.arguments?.text === 'hang') return new Promise(() => undefined);
        if (call.arguments?.text === 'bug') throw new TypeError('oops');
        if (call.arguments?.text === 'deny') throw new SwitchboardError('SWB_TOOL_DENIED', 'not today', { fix: 'Try tomorrow.' });
        return undefined;
      },
    };
    const { hub, logs } = await hubWith([{ pluginId: 'buggy', contribution: buggy }], { hookTimeoutMs: 50 });
    const { client } = await connectClient(hub);
    const bug = await callTool(client, 'everything__echo', { text: 'bug' }).catch((e: McpError) => e);
    expect(bug).toBeInstanceOf(McpError);
    expect((bug as McpError).message).toContain('Internal error in plugin "buggy" (beforeToolCall)');
    expect((bug as McpError).data).toMatchObject({ code: 'SWB_PLUGIN_HOOK', plugin: 'buggy', hook: 'beforeToolCall' });
    expect(logs.find((l) => l.level === 'error' && l.message.includes('middleware "buggy" failed in beforeToolCall()'))).toBeDefined();
    const hung = await callTool(client, 'everything__echo', { text: 'hang' }).catch((e: McpError) => e);
    expect((hung as McpError).data).toMatchObject({ code: 'SWB_PLUGIN_HOOK', plugin: 'buggy' });
    const denied = await callTool(client, 'everything__echo', { text: 'deny' });
    expect(textOf(denied)).toContain('not today (SWB_TOOL_DENIED)\nfix: Try tomorrow.');
    expect(textOf(await client.request({ method: 'tools/call', params: { name: 'everything__echo', arguments: { text: 'ok' } } } as never, Loose))).toBe(
      'everything: ok',
    );
  });
});
