import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult, Clock, Tool } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import { toolSearchOptionsSchema, type ToolSearchOptionsInput } from './options.js';
import type { CatalogTool } from './tool-documents.js';
import { SAVE_DELAY_MS, ToolSearch, type SearchContext } from './tool-search.js';
import { UsageStore } from './usage-store.js';

/** A clock whose timers run only when the test advances it. */
function manualClock() {
  let now = 1_000;
  const timers = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout(callback, ms) {
      timers.set(next, { at: now + ms, callback });
      return next++;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...timers]) if (timer.at <= now) timers.delete(id), timer.callback();
  };
  return { clock, advance, pending: () => timers.size };
}

const tool = (serverId: string, name: string, description: string, args: string[] = []): CatalogTool => ({
  exposedName: `${serverId}__${name}`,
  serverId,
  originalName: name,
  definition: {
    name: `${serverId}__${name}`,
    description,
    inputSchema: { type: 'object', properties: Object.fromEntries(args.map((a) => [a, { type: 'string' }])) },
  } as Tool,
});

const catalog = [
  tool('fs', 'read_file', 'Read a file', ['path']),
  tool('fs', 'write_file', 'Write a file', ['path', 'content']),
  tool('gh', 'create_issue', 'Open an issue in a repository', ['repo', 'title']),
  tool('gh', 'list_issues', 'List the issues of a repository', ['repo']),
];

function engine(options: ToolSearchOptionsInput, usage?: UsageStore) {
  const { clock, advance, pending } = manualClock();
  const search = new ToolSearch(toolSearchOptionsSchema.parse(options), { clock, ...(usage ? { usage } : {}) });
  const calls: Array<[string, unknown]> = [];
  const context: SearchContext = {
    tools: () => catalog,
    callTool: async (name, args) => (calls.push([name, args]), { content: [{ type: 'text', text: `called ${name}` }] }),
  };
  const meta = (name: string) => search.metaTools().find((m) => m.definition.name === name)!;
  return { search, context, calls, meta, advance, pending };
}
const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('ToolSearch modes', () => {
  it('all: lists everything and adds no meta-tools', () => {
    const { search } = engine({ mode: 'all' });
    expect(catalog.every((t) => search.listed(t))).toBe(true);
    expect(search.metaTools()).toEqual([]);
  });

  it('search: lists nothing but the meta-tools', () => {
    const { search } = engine({ mode: 'search', pinned: ['fs__read_file'] });
    expect(catalog.filter((t) => search.listed(t))).toEqual([]);
    expect(search.metaTools().map((m) => m.definition.name)).toEqual(['search_tools', 'call_tool']);
  });

  it('hybrid: lists the pinned tools, by exposed name or server/tool', () => {
    const { search } = engine({ mode: 'hybrid', pinned: ['fs__read_file', 'gh/list_issues'] });
    expect(catalog.filter((t) => search.listed(t)).map((t) => t.exposedName)).toEqual(['fs__read_file', 'gh__list_issues']);
  });

  it('auto: all while the catalog is within the threshold, hybrid (and a rebuild) once it grows over it', async () => {
    const { search } = engine({ threshold: 3 });
    let rebuilds = 0;
    search.onChange(() => rebuilds++);
    for (const t of catalog.slice(0, 3)) expect(search.listed(t)).toBe(true);
    expect([search.mode, rebuilds]).toEqual(['all', 0]);
    search.listed(catalog[3]!);
    // The rebuild is asked for after the current one, not from inside it.
    expect([search.mode, rebuilds]).toEqual(['hybrid', 0]);
    await Promise.resolve();
    expect(rebuilds).toBe(1);
    expect(search.metaTools()).toHaveLength(2);
    // Seeing the same tools again (the rebuild) changes nothing.
    for (const t of catalog) search.listed(t);
    await Promise.resolve();
    expect(rebuilds).toBe(1);
  });
});

describe('search_tools', () => {
  it('returns the best matches with their schemas and how to call them', async () => {
    const { meta, context } = engine({ mode: 'search' });
    const result = await meta('search_tools').call({ query: 'open a github issue' }, context);
    const { results } = result.structuredContent as { results: Array<{ name: string; server: string; inputSchema: unknown }> };
    expect(results[0]).toMatchObject({ name: 'gh__create_issue', server: 'gh', inputSchema: { properties: { repo: {}, title: {} } } });
    expect(text(result)).toContain('call_tool');
  });

  it('honours limit (capped by maxResults) and server', async () => {
    const { meta, context } = engine({ mode: 'search', maxResults: 2 });
    const all = await meta('search_tools').call({ query: 'file issue repository', limit: 50 }, context);
    expect((all.structuredContent as { results: unknown[] }).results).toHaveLength(2);
    const gh = await meta('search_tools').call({ query: 'file issue', server: 'fs' }, context);
    expect((gh.structuredContent as { results: Array<{ server: string }> }).results.every((r) => r.server === 'fs')).toBe(true);
  });

  it('says so when nothing matches, and asks for a query when none is given', async () => {
    const { meta, context } = engine({ mode: 'search' });
    expect(text(await meta('search_tools').call({ query: 'kubernetes pods' }, context))).toMatch(/No tool matches "kubernetes pods"/);
    const empty = await meta('search_tools').call({}, context);
    expect(empty.isError).toBe(true);
  });

  it('searches the current catalog: a changed list is re-indexed', async () => {
    const { meta, context } = engine({ mode: 'search' });
    const before = await meta('search_tools').call({ query: 'deploy' }, context);
    expect((before.structuredContent as { results: unknown[] }).results).toEqual([]);
    catalog.push(tool('ops', 'deploy', 'Deploy a service'));
    try {
      const after = await meta('search_tools').call({ query: 'deploy' }, context);
      expect((after.structuredContent as { results: Array<{ name: string }> }).results[0]!.name).toBe('ops__deploy');
    } finally {
      catalog.pop();
    }
  });
});

describe('call_tool', () => {
  it('calls the named tool through the normal routing with its arguments', async () => {
    const { meta, context, calls } = engine({ mode: 'search' });
    const result = await meta('call_tool').call({ name: 'fs__write_file', arguments: { path: 'a', content: 'b' } }, context);
    expect(text(result)).toBe('called fs__write_file');
    expect(calls).toEqual([['fs__write_file', { path: 'a', content: 'b' }]]);
  });

  it('answers an unknown name with a tool error suggesting near names, and refuses bad arguments and itself', async () => {
    const { meta, context, calls } = engine({ mode: 'search' });
    const unknown = await meta('call_tool').call({ name: 'write_file' }, context);
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/No tool is named "write_file". Did you mean fs__write_file/);
    expect((await meta('call_tool').call({ name: 'fs__read_file', arguments: [1] }, context)).isError).toBe(true);
    expect((await meta('call_tool').call({ name: 'call_tool' }, context)).isError).toBe(true);
    expect((await meta('call_tool').call({}, context)).isError).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe('learned pins', () => {
  it('keeps the most called tools listed in hybrid mode, learned when the counts are saved, and persisted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tool-search-')), 'usage.json');
    const usage = new UsageStore(file);
    const { search, advance, pending } = engine({ mode: 'hybrid', learnedPins: 1 }, usage);
    let rebuilds = 0;
    search.onChange(() => rebuilds++);
    search.recordCall('gh', 'create_issue');
    search.recordCall('gh', 'create_issue');
    search.recordCall('fs', 'read_file');
    // Not yet: lists change only when the counts are saved, not on every call.
    expect(search.listed(catalog[2]!)).toBe(false);
    expect(pending()).toBe(1);
    advance(SAVE_DELAY_MS);
    await new Promise((r) => setImmediate(r));
    await search.save();
    expect(search.learnedPins).toEqual(['gh/create_issue']);
    expect(search.listed(catalog[2]!)).toBe(true);
    expect(search.listed(catalog[0]!)).toBe(false);
    expect(rebuilds).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).tools['gh/create_issue'].calls).toBe(2);

    // A new process starts with what was learned.
    const reloaded = new UsageStore(file);
    await reloaded.load();
    expect(engine({ mode: 'hybrid', learnedPins: 1 }, reloaded).search.learnedPins).toEqual(['gh/create_issue']);
  });
});
