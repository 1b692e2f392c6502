import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ToolListChangedNotificationSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { cleanEnv, cliTransport, runCli, tempDir } from './helpers/cli.js';
import { everythingEntry, filesystemEntry, memoryEntry } from './helpers/servers.js';

const capabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** A test client that answers sampling, elicitation and roots the same way directly and through the proxy. */
function makeClient(rootDir: string, seen: { sampling: number; elicitation: number } = { sampling: 0, elicitation: 0 }) {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, { capabilities });
  client.setRequestHandler(CreateMessageRequestSchema, async () => {
    seen.sampling++;
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the test client' } };
  });
  client.setRequestHandler(ElicitRequestSchema, async () => {
    seen.elicitation++;
    return { action: 'decline' };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(rootDir).href, name: 'test root' }] }));
  return client;
}

async function listAll<T>(fetch: (cursor?: string) => Promise<{ nextCursor?: string } & Record<string, unknown>>, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    items.push(...(page[key] as T[]));
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/**
 * A server's own definition as the proxy lists it: `<server>__<name>`, titles `<server>: <title>`, and `_meta`
 * naming the server (its own keys kept).
 */
function exposedAs(direct: { name: string; title?: string; annotations?: { title?: string }; _meta?: object }, server: string) {
  return {
    ...direct,
    name: `${server}__${direct.name}`,
    ...(direct.title !== undefined ? { title: `${server}: ${direct.title}` } : {}),
    ...(direct.annotations?.title !== undefined ? { annotations: { ...direct.annotations, title: `${server}: ${direct.annotations.title}` } } : {}),
    _meta: { ...direct._meta, 'io.mcp-switchboard/server': { id: server, name: server }, 'io.mcp-switchboard/originalName': direct.name },
  };
}

describe('aggregation through the real CLI with the reference servers', () => {
  const t = tempDir();
  const fsRoot = realpathSync(t.dir);
  const served = join(fsRoot, 'served');
  const rootsDir = join(fsRoot, 'roots');
  mkdirSync(served);
  mkdirSync(rootsDir);
  const memoryFile = join(fsRoot, 'memory.jsonl');
  const configFile = t.path('switchboard.config.json');
  const seen = { sampling: 0, elicitation: 0 };
  let proxy: Client;
  let proxyStderr = '';
  const direct: Record<string, Client> = {};

  beforeAll(async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      configFile,
      JSON.stringify({
        mcpServers: {
          everything: everythingEntry(),
          memory: memoryEntry(memoryFile),
          filesystem: filesystemEntry(served),
          progress: fixtureServerEntry('progress'),
        },
      }),
    );
    proxy = makeClient(served, seen);
    const transport = cliTransport(['--config', configFile, '--log-level', 'debug']);
    transport.stderr?.on('data', (d) => (proxyStderr += d));
    await proxy.connect(transport);

    const directEntries = { everything: everythingEntry(), memory: memoryEntry(memoryFile), filesystem: filesystemEntry(served) };
    for (const [name, entry] of Object.entries(directEntries)) {
      const client = makeClient(served);
      await client.connect(new StdioClientTransport({ ...entry, stderr: 'ignore' }));
      direct[name] = client;
    }
  });

  afterAll(async () => {
    await proxy?.close();
    for (const client of Object.values(direct)) await client.close();
    t.cleanup();
  });

  it('exposes every tool, prompt, resource and template of each server, namespaced (names and titles) and otherwise unchanged', async () => {
    const proxyTools = await listAll<Tool>((cursor) => proxy.listTools({ cursor }), 'tools');
    for (const [server, client] of Object.entries(direct)) {
      const tools = await listAll<Tool>((cursor) => client.listTools({ cursor }), 'tools');
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        const exposed = proxyTools.find((p) => p.name === `${server}__${tool.name}`);
        expect(exposed, `${server}__${tool.name} missing`).toBeDefined();
        expect(exposed).toEqual(exposedAs(tool, server));
      }
      const caps = client.getServerCapabilities() ?? {};
      if (caps.prompts) {
        const prompts = await listAll<{ name: string }>((cursor) => client.listPrompts({ cursor }), 'prompts');
        const proxyPrompts = await listAll<{ name: string }>((cursor) => proxy.listPrompts({ cursor }), 'prompts');
        for (const prompt of prompts) {
          const exposed = proxyPrompts.find((p) => p.name === `${server}__${prompt.name}`);
          expect(exposed).toEqual(exposedAs(prompt, server));
        }
      }
      if (caps.resources) {
        const resources = await listAll<{ uri: string }>((cursor) => client.listResources({ cursor }), 'resources');
        const proxyResources = await listAll<{ uri: string }>((cursor) => proxy.listResources({ cursor }), 'resources');
        for (const resource of resources) expect(proxyResources).toContainEqual(resource);
        const templates = await listAll<{ uriTemplate: string }>((cursor) => client.listResourceTemplates({ cursor }), 'resourceTemplates');
        const proxyTemplates = await listAll<{ uriTemplate: string }>((cursor) => proxy.listResourceTemplates({ cursor }), 'resourceTemplates');
        for (const template of templates) expect(proxyTemplates).toContainEqual(template);
      }
    }
    // Instructions are fixed at initialize, which is answered at once, before the servers are up; the hub's
    // own tests cover how they are merged.
  });

  it('calls, prompt gets and resource reads return exactly what a direct connection returns', async () => {
    const calls: Array<[string, string, Record<string, unknown>]> = [
      ['everything', 'echo', { message: 'hello through the switchboard' }],
      ['everything', 'get-sum', { a: 2, b: 40 }],
      ['everything', 'get-structured-content', { location: 'Chicago' }],
      ['everything', 'get-resource-links', { count: 2 }],
      ['memory', 'read_graph', {}],
      ['filesystem', 'list_allowed_directories', {}],
    ];
    for (const [server, tool, args] of calls) {
      const viaProxy = await proxy.callTool({ name: `${server}__${tool}`, arguments: args });
      const viaDirect = await direct[server]!.callTool({ name: tool, arguments: args });
      expect(viaProxy, `${server}/${tool}`).toEqual(viaDirect);
    }
    const everything = direct.everything!;
    expect(await proxy.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Paris' } })).toEqual(
      await everything.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris' } }),
    );
    const staticUri = 'demo://resource/static/document/architecture.md';
    expect(await proxy.readResource({ uri: staticUri })).toEqual(await everything.readResource({ uri: staticUri }));
    const templated = 'demo://resource/dynamic/blob/3';
    const viaProxy = await proxy.readResource({ uri: templated });
    expect(viaProxy.contents[0]?.uri).toBe(templated);
    expect(viaProxy).toEqual(await everything.readResource({ uri: templated }));
  });

  it('delivers every progress notification with the client token, 20 times in a row', async () => {
    // Count on the wire: the SDK client itself drops a progress notification that arrives just before the
    // result (typescript-sdk#2580), which says nothing about what the proxy sent.
    const transport = (proxy as unknown as { transport: { onmessage?: (message: unknown, extra?: unknown) => void } }).transport;
    const inner = transport.onmessage;
    const seen: Array<{ progressToken: unknown; progress: number }> = [];
    transport.onmessage = (message, extra) => {
      const m = message as { method?: string; params?: { progressToken: unknown; progress: number } };
      if (m.method === 'notifications/progress' && m.params) seen.push(m.params);
      inner?.call(transport, message, extra);
    };
    try {
      for (let run = 0; run < 20; run++) {
        seen.length = 0;
        const token = `e2e-progress-${run}`;
        await proxy.request(
          {
            method: 'tools/call',
            params: {
              name: 'everything__trigger-long-running-operation',
              arguments: { duration: 0.2, steps: 5 },
              _meta: { progressToken: token },
            },
          },
          CallToolResultSchema,
          { timeout: 30_000 },
        );
        expect(
          seen.map((p) => [p.progressToken, p.progress]),
          `run ${run}`,
        ).toEqual([1, 2, 3, 4, 5].map((i) => [token, i]));
      }
    } finally {
      transport.onmessage = inner;
    }
  });

  it('relays a client cancellation to the downstream request', async () => {
    const controller = new AbortController();
    const call = proxy.callTool({ name: 'progress__hang', arguments: {} }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort('test cancels'), 500);
    await expect(call).rejects.toThrow();
    await expect.poll(() => proxyStderr, { timeout: 10_000 }).toMatch(/cancelled/);
  });

  it('relays sampling and elicitation to the client and back', async () => {
    const sampled = await proxy.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
    expect(JSON.stringify(sampled.content)).toContain('sampled by the test client');
    expect(seen.sampling).toBeGreaterThan(0);
    const elicited = await proxy.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(seen.elicitation).toBeGreaterThan(0);
    expect(JSON.stringify(elicited.content).toLowerCase()).toContain('decline');
  });

  it("server-filesystem sees the client's roots", async () => {
    const client = makeClient(rootsDir);
    const transport = cliTransport(['--config', configFile, '--log-level', 'warn']);
    await client.connect(transport);
    try {
      await expect
        .poll(async () => JSON.stringify((await client.callTool({ name: 'filesystem__list_allowed_directories', arguments: {} })).content), {
          timeout: 20_000,
        })
        .toContain(rootsDir);
    } finally {
      await client.close();
    }
  });
});

describe('names, collisions and list_changed', () => {
  it('keeps same-named tools of two servers apart, shortens long names, and relays list_changed once', async () => {
    const t = tempDir({
      'c.json': {
        mcpServers: {
          alpha: fixtureServerEntry('echo', { FIXTURE_NAME: 'alpha' }),
          beta: fixtureServerEntry('echo', { FIXTURE_NAME: 'beta' }),
          'a-server-with-a-rather-long-name': fixtureServerEntry('long-names'),
          dyn: fixtureServerEntry('list-changed'),
        },
      },
    });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    let listChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
    await client.connect(cliTransport(['--config', t.path('c.json'), '--log-level', 'warn']));
    try {
      const { tools } = await client.listTools();
      for (const tool of tools) expect(tool.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      const names = tools.map((tool) => tool.name);
      expect(names).toContain('alpha__echo');
      expect(names).toContain('beta__echo');
      for (const server of ['alpha', 'beta']) {
        const result = await client.callTool({ name: `${server}__echo`, arguments: { text: server } });
        expect(JSON.stringify(result.content)).toContain(server);
      }
      const long = tools.find((tool) => tool.name.startsWith('a-server-with') && !tool.name.endsWith('__echo'));
      expect(long, `no shortened tool in ${names.join(', ')}`).toBeDefined();
      expect(long!.name.length).toBeLessThanOrEqual(64);
      const longResult = await client.callTool({ name: long!.name, arguments: {} });
      expect(longResult.isError).toBeFalsy();

      const before = listChanged;
      await client.callTool({ name: 'dyn__add_tool', arguments: {} });
      await expect.poll(() => listChanged, { timeout: 10_000 }).toBe(before + 1);
      await new Promise((r) => setTimeout(r, 500));
      expect(listChanged).toBe(before + 1);
      const after = await client.listTools();
      const dynamic = after.tools.find((tool) => tool.name.startsWith('dyn__dynamic_'));
      expect(dynamic).toBeDefined();
      const called = await client.callTool({ name: dynamic!.name, arguments: {} });
      expect(JSON.stringify(called.content)).toContain('dynamic says hi');
    } finally {
      await client.close();
      t.cleanup();
    }
  });
});

describe('filters, failures and profiles', () => {
  it('a deny rule hides a tool and refuses a call to it', async () => {
    const t = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') }, filters: { tools: { deny: ['add'] } } } });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(cliTransport(['--config', t.path('c.json'), '--log-level', 'warn']));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('echo__echo');
      expect(names).not.toContain('echo__add');
      const refused = await client.callTool({ name: 'echo__add', arguments: { a: 1, b: 2 } }).then(
        (result) => ({ rejected: false, result }),
        (error: Error) => ({ rejected: true, result: error.message }),
      );
      // Either a JSON-RPC error or an error result; never a successful sum.
      expect(refused.rejected || (refused.result as { isError?: boolean }).isError).toBeTruthy();
      expect(JSON.stringify(refused.result)).not.toContain('"3"');
    } finally {
      await client.close();
      t.cleanup();
    }
  });

  it('servers that cannot start do not stop the others, and are reported by name', async () => {
    const t = tempDir({
      'c.json': {
        mcpServers: {
          ghost: { command: 'switchboard-no-such-command-xyz' },
          quitter: fixtureServerEntry('exit-at-start'),
          echo: fixtureServerEntry('echo'),
        },
      },
    });
    const transport = cliTransport(['--config', t.path('c.json'), '--startup-budget', '15000']);
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'still here' } });
      expect(JSON.stringify(result.content)).toContain('still here');
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('ghost');
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('quitter');
      const ghostCall = await client.callTool({ name: 'ghost__anything', arguments: {} }).catch((e: Error) => e.message);
      expect(JSON.stringify(ghostCall)).toMatch(/ghost__anything|unknown|not found/i);

      const listed = await runCli(['list', '--config', t.path('c.json')], { env: cleanEnv(t.dir) });
      expect(listed.code, listed.stderr).toBe(0);
      const ghostRow = listed.stdout.split('\n').find((line) => line.startsWith('ghost'));
      const quitterRow = listed.stdout.split('\n').find((line) => line.startsWith('quitter'));
      expect(ghostRow).toMatch(/failed/);
      expect(ghostRow).toMatch(/ENOENT|not found/);
      expect(quitterRow).toMatch(/failed/);
      expect(listed.stdout).toMatch(/^echo\s+file\s+ready/m);
    } finally {
      await client.close();
      t.cleanup();
    }
  });

  it('--profile runs only that profile; an unknown profile exits 2 naming those that exist', async () => {
    const t = tempDir({
      'c.json': {
        mcpServers: { one: fixtureServerEntry('echo'), two: fixtureServerEntry('echo') },
        profiles: { solo: { servers: ['one'] }, both: { servers: ['one', 'two'] } },
      },
    });
    try {
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(cliTransport(['--config', t.path('c.json'), '--profile', 'solo', '--log-level', 'warn']));
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      await client.close();
      expect(names.some((n) => n.startsWith('one__'))).toBe(true);
      expect(names.some((n) => n.startsWith('two__'))).toBe(false);

      const unknown = await runCli(['--config', t.path('c.json'), '--profile', 'nope'], { env: cleanEnv(t.dir) });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('nope');
      expect(unknown.stderr).toContain('solo');
      expect(unknown.stderr).toContain('both');
    } finally {
      t.cleanup();
    }
  });
});
