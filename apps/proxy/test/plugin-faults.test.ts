// End to end: a filter plugin's refusal reaches the client with the author's code and fix, and a bug in a filter
// is answered as an internal error naming the plugin and logged with the hook and the stack, through the real
// CLI with a small plugin file next to a temp config.
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry, writeTempConfig, type TempConfig } from '@mcp-switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cliTransport, repoRoot } from './helpers/cli.js';

const pluginApiUrl = pathToFileURL(`${repoRoot}packages/plugin-api/dist/index.js`).href;

/** A filter refusing `echo` of "deny" on purpose, and with a bug on every call to `add`. */
const guardPlugin = `import { SwitchboardError, definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: 'guard',
  kind: 'filter',
  setup: () => ({
    beforeToolCall(call) {
      if (call.tool === 'echo' && call.arguments?.text === 'deny') {
        throw new SwitchboardError('SWB_TOOL_DENIED', 'echoing "deny" is not allowed', { fix: 'Echo something else.' });
      }
      if (call.tool === 'add') return call.arguments.missing.deep;
    },
  }),
});
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function proxyWithGuard(
  plugin = guardPlugin,
): Promise<{ client: Client; stderr: () => string; config: TempConfig; transport: ReturnType<typeof cliTransport> }> {
  const config = await writeTempConfig({ mcpServers: { echo: fixtureServerEntry('echo') }, plugins: ['./guard.mjs'] }, { files: { 'guard.mjs': plugin } });
  const transport = cliTransport(['--config', config.file, '--log-level', 'info'], { HOME: config.dir, XDG_CONFIG_HOME: `${config.dir}/.config` }, config.dir);
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  cleanups.push(async () => {
    await client.close();
    await config.cleanup();
  });
  return { client, stderr: () => stderr, config, transport };
}

/** A filter whose own timer throws after a call to `add`, and whose stray promise rejects on each `echo`. */
const sloppyPlugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: 'sloppy',
  kind: 'filter',
  setup: () => ({
    beforeToolCall(call) {
      if (call.tool === 'echo') Promise.reject(new Error('nobody awaits this'));
      if (call.tool === 'add') setTimeout(() => { throw new TypeError('the timer of sloppy failed'); }, 0);
    },
  }),
});
`;

describe('faults of a filter plugin through the real CLI', () => {
  it("answers a refusal with the plugin author's code and fix, and a bug as an internal error naming the plugin", async () => {
    const { client, stderr } = await proxyWithGuard();

    const refused = await client.callTool({ name: 'echo__echo', arguments: { text: 'deny' } });
    expect(refused.isError).toBe(true);
    expect(refused.content).toEqual([
      { type: 'text', text: 'Switchboard refused the call to "echo__echo": echoing "deny" is not allowed (SWB_TOOL_DENIED)\nfix: Echo something else.' },
    ]);
    expect(refused._meta).toEqual({ 'io.mcp-switchboard/error': { code: 'SWB_TOOL_DENIED', fix: 'Echo something else.', plugin: 'guard' } });

    const bug = await client.callTool({ name: 'echo__add', arguments: { a: 1, b: 2 } }).catch((error: unknown) => error);
    expect(bug).toBeInstanceOf(McpError);
    expect((bug as McpError).code).toBe(-32603);
    expect((bug as McpError).message).toContain('Internal error in plugin "guard" (beforeToolCall) on tool "echo__add"');
    expect((bug as McpError).data).toMatchObject({ code: 'SWB_PLUGIN_HOOK', plugin: 'guard', hook: 'beforeToolCall' });

    // Other calls go on.
    expect((await client.callTool({ name: 'echo__echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    // The log line of the bug names the plugin and hook and carries the stack.
    await expect.poll(() => stderr(), { timeout: 10_000 }).toContain('failed in beforeToolCall()');
    const line = stderr()
      .split('\n')
      .find((l) => l.includes('failed in beforeToolCall()'))!;
    expect(line).toContain('"plugin":"guard"');
    expect(line).toContain('"hook":"beforeToolCall"');
    expect(line).toMatch(/TypeError: Cannot read properties of undefined \(reading 'deep'\)/);
  });

  it("names the plugin of an uncaught error: a stray rejection is logged and the proxy carries on, a timer's throw stops it", async () => {
    const { client, stderr, transport } = await proxyWithGuard(sloppyPlugin);
    expect((await client.callTool({ name: 'echo__echo', arguments: { text: 'one' } })).content).toEqual([{ type: 'text', text: 'one' }]);
    const logLine = (text: string) =>
      stderr()
        .split('\n')
        .find((line) => line.includes(text)) ?? '';
    await expect.poll(() => logLine('left a promise rejection unhandled; carrying on'), { timeout: 10_000 }).toContain('"plugin":"sloppy"');
    expect(logLine('left a promise rejection unhandled')).toContain('nobody awaits this');
    expect((await client.callTool({ name: 'echo__echo', arguments: { text: 'two' } })).content).toEqual([{ type: 'text', text: 'two' }]);

    const exited = new Promise<void>((resolve) => (transport.onclose = () => resolve()));
    await client.callTool({ name: 'echo__add', arguments: { a: 1, b: 2 } }).catch(() => undefined);
    await exited;
    expect(logLine('; stopping')).toContain('uncaught error in plugin \\"sloppy\\"');
    expect(logLine('; stopping')).toContain('"plugin":"sloppy"');
    expect(logLine('; stopping')).toContain('the timer of sloppy failed');
  });
});
