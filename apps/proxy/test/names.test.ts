import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cliTransport, tempDir } from './helpers/cli.js';

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('names through the real CLI', () => {
  const t = tempDir();
  let client: Client | undefined;
  let other: Client | undefined;
  afterAll(async () => {
    await client?.close();
    await other?.close();
    t.cleanup();
  });

  it('a slow server that sorts first does not take over a name clients already call (namespace mode never)', async () => {
    // "alpha" (slow-start, sorts first) and "zeta" (echo) both have a tool `echo`; only the echo fixture's
    // answers carry structuredContent, which tells the two apart.
    const config = t.path('switchboard.config.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      config,
      JSON.stringify({
        namespace: { mode: 'never' },
        startupBudgetMs: 0,
        mcpServers: { alpha: fixtureServerEntry('slow-start', { FIXTURE_DELAY_MS: '5000' }), zeta: fixtureServerEntry('echo') },
      }),
    );
    let stderr = '';
    client = new Client({ name: 'e2e', version: '1.0.0' });
    const transport = cliTransport(['--config', config]);
    transport.stderr?.on('data', (d) => (stderr += d));
    await client.connect(transport);
    const c = client;

    const names = async () => (await c.listTools()).tools.map((tool) => tool.name).sort();
    await waitFor(async () => ((await names()).includes('echo') ? true : undefined), 'zeta ready');
    expect((await names()).filter((n) => n.startsWith('echo'))).toEqual(['echo']);
    expect((await c.callTool({ name: 'echo', arguments: { text: 'before' } })).structuredContent).toEqual({ text: 'before' });

    const after = await waitFor(async () => {
      const listed = (await names()).filter((n) => n.startsWith('echo'));
      return listed.length === 2 ? listed : undefined;
    }, 'alpha ready');
    expect(after[0]).toBe('echo');
    expect(after[1]).toMatch(/^echo_[0-9a-f]{6}$/);
    // `echo` still reaches zeta; the newcomer answers under its new name.
    expect((await c.callTool({ name: 'echo', arguments: { text: 'after' } })).structuredContent).toEqual({ text: 'after' });
    const newcomer = await c.callTool({ name: after[1]!, arguments: { text: 'new' } });
    expect(newcomer.structuredContent).toBeUndefined();
    expect(newcomer.content).toEqual([{ type: 'text', text: 'new' }]);
    expect(stderr).toContain('tool name collision');
    expect(stderr).toContain(`it is exposed as \\"${after[1]}\\"`);
  }, 60_000);

  it("a tool hidden by the config's filters answers SWB_TOOL_DENIED, without pointing at another server's tool", async () => {
    const config = t.path('filtered.config.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: { a: fixtureServerEntry('echo'), b: fixtureServerEntry('echo') },
        filters: { servers: { a: { tools: { deny: ['echo'] } } } },
      }),
    );
    other = new Client({ name: 'e2e', version: '1.0.0' });
    await other.connect(cliTransport(['--config', config]));
    const names = (await other.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('b__echo');
    expect(names).not.toContain('a__echo');
    const error = (await other.callTool({ name: 'a__echo', arguments: { text: 'x' } }).catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32602);
    expect(error.data).toMatchObject({ code: 'SWB_TOOL_DENIED', server: 'a' });
    expect(error.message).toContain('hidden by configuration');
    expect(error.message).not.toContain('b__echo');
  }, 60_000);
});
