/**
 * The hub against the real reference servers (spawned with node over stdio): everything they expose appears
 * namespaced, and calls, prompts and reads return exactly what a direct connection returns.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hub } from '../src/hub.js';
import { Loose, callTool, config, connectClient, listAll, recordingEvents, recordingLogger, server, staticSource, waitFor } from './support/harness.js';
import { directStdioClient, referenceServer, testStdioConnector } from './support/stdio.js';
import { exposedAs } from './support/fixtures.js';

const node = process.execPath;
const everythingArgs = [referenceServer('server-everything'), 'stdio'];
const memoryArgs = [referenceServer('server-memory')];
const filesystemArgs = (dir: string) => [referenceServer('server-filesystem'), dir];

type Item = Record<string, unknown>;

let tmp: string;
let dirA: string;
let dirB: string;
let hub: Hub;
let client: Client;
const direct: Record<string, Client> = {};

function textOf(result: Item): string {
  return (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'hub-ref-')));
  dirA = join(tmp, 'a');
  dirB = join(tmp, 'b');
  for (const d of [dirA, dirB]) {
    rmSync(d, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(d);
  }
  writeFileSync(join(dirA, 'hello.txt'), 'hello from A\n');
  writeFileSync(join(dirB, 'other.txt'), 'hello from B\n');

  hub = new Hub({
    config: config({ timeouts: { connectMs: 30_000, requestMs: 30_000, maxTotalMs: 120_000 } }),
    sources: [
      staticSource([
        server('every', { command: node, args: everythingArgs }),
        server('mem', { command: node, args: memoryArgs, env: { MEMORY_FILE_PATH: join(tmp, 'hub-memory.jsonl') } }),
        server('fs', { command: node, args: filesystemArgs(dirA) }),
      ]),
    ],
    connectors: [testStdioConnector()],
    filters: [],
    events: recordingEvents(),
    logger: recordingLogger(),
  });
  await hub.start();

  // The direct clients offer dir B as their root, like the test client does through the hub.
  const rootsB = (c: Client) => c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(dirB).href, name: 'B' }] }));
  const [every, mem, fs] = await Promise.all([
    directStdioClient(node, everythingArgs, {}, rootsB),
    directStdioClient(node, memoryArgs, { MEMORY_FILE_PATH: join(tmp, 'direct-memory.jsonl') }),
    directStdioClient(node, filesystemArgs(dirA), {}, rootsB),
  ]);
  Object.assign(direct, { every, mem, fs });
  await hub.settled();
  expect(hub.status().map((s) => [s.id, s.state, s.error])).toEqual([
    ['every', 'ready', undefined],
    ['fs', 'ready', undefined],
    ['mem', 'ready', undefined],
  ]);

  ({ client } = await connectClient(hub, {
    capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    setup: (c) => {
      c.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: `sampled reply to ${JSON.stringify((request.params.messages[0]!.content as { text: string }).text)}` },
      }));
      c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } }));
      c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(dirB).href, name: 'B' }] }));
    },
  }));
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await Promise.allSettled(Object.values(direct).map((c) => c.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('reference servers through the hub', () => {
  it('exposes every tool, prompt, resource and template of each server, namespaced and otherwise unchanged', async () => {
    for (const [id, c] of Object.entries(direct)) {
      const caps = c.getServerCapabilities() ?? {};
      if (caps.tools) {
        const want = (await listAll(c, 'tools/list', 'tools')).map((t) => exposedAs(t, `${id}__${t.name as string}`, { id }));
        expect(want.length).toBeGreaterThan(0);
        // The hub refreshes on list_changed; wait until it holds the same list as the direct client.
        const got = await waitFor(
          async () => {
            const all = (await listAll(client, 'tools/list', 'tools')).filter((t) => (t.name as string).startsWith(`${id}__`));
            return all.length === want.length ? all : undefined;
          },
          20_000,
          `${id} tools`,
        );
        expect(new Map(got!.map((t) => [t.name, t]))).toEqual(new Map(want.map((t) => [t.name, t])));
      }
      if (caps.prompts) {
        const want = (await listAll(c, 'prompts/list', 'prompts')).map((p) => exposedAs(p, `${id}__${p.name as string}`, { id }));
        const got = (await listAll(client, 'prompts/list', 'prompts')).filter((p) => (p.name as string).startsWith(`${id}__`));
        expect(new Map(got.map((p) => [p.name, p]))).toEqual(new Map(want.map((p) => [p.name, p])));
      }
      if (caps.resources) {
        const want = await listAll(c, 'resources/list', 'resources');
        const got = await listAll(client, 'resources/list', 'resources');
        for (const r of want) expect(got).toContainEqual(r);
        const wantT = await listAll(c, 'resources/templates/list', 'resourceTemplates');
        const gotT = await listAll(client, 'resources/templates/list', 'resourceTemplates');
        for (const t of wantT) expect(gotT).toContainEqual(t);
      }
    }
    // server-everything registers its roots/sampling/elicitation tools because the hub declares those capabilities.
    const everyTools = hub
      .tools()
      .filter((t) => t.serverId === 'every')
      .map((t) => t.originalName);
    expect(everyTools).toEqual(expect.arrayContaining(['get-roots-list', 'trigger-sampling-request', 'trigger-elicitation-request']));
    for (const entry of hub.tools()) expect(entry.exposedName).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(hub.instructions()).toContain('## every');
  });

  it("lets server-filesystem (started with dir A) see the client's roots (dir B)", async () => {
    const allowed = await waitFor(
      async () => {
        const text = textOf(await callTool(client, 'fs__list_allowed_directories'));
        return text.includes(dirB) && !text.includes(dirA) ? text : undefined;
      },
      20_000,
      'filesystem to adopt the client roots',
    );
    expect(allowed).toContain(dirB);
    const listing = textOf(await callTool(client, 'fs__list_directory', { path: dirB }));
    expect(listing).toContain('other.txt');
  });
  it('returns exactly what a direct connection returns for calls, prompts and reads', async () => {
    const same = async (viaHub: () => Promise<Item>, viaDirect: () => Promise<Item>) => {
      const [a, b] = [await viaHub(), await viaDirect()];
      expect(a).toEqual(b);
      return a;
    };
    const echo = await same(
      () => callTool(client, 'every__echo', { message: 'hi there' }),
      () => callTool(direct.every!, 'echo', { message: 'hi there' }),
    );
    expect(textOf(echo)).toContain('hi there');
    await same(
      () => callTool(client, 'every__get-sum', { a: 2, b: 40 }),
      () => callTool(direct.every!, 'get-sum', { a: 2, b: 40 }),
    );
    await same(
      () => callTool(client, 'every__get-structured-content', { location: 'New York' }),
      () => callTool(direct.every!, 'get-structured-content', { location: 'New York' }),
    );
    await same(
      () => callTool(client, 'every__get-resource-links', { count: 2 }),
      () => callTool(direct.every!, 'get-resource-links', { count: 2 }),
    );
    await same(
      () => callTool(client, 'every__get-tiny-image'),
      () => callTool(direct.every!, 'get-tiny-image'),
    );
    const entities = { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] };
    await same(
      () => callTool(client, 'mem__create_entities', entities),
      () => callTool(direct.mem!, 'create_entities', entities),
    );
    await same(
      () => callTool(client, 'mem__read_graph'),
      () => callTool(direct.mem!, 'read_graph'),
    );
    // Both filesystem servers were started with dir A and took dir B from their client's roots.
    const read = await same(
      () => callTool(client, 'fs__read_text_file', { path: join(dirB, 'other.txt') }),
      () => callTool(direct.fs!, 'read_text_file', { path: join(dirB, 'other.txt') }),
    );
    expect(textOf(read)).toContain('hello from B');
    await same(
      () => callTool(client, 'fs__list_allowed_directories'),
      () => callTool(direct.fs!, 'list_allowed_directories'),
    );

    await same(
      () => client.request({ method: 'prompts/get', params: { name: 'every__args-prompt', arguments: { city: 'Paris', state: 'TX' } } }, Loose),
      () => direct.every!.request({ method: 'prompts/get', params: { name: 'args-prompt', arguments: { city: 'Paris', state: 'TX' } } }, Loose),
    );
    await same(
      () => client.request({ method: 'prompts/get', params: { name: 'every__simple-prompt' } }, Loose),
      () => direct.every!.request({ method: 'prompts/get', params: { name: 'simple-prompt' } }, Loose),
    );

    const resources = await listAll(direct.every!, 'resources/list', 'resources');
    const staticUri = resources[0]!.uri as string;
    const staticRead = await same(
      () => client.request({ method: 'resources/read', params: { uri: staticUri } }, Loose),
      () => direct.every!.request({ method: 'resources/read', params: { uri: staticUri } }, Loose),
    );
    expect((staticRead.contents as Item[])[0]!.uri).toBe(staticUri);
    // A templated URI; its text carries a clock time (seconds), so retry if a second boundary falls between.
    const templated = 'demo://resource/dynamic/text/3';
    let equal = false;
    for (let attempt = 0; attempt < 5 && !equal; attempt++) {
      const a = await client.request({ method: 'resources/read', params: { uri: templated } }, Loose);
      const b = await direct.every!.request({ method: 'resources/read', params: { uri: templated } }, Loose);
      equal = JSON.stringify(a) === JSON.stringify(b);
      if (equal) {
        expect(a).toEqual(b);
        expect((a.contents as Item[])[0]!.text).toContain('Resource 3');
      }
    }
    expect(equal).toBe(true);
  });

  it('relays 5 progress notifications with the client token, 20 times in a row', async () => {
    const tool = (await listAll(client, 'tools/list', 'tools')).find((t) => t.name === 'every__trigger-long-running-operation');
    expect(tool).toBeDefined();
    const transport = (client as unknown as { transport: { onmessage?: (m: unknown, e?: unknown) => void } }).transport;
    const seen: Item[] = [];
    const inner = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const m = message as Item;
      if (m.method === 'notifications/progress') seen.push(m.params as Item);
      inner?.(message, extra);
    };
    try {
      for (let run = 0; run < 20; run++) {
        seen.length = 0;
        const token = `progress-${run}`;
        const result = await client.request(
          {
            method: 'tools/call',
            params: { name: 'every__trigger-long-running-operation', arguments: { duration: 0.1, steps: 5 }, _meta: { progressToken: token } },
          },
          Loose,
        );
        expect(textOf(result)).toContain('Steps: 5');
        expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => ({ progressToken: token, progress: i, total: 5 })));
      }
    } finally {
      transport.onmessage = inner;
    }
  });

  it('answers server-everything sampling and elicitation requests through the client', async () => {
    const sampled = await callTool(client, 'every__trigger-sampling-request', { prompt: 'Say hi', maxTokens: 20 });
    expect(textOf(sampled)).toContain('sampled reply to');
    expect(textOf(sampled)).toContain('test-model');
    const elicited = await callTool(client, 'every__trigger-elicitation-request');
    expect(textOf(elicited)).toContain('Name: Ada Lovelace');
    expect(textOf(elicited)).toContain('Favorite Integer: 7');
  });
});

describe('servers that cannot start', () => {
  it('marks a missing command and a server exiting at start as failed, naming them; the others work', async () => {
    const logger = recordingLogger();
    const failing = new Hub({
      config: config({ timeouts: { connectMs: 20_000, requestMs: 20_000, maxTotalMs: 60_000 } }),
      sources: [
        staticSource([
          server('ghost', { command: 'nonexistent-cmd-for-switchboard-test', args: [] }),
          server('quitter', { command: node, args: ['-e', 'process.exit(3)'] }),
          server('mem', { command: node, args: memoryArgs, env: { MEMORY_FILE_PATH: join(tmp, 'other-memory.jsonl') } }),
        ]),
      ],
      connectors: [testStdioConnector()],
      filters: [],
      events: recordingEvents(),
      logger,
    });
    try {
      await failing.start();
      await failing.settled();
      const status = Object.fromEntries(failing.status().map((s) => [s.id, s]));
      expect(status.ghost!.state).toBe('failed');
      expect(status.ghost!.error).toContain('"ghost"');
      expect(status.ghost!.error).toContain('ENOENT');
      expect(status.quitter!.state).toBe('failed');
      expect(status.quitter!.error).toContain('"quitter"');
      expect(status.mem!.state).toBe('ready');
      expect(status.mem!.pid).toBeTypeOf('number');
      const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.message);
      expect(errors.some((m) => m.includes('"ghost"'))).toBe(true);
      expect(errors.some((m) => m.includes('"quitter"'))).toBe(true);
      const { client: c } = await connectClient(failing);
      const tools = await listAll(c, 'tools/list', 'tools');
      expect(tools.every((t) => (t.name as string).startsWith('mem__'))).toBe(true);
      expect(textOf(await callTool(c, 'mem__read_graph'))).toContain('entities');
    } finally {
      await failing.stop();
    }
  });
});
