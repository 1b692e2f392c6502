import type { NamespaceMode } from './catalog/namespace.js';
import type { ConfigSource, FilterContribution, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool, connectClient, listAll, server, startHub, waitFor, type FixtureSpec, type TestHub } from '../test/support/harness.js';
import { echoServer, fixture, textOf } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

/**
 * "zeta" is ready at once; "alpha" (which sorts first) becomes ready only when `release()` is called, after a
 * client has seen and called zeta's names.
 */
async function slowNewcomer(mode: NamespaceMode, prefix?: string) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const withPrefix = prefix === undefined ? {} : { prefix };
  current = await startHub({
    fixtures: { zeta: { create: echoServer('zeta') }, alpha: { create: echoServer('alpha'), gate } },
    servers: [server('zeta', withPrefix), server('alpha', withPrefix)],
    config: { namespace: { mode, separator: '__', maxLength: 64 }, startupBudgetMs: 0 },
  });
  const { hub } = current;
  await waitFor(() => hub.status().find((s) => s.id === 'zeta')?.state === 'ready', 10_000, 'zeta ready');
  let changed = 0;
  const { client } = await connectClient(hub, {
    setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1)),
  });
  const before = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string);
  const arrive = async () => {
    release();
    await hub.settled();
    await waitFor(() => changed > 0, 10_000, 'tools/list_changed');
    return (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string).sort();
  };
  return { hub, client, before, arrive, logs: current.logs };
}

describe('a name once given out keeps its server', () => {
  it('mode never: a server ready later gets the disambiguated name, with a warning', async () => {
    const { client, before, arrive, logs, hub } = await slowNewcomer('never');
    expect(before).toEqual(['echo']);
    expect(textOf(await callTool(client, 'echo', { text: 'x' }))).toBe('zeta: x');
    const after = await arrive();
    expect(after).toHaveLength(2);
    expect(after[0]).toBe('echo');
    expect(after[1]).toMatch(/^echo_[0-9a-f]{6}$/);
    expect(textOf(await callTool(client, 'echo', { text: 'y' }))).toBe('zeta: y');
    expect(textOf(await callTool(client, after[1]!, { text: 'z' }))).toBe('alpha: z');
    // Prompts keep their server too.
    expect((await client.getPrompt({ name: 'hello' })).messages[0]!.content).toEqual({ type: 'text', text: 'hello from zeta' });
    expect(hub.prompts().find((p) => p.exposedName === 'hello')!.serverId).toBe('zeta');
    const warning = logs.find((l) => l.level === 'warn' && l.message.includes('tool name collision'));
    expect(warning?.message).toContain('server "alpha"');
    expect(warning?.message).toContain(`it is exposed as "${after[1]}"`);
  });

  it('mode on-collision: the newcomer gets its prefix, the name clients call stays', async () => {
    const { client, before, arrive, logs } = await slowNewcomer('on-collision');
    expect(before).toEqual(['echo']);
    expect(await arrive()).toEqual(['alpha__echo', 'echo']);
    expect(textOf(await callTool(client, 'echo', { text: 'y' }))).toBe('zeta: y');
    expect(textOf(await callTool(client, 'alpha__echo', { text: 'z' }))).toBe('alpha: z');
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('keeps the name "echo" that clients already call'))).toBe(true);
  });

  it('an explicit prefix two servers share: the newcomer gets a hash suffix', async () => {
    const { client, before, arrive } = await slowNewcomer('always', 'shared');
    expect(before).toEqual(['shared__echo']);
    const after = await arrive();
    expect(after[0]).toBe('shared__echo');
    expect(after[1]).toMatch(/^shared__echo_[0-9a-f]{6}$/);
    expect(textOf(await callTool(client, 'shared__echo', { text: 'y' }))).toBe('zeta: y');
    expect(textOf(await callTool(client, after[1]!, { text: 'z' }))).toBe('alpha: z');
  });
});

describe('a hidden tool', () => {
  it('answers SWB_TOOL_DENIED, saying it is hidden by configuration, with no suggestion that leads to another server', async () => {
    const filter: FilterContribution = {
      tool: (s, tool) => !(s.id === 'alpha' && tool.name === 'echo'),
      prompt: (s, prompt) => !(s.id === 'alpha' && prompt.name === 'hello'),
    };
    current = await startHub({ fixtures: { alpha: { create: echoServer('alpha') }, beta: { create: echoServer('beta') } }, filters: [filter] });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    expect((await listAll(client, 'tools/list', 'tools')).map((t) => t.name)).toEqual(['beta__echo']);
    const error = (await callTool(client, 'alpha__echo', { text: 'x' }).catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32602);
    expect(error.data).toMatchObject({ code: 'SWB_TOOL_DENIED', name: 'alpha__echo', server: 'alpha' });
    expect(error.message).toContain('hidden by configuration');
    expect(error.message).not.toContain('beta__echo');
    const prompt = (await client.getPrompt({ name: 'alpha__hello' }).catch((e: unknown) => e)) as McpError;
    expect(prompt.code).toBe(-32602);
    expect(prompt.message).toContain('hidden by configuration');
    expect(prompt.message).not.toContain('beta__hello');
    // A name that means nothing still gets suggestions.
    const unknown = (await callTool(client, 'alpha__ecoh').catch((e: unknown) => e)) as McpError;
    expect(unknown.data).toMatchObject({ code: 'SWB_TOOL_UNKNOWN' });
  });
});

describe('titles and the server of an item', () => {
  const titled = (name: string) =>
    fixture(name, (s) => {
      s.registerTool('echo', { title: 'Echo Tool', annotations: { title: 'Echo (annotation)' }, _meta: { 'example.com/x': 1 } }, async () => ({
        content: [{ type: 'text', text: name }],
      }));
      s.registerTool('plain', {}, async () => ({ content: [] }));
      s.registerPrompt('hello', { title: 'Hello Prompt' }, () => ({ messages: [] }));
    });

  it("prefixes titles like names and puts the server in _meta, keeping the server's own _meta keys", async () => {
    current = await startHub({
      fixtures: { alpha: { create: titled('alpha') }, beta: { create: titled('beta') } },
      servers: [server('alpha', { name: 'Alpha Server' }), server('beta')],
    });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    const tools = await listAll(client, 'tools/list', 'tools');
    const echo = tools.find((t) => t.name === 'alpha__echo')!;
    expect(echo.title).toBe('alpha: Echo Tool');
    expect(echo.annotations).toEqual({ title: 'alpha: Echo (annotation)' });
    expect(echo._meta).toEqual({
      'example.com/x': 1,
      'io.mcp-switchboard/server': { id: 'alpha', name: 'Alpha Server' },
      'io.mcp-switchboard/originalName': 'echo',
    });
    expect(tools.find((t) => t.name === 'beta__echo')!.title).toBe('beta: Echo Tool');
    // No title of its own: none is made up (clients show the prefixed name).
    const plain = tools.find((t) => t.name === 'beta__plain')!;
    expect(plain.title).toBeUndefined();
    expect(plain._meta).toEqual({ 'io.mcp-switchboard/server': { id: 'beta', name: 'beta' }, 'io.mcp-switchboard/originalName': 'plain' });
    const prompts = await listAll(client, 'prompts/list', 'prompts');
    expect(prompts.find((p) => p.name === 'beta__hello')).toMatchObject({
      title: 'beta: Hello Prompt',
      _meta: { 'io.mcp-switchboard/server': { id: 'beta', name: 'beta' } },
    });
  });

  it('leaves titles alone where the name has no prefix (mode never)', async () => {
    current = await startHub({ fixtures: { alpha: { create: titled('alpha') } }, config: { namespace: { mode: 'never', separator: '__', maxLength: 64 } } });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    const echo = (await listAll(client, 'tools/list', 'tools')).find((t) => t.name === 'echo')!;
    expect(echo.title).toBe('Echo Tool');
    expect(echo._meta).toMatchObject({ 'io.mcp-switchboard/server': { id: 'alpha', name: 'alpha' } });
  });
});

describe('a name held for a server that is down', () => {
  it('answers with that server\'s state, not "unknown tool, did you mean" another server\'s tool', async () => {
    let broken = false;
    let push!: (servers: ServerDefinition[]) => void;
    const source: ConfigSource = {
      load: async () => [server('zeta'), server('alpha')],
      watch: (onChange) => {
        push = onChange;
        return () => {};
      },
    };
    const zeta: FixtureSpec = {
      create: echoServer('zeta'),
      get connectError() {
        return broken ? new Error('zeta cannot start') : undefined;
      },
    };
    current = await startHub({
      fixtures: { zeta, alpha: { create: echoServer('alpha') } },
      config: {
        namespace: { mode: 'never', separator: '__', maxLength: 64 },
        supervision: {
          backoffInitialMs: 500,
          backoffMaxMs: 30_000,
          maxFailures: 1,
          failureWindowMs: 60_000,
          circuitOpenMs: 300_000,
          pingIntervalMs: 30_000,
          callWaitMs: 10_000,
        },
      },
      extra: { sources: [source] },
    });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    const names = (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string).sort();
    expect(names[0]).toBe('echo'); // alpha sorts first and has it
    const zetaName = names[1]!;
    expect(hubEntry(current, zetaName)).toBe('zeta');
    // zeta's definition changes and the new one cannot start.
    broken = true;
    push([server('zeta', { args: ['v2'] }), server('alpha')]);
    await waitFor(() => current!.hub.status().find((s) => s.id === 'zeta')?.state === 'failed', 10_000, 'zeta failed');
    const error = (await callTool(client, zetaName, { text: 'x' }).catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.message).toContain(`Tool "${zetaName}" cannot be reached`);
    expect(error.message).toContain('"zeta"');
    expect(error.data).toMatchObject({ code: 'SWB_SERVER_UNAVAILABLE', server: 'zeta' });
  });
});

function hubEntry(hub: TestHub, exposedName: string): string | undefined {
  return hub.hub.tools().find((t) => t.exposedName === exposedName)?.serverId;
}
