import type { ServerDefinition } from '@mcp-switchboard/plugin-api';
import { createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { EnvConfigSource, parseServersJson, plugin, sourceEnvOptionsSchema } from './index.js';

const silent = createMemoryLogger();

const load = (value: string | undefined, variable?: string) =>
  new EnvConfigSource({ env: { [variable ?? 'SWITCHBOARD_MCP_SERVERS']: value }, ...(variable ? { variable } : {}) }).load();

/** What the hub does with several sources: merge by id, later sources win. */
const mergeById = (...lists: ServerDefinition[][]) => {
  const merged = new Map<string, ServerDefinition>();
  for (const list of lists) for (const server of list) merged.set(server.id, server);
  return merged;
};

describe('source-env plugin', () => {
  it('is exported as default and as `plugin`', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'source-env', kind: 'config-source' });
    expect(Object.keys(plugin.deps)).toEqual(['logger']);
  });

  it('options: `variable` defaults to SWITCHBOARD_MCP_SERVERS; unknown keys and bad names are refused', () => {
    expect(sourceEnvOptionsSchema.parse(undefined)).toEqual({ variable: 'SWITCHBOARD_MCP_SERVERS' });
    expect(sourceEnvOptionsSchema.parse({ variable: 'MY_SERVERS' })).toEqual({ variable: 'MY_SERVERS' });
    expect(sourceEnvOptionsSchema.safeParse({ var: 'X' }).success).toBe(false);
    expect(sourceEnvOptionsSchema.safeParse({ variable: 'not a name' }).success).toBe(false);
  });

  it('reads process.env through the plugin, under the configured variable', async () => {
    process.env.SWB_TEST_SOURCE_ENV = '{"echo":{"command":"node","args":["echo.js"]}}';
    try {
      const source = await plugin.setup({ logger: silent }, { variable: 'SWB_TEST_SOURCE_ENV' });
      expect((await source.load()).map((s) => s.id)).toEqual(['echo']);
    } finally {
      delete process.env.SWB_TEST_SOURCE_ENV;
    }
  });
});

describe('EnvConfigSource', () => {
  it('returns no servers when the variable is unset or blank', async () => {
    expect(await load(undefined)).toEqual([]);
    expect(await load('   ')).toEqual([]);
  });

  it('reads a bare object of servers, each tagged source "env"', async () => {
    const servers = await load(
      JSON.stringify({
        memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '/tmp/m.json' } },
        remote: { type: 'http', url: 'http://127.0.0.1:3000/mcp' },
        off: { command: 'node', disabled: true },
      }),
    );
    expect(servers).toEqual([
      {
        id: 'memory',
        name: 'memory',
        source: 'env',
        enabled: true,
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-memory'],
        env: { MEMORY_FILE_PATH: '/tmp/m.json' },
      },
      { id: 'remote', name: 'remote', source: 'env', enabled: true, transport: 'streamable-http', url: 'http://127.0.0.1:3000/mcp', headers: {} },
      { id: 'off', name: 'off', source: 'env', enabled: false, transport: 'stdio', command: 'node', args: [], env: {} },
    ]);
  });

  it('reads the { "mcpServers": { ... } } form (a pasted Claude Desktop config), ignoring other keys', async () => {
    const servers = await load(JSON.stringify({ globalShortcut: 'Ctrl+Space', mcpServers: { a: { command: 'a' }, b: { command: 'b' } } }));
    expect(servers.map((s) => [s.id, s.source])).toEqual([
      ['a', 'env'],
      ['b', 'env'],
    ]);
  });

  it('uses another variable when configured', async () => {
    expect((await load('{"x":{"command":"x"}}', 'OTHER_VAR')).map((s) => s.id)).toEqual(['x']);
  });

  it('invalid JSON → SWB_CONFIG_PARSE naming the variable and the position, without echoing the value', async () => {
    const error = await load('{"a": {"command": "node", "env": {"TOKEN": "s3cret"} "oops"}}').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWB_CONFIG_PARSE', name: 'SwitchboardError' });
    const message = (error as Error).message;
    expect(message).toContain('SWITCHBOARD_MCP_SERVERS is not valid JSON');
    expect(message).toMatch(/line 1, column \d+/);
    expect(message).not.toContain('s3cret');
  });

  it('an invalid entry → SWB_CONFIG_INVALID naming the variable and the JSON path of every problem', async () => {
    const error = await load(JSON.stringify({ good: { command: 'x' }, bad: { args: 'not-an-array', command: 'y' }, empty: {} })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWB_CONFIG_INVALID' });
    const message = (error as Error).message;
    expect(message).toMatch(/^SWITCHBOARD_MCP_SERVERS: /);
    expect(message).toContain('bad.args:');
    expect(message).toContain('empty.command:');
    expect(message).not.toContain('good');
  });

  it('paths include mcpServers when that form is used, and odd names are quoted', async () => {
    const error = await load(JSON.stringify({ mcpServers: { 'my server': { command: 'x', env: { A: 1 } } } })).catch((e: unknown) => e);
    expect((error as Error).message).toContain('mcpServers["my server"].env.A:');
  });

  it('a value that is not an object of servers → SWB_CONFIG_INVALID', async () => {
    await expect(load('[1,2]')).rejects.toMatchObject({ code: 'SWB_CONFIG_INVALID', message: expect.stringContaining('got an array') });
    await expect(load('{"mcpServers": 5}')).rejects.toMatchObject({
      code: 'SWB_CONFIG_INVALID',
      message: expect.stringContaining('SWITCHBOARD_MCP_SERVERS: mcpServers: expected an object'),
    });
    await expect(load('{"a": "npx foo"}')).rejects.toMatchObject({ message: expect.stringContaining('SWITCHBOARD_MCP_SERVERS: a:') });
  });

  it('ids match the config key, so merging file then env (later wins) lets env override a file server', () => {
    const fromFile: ServerDefinition[] = [
      { id: 'memory', name: 'memory', source: 'file', enabled: true, transport: 'stdio', command: 'old', args: [], env: {} },
      { id: 'fileOnly', name: 'fileOnly', source: 'file', enabled: true, transport: 'stdio', command: 'f', args: [], env: {} },
    ];
    const fromEnv = parseServersJson('{"memory":{"command":"new"},"envOnly":{"url":"http://127.0.0.1:1/mcp"}}');
    const merged = mergeById(fromFile, fromEnv);
    expect([...merged.keys()].sort()).toEqual(['envOnly', 'fileOnly', 'memory']);
    expect(merged.get('memory')).toMatchObject({ source: 'env', command: 'new' });
    expect(merged.get('fileOnly')).toMatchObject({ source: 'file' });
  });
});
