import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePluggedinApp, type FakeAppServer, type FakePluggedinApp } from '../../../packages/testing/src/fake-pluggedin-app.js';
import { acquireConnection } from './connection.js';
import { resolvePluggedinOptions } from './options.js';
import { flattenInstructions, mapServers, MAX_PREFIX_LENGTH, normalizePrefix, serverPrefix } from './server-mapping.js';
import { createSource } from './source.js';
import { appOptions, disposables, manualClock, recordingLogger, UUIDS } from './test-support.js';

const TYPICAL_TOOL_NAMES = ['read_file', 'search', 'get_current_weather', 'browser_take_screenshot', 'create_or_update_file'];

const SERVERS: FakeAppServer[] = [
  {
    uuid: UUIDS.memory,
    name: 'Memory',
    slug: 'memory',
    type: 'STDIO',
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-memory'],
    env: { MEMORY_FILE_PATH: '/tmp/memory.json' },
    customInstructions: [
      { role: 'system', content: { type: 'text', text: 'Store facts about the user.' } },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Never store passwords.' },
          { type: 'image', data: 'aGk=', mimeType: 'image/png' },
        ],
      },
    ],
    customInstructionsDescription: 'How to use memory',
  },
  {
    uuid: UUIDS.remote,
    name: 'Remote Thing',
    slug: 'remote-thing',
    type: 'STREAMABLE_HTTP',
    url: 'https://mcp.example.com/mcp',
    streamableHTTPOptions: { headers: { Authorization: 'Bearer downstream' }, sessionId: 'sess-1' },
  },
  { uuid: UUIDS.sse, name: 'Old SSE', slug: null, type: 'SSE', url: 'http://127.0.0.1:7777/sse', streamableHTTPOptions: { headers: { 'X-A': '1' } } },
  { uuid: UUIDS.noUrl, name: 'Broken Remote', slug: 'broken', type: 'STREAMABLE_HTTP', url: null },
  { uuid: UUIDS.noType, name: 'No Type Given', command: 'node', args: ['server.js'] },
  { uuid: UUIDS.noSlug, name: 'GitHub Tools (Official) — v2!', command: 'docker', args: ['run', 'ghcr.io/github/github-mcp-server'] },
];

describe('mapServers', () => {
  it('maps STDIO, SSE and STREAMABLE_HTTP servers, with a missing type meaning STDIO', () => {
    const { definitions, skipped } = mapServers(SERVERS);
    // Keyed by the App's uuid; the id is the readable prefix, the uuid the detail in meta.
    const byId = new Map(definitions.map((d) => [d.meta!.uuid as string, d]));
    expect(byId.get(UUIDS.memory)).toEqual({
      id: 'memory',
      name: 'Memory',
      prefix: 'memory',
      source: 'pluggedin',
      enabled: true,
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-memory'],
      env: { MEMORY_FILE_PATH: '/tmp/memory.json' },
      instructions: 'Store facts about the user.\n\nNever store passwords.',
      meta: { uuid: UUIDS.memory, slug: 'memory' },
    });
    expect(byId.get(UUIDS.remote)).toMatchObject({
      transport: 'streamable-http',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer downstream' },
      sessionId: 'sess-1',
      prefix: 'remote-thing',
    });
    expect(byId.get(UUIDS.sse)).toMatchObject({ transport: 'sse', url: 'http://127.0.0.1:7777/sse', headers: { 'X-A': '1' }, prefix: 'old-sse' });
    expect(byId.get(UUIDS.sse)).not.toHaveProperty('sessionId');
    expect(byId.get(UUIDS.noType)).toMatchObject({ transport: 'stdio', command: 'node', args: ['server.js'], env: {}, prefix: 'no-type-given' });
    expect(byId.has(UUIDS.noUrl)).toBe(false);
    expect(skipped).toEqual([{ name: 'Broken Remote', uuid: UUIDS.noUrl, reason: 'it is a STREAMABLE_HTTP server without a url' }]);
  });

  it('derives the prefix from the slug, else the normalised name, never the uuid, and keeps names within 64 characters', () => {
    const { definitions } = mapServers([
      ...SERVERS,
      { uuid: '77777777-7777-4777-8777-777777777777', name: 'io.github.someone/an-extremely-long-mcp-server-name-from-the-registry', command: 'x' },
      { uuid: '88888888-8888-4888-8888-888888888888', name: '日本語', command: 'x' },
      { uuid: '99999999-9999-4999-8999-999999999999', name: 'x', slug: 'a-slug-that-is-far-too-long-to-be-a-good-tool-prefix-really', command: 'x' },
    ]);
    expect(definitions.find((d) => d.meta?.uuid === UUIDS.noSlug)!.prefix).toBe('github-tools-official-v2');
    for (const definition of definitions) {
      const prefix = definition.prefix!;
      expect(prefix).toMatch(/^[a-z0-9_-]+$/);
      expect(prefix).not.toContain(definition.meta?.uuid);
      expect(prefix.length).toBeLessThanOrEqual(MAX_PREFIX_LENGTH);
      for (const tool of TYPICAL_TOOL_NAMES) expect(`${prefix}__${tool}`.length).toBeLessThanOrEqual(64);
    }
    expect(definitions.find((d) => String(d.meta?.uuid).startsWith('8888'))!.prefix).toMatch(/^server-[0-9a-f]{6}$/);
  });

  it('normalises names: lowercase, other characters to "-", runs collapsed', () => {
    expect(normalizePrefix('My  Cool__Server!!')).toBe('my-cool_server');
    expect(normalizePrefix('--Hello World--')).toBe('hello-world');
    expect(serverPrefix({ uuid: UUIDS.memory, name: 'Ignored', slug: 'the-slug' })).toBe('the-slug');
  });

  it('keeps prefixes unique and stable whatever the order', () => {
    const a = { uuid: UUIDS.memory, name: 'Same Name', command: 'x' };
    const b = { uuid: UUIDS.remote, name: 'same-name', command: 'x' };
    const first = mapServers([a, b]).definitions.map((d) => d.prefix);
    const second = mapServers([b, a]).definitions.map((d) => d.prefix);
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(2);
    expect(first[0]).toBe('same-name');
  });

  it('serves custom instructions as a prompt <prefix>__instructions', () => {
    const { prompts } = mapServers(SERVERS);
    expect(prompts).toEqual([
      {
        name: 'memory__instructions',
        description: 'How to use memory',
        serverId: 'memory',
        messages: [
          { role: 'user', content: { type: 'text', text: 'Store facts about the user.' } },
          { role: 'user', content: { type: 'text', text: 'Never store passwords.' } },
          { role: 'user', content: { type: 'image', data: 'aGk=', mimeType: 'image/png' } },
        ],
      },
    ]);
    expect(flattenInstructions('plain text')).toBe('plain text');
    expect(flattenInstructions(JSON.stringify([{ role: 'user', content: { type: 'text', text: 'from JSON' } }]))).toBe('from JSON');
    expect(flattenInstructions(undefined)).toBe('');
  });

  it('skips servers it cannot use, with the reason', () => {
    const { skipped, definitions } = mapServers([
      { uuid: UUIDS.memory, name: 'No Command', type: 'STDIO' },
      { uuid: UUIDS.remote, name: 'Websocket', type: 'WEBSOCKET', url: 'ws://x' },
      { uuid: UUIDS.sse, name: 'Bad URL', type: 'SSE', url: 'not a url' },
      { name: 'No uuid', command: 'x' },
    ]);
    expect(definitions).toEqual([]);
    expect(skipped.map((s) => `${s.name}: ${s.reason}`)).toEqual([
      'No Command: it is a STDIO server without a command',
      'Websocket: its type "WEBSOCKET" is not STDIO, SSE or STREAMABLE_HTTP',
      'Bad URL: its url "not a url" is not an absolute URL',
      'No uuid: it has no uuid',
    ]);
  });
});

describe('the config source against the fake App', () => {
  let app: FakePluggedinApp;
  const cleanup = disposables();
  beforeEach(async () => {
    app = await startFakePluggedinApp();
  });
  afterEach(async () => {
    await cleanup.disposeAll();
    await app.stop();
  });

  it('loads the App servers plus the discovery server, and warns (naming it) about a remote server without url', async () => {
    app.setServers(SERVERS);
    const logger = recordingLogger();
    const source = cleanup.add(createSource(acquireConnection(resolvePluggedinOptions(appOptions(app)), { logger, clock: manualClock() })));
    const definitions = await source.load();
    expect(definitions[0]).toEqual({
      id: 'pluggedin',
      name: 'plugged.in',
      source: 'pluggedin',
      transport: 'in-process',
      prefix: '',
      enabled: true,
      meta: { pluggedinDiscovery: true },
    });
    expect(
      definitions
        .slice(1)
        .map((d) => d.meta?.uuid)
        .sort(),
    ).toEqual([UUIDS.memory, UUIDS.remote, UUIDS.sse, UUIDS.noType, UUIDS.noSlug].sort());
    // Readable ids, the same as the tool prefixes.
    expect(definitions.slice(1).every((d) => d.id === d.prefix)).toBe(true);
    expect(definitions.find((d) => d.meta?.uuid === UUIDS.memory)!.meta).toEqual({
      uuid: UUIDS.memory,
      slug: 'memory',
      profileUuid: '00000000-0000-4000-8000-000000000001',
    });
    expect(logger.text('warn')).toContain('plugged.in server "Broken Remote" is skipped: it is a STREAMABLE_HTTP server without a url');
    // The same skip is not logged again on the next load.
    await source.load();
    expect(logger.lines.filter((l) => l.message.includes('Broken Remote'))).toHaveLength(1);
  });
});
