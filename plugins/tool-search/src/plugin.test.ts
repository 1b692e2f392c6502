import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, ListedItem, ServerDefinition, Tool, VirtualToolContext } from '@mcp-switchboard/plugin-api';
import { createFakeConfig, createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { plugin, USAGE_FILE_NAME } from './index.js';

const gh: ServerDefinition = { id: 'gh', name: 'gh', source: 'test', enabled: true, transport: 'stdio', command: 'x', args: [], env: {} };
const definition = (name: string, description: string): Tool => ({ name: `gh__${name}`, description, inputSchema: { type: 'object' } });
const item = (name: string, description = name): ListedItem<Tool> => ({
  server: gh,
  originalName: name,
  exposedName: `gh__${name}`,
  definition: definition(name, description),
  profile: undefined,
});
const clock: Clock = { now: () => 5, setTimeout: () => 1, clearTimeout: () => undefined };

async function setUp(options: object) {
  const dir = mkdtempSync(join(tmpdir(), 'tool-search-plugin-'));
  const config = createFakeConfig({}, join(dir, 'switchboard.config.json'));
  const middleware = await plugin.setup({ config, clock, logger: createMemoryLogger() }, plugin.options!.parse(options));
  return { middleware, dir };
}

describe('tool-search plugin', () => {
  it('is a middleware that runs last, the default export', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'tool-search', kind: 'middleware', enforce: 'post' });
  });

  it('hybrid: unlists all but the pinned tools, adds the meta-tools, and call_tool reaches an unlisted tool', async () => {
    const { middleware } = await setUp({ mode: 'hybrid', pinned: ['gh/create_issue'] });
    expect(middleware.tool!(item('create_issue'))).toBeUndefined();
    expect(middleware.tool!(item('delete_repo'))).toEqual({ listed: false });
    const [search, callTool] = middleware.virtualTools!();
    const calls: string[] = [];
    const context: VirtualToolContext = {
      sessionId: 's',
      callId: 'c',
      tools: () => [
        {
          exposedName: 'gh__create_issue',
          serverId: 'gh',
          originalName: 'create_issue',
          definition: definition('create_issue', 'Open an issue'),
          listed: true,
        },
        {
          exposedName: 'gh__delete_repo',
          serverId: 'gh',
          originalName: 'delete_repo',
          definition: definition('delete_repo', 'Delete a repository'),
          listed: false,
        },
      ],
      callTool: async (name) => (calls.push(name), { content: [] }),
    };
    const found = await search!.call({ query: 'remove a repository for good' }, context);
    expect((found.structuredContent as { results: Array<{ name: string }> }).results[0]!.name).toBe('gh__delete_repo');
    await callTool!.call({ name: 'gh__delete_repo', arguments: {} }, context);
    expect(calls).toEqual(['gh__delete_repo']);
    await middleware.dispose!();
  });

  it('counts forwarded calls and saves them beside the config on stop', async () => {
    const { middleware, dir } = await setUp({ mode: 'hybrid' });
    const call = { callId: 'c', sessionId: 's', server: gh, tool: 'create_issue', exposedName: 'gh__create_issue', arguments: {} };
    await middleware.afterToolCall!(call, { content: [] });
    await middleware.afterToolCall!({ ...call, server: undefined, tool: 'search_tools', exposedName: 'search_tools' }, { content: [] });
    await middleware.dispose!();
    expect(JSON.parse(readFileSync(join(dir, USAGE_FILE_NAME), 'utf8')).tools).toEqual({ 'gh/create_issue': { calls: 1, lastUsed: 5 } });
  });

  it('all: changes nothing and adds no meta-tools', async () => {
    const { middleware } = await setUp({ mode: 'all', usageFile: false });
    expect(middleware.tool!(item('delete_repo'))).toBeUndefined();
    expect(middleware.virtualTools!()).toEqual([]);
  });
});
