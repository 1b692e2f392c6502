import type { EventBus, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Loose, callTool, connectClient, listAll, startHub, waitFor, type TestHub } from '../test/support/harness.js';
import { echoServer, fixture, textOf } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

async function hubWith(options: Parameters<typeof startHub>[0]): Promise<TestHub> {
  current = await startHub(options);
  await current.hub.settled();
  return current;
}

/** Records every message the client's transport receives, before the client's SDK sees it. */
function tap(transport: Transport): JSONRPCMessage[] {
  const seen: JSONRPCMessage[] = [];
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    seen.push(message);
    inner?.(message, extra);
  };
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress, cancellation and timeouts', () => {
  it('relays every progress notification, including the last one, with the client token', async () => {
    const fx = fixture('fx', (s) =>
      s.registerTool('work', { inputSchema: { steps: z.number() } }, async ({ steps }, extra) => {
        for (let i = 1; i <= steps; i++) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: extra._meta!.progressToken!, progress: i, total: steps, message: `step ${i}` },
          });
        }
        // The result follows the last progress notification immediately.
        return { content: [{ type: 'text', text: 'done' }] };
      }),
    );
    const { hub } = await hubWith({ fixtures: { fx: { create: fx } } });
    const { client, transport } = await connectClient(hub);
    const seen = tap(transport);
    for (let run = 0; run < 20; run++) {
      seen.length = 0;
      const token = `client-token-${run}`;
      const result = await client.request(
        { method: 'tools/call', params: { name: 'fx__work', arguments: { steps: 5 }, _meta: { progressToken: token } } },
        Loose,
      );
      expect(textOf(result)).toBe('done');
      const progress = seen.filter((m) => 'method' in m && m.method === 'notifications/progress').map((m) => (m as { params: Record<string, unknown> }).params);
      expect(progress).toEqual([1, 2, 3, 4, 5].map((i) => ({ progressToken: token, progress: i, total: 5, message: `step ${i}` })));
      // All of them before the result.
      const resultIndex = seen.findIndex((m) => 'result' in m);
      expect(resultIndex).toBe(seen.length - 1);
    }
  });

  it('keeps progress of concurrent sessions apart, even when they use the same token', async () => {
    const fx = fixture('fx', (s) =>
      s.registerTool('work', { inputSchema: { tag: z.string() } }, async ({ tag }, extra) => {
        for (let i = 1; i <= 3; i++) {
          await sleep(5);
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: i, message: tag } });
        }
        return { content: [{ type: 'text', text: tag }] };
      }),
    );
    const { hub } = await hubWith({ fixtures: { fx: { create: fx } } });
    const sessions = await Promise.all(Array.from({ length: 10 }, () => connectClient(hub)));
    const results = await Promise.all(
      sessions.map(async ({ client, transport }, i) => {
        const seen = tap(transport);
        const result = await client.request(
          { method: 'tools/call', params: { name: 'fx__work', arguments: { tag: `s${i}` }, _meta: { progressToken: 'same' } } },
          Loose,
        );
        const progress = seen
          .filter((m) => 'method' in m && m.method === 'notifications/progress')
          .map((m) => (m as { params: Record<string, unknown> }).params);
        return { text: textOf(result), progress };
      }),
    );
    results.forEach(({ text, progress }, i) => {
      expect(text).toBe(`s${i}`);
      expect(progress).toEqual([1, 2, 3].map((p) => ({ progressToken: 'same', progress: p, message: `s${i}` })));
    });
  });

  it('carries a client cancellation to the downstream request', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let abortedWith: unknown;
    const fx = fixture('fx', (s) =>
      s.registerTool('wait', { inputSchema: {} }, async (_args, extra) => {
        started();
        await new Promise<void>((resolve) => {
          if (extra.signal.aborted) resolve();
          extra.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        abortedWith = extra.signal.reason ?? 'aborted';
        return { content: [{ type: 'text', text: 'cancelled' }] };
      }),
    );
    const { hub } = await hubWith({ fixtures: { fx: { create: fx } } });
    const { client } = await connectClient(hub);
    const controller = new AbortController();
    const call = callTool(client, 'fx__wait', {}, { signal: controller.signal });
    await running;
    controller.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    await waitFor(() => abortedWith !== undefined, 10_000, 'downstream abort');
  });

  it('times out a silent request with SWB_TIMEOUT naming server, tool and limit; progress keeps it alive', async () => {
    let cancelled = false;
    const fx = fixture('slowfx', (s) => {
      s.registerTool('silent', { inputSchema: {} }, async (_args, extra) => {
        await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
        cancelled = true;
        return { content: [] };
      });
      s.registerTool('chatty', { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
        const end = Date.now() + ms;
        let i = 0;
        while (Date.now() < end && !extra.signal.aborted) {
          await sleep(40);
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: ++i } });
        }
        return { content: [{ type: 'text', text: extra.signal.aborted ? 'aborted' : 'finished' }] };
      });
    });
    const { hub } = await hubWith({
      fixtures: { slowfx: { create: fx } },
      config: { timeouts: { connectMs: 10_000, requestMs: 400, maxTotalMs: 60_000 } },
    });
    const { client } = await connectClient(hub);
    const error = (await callTool(client, 'slowfx__silent').catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32001);
    expect(error.message).toContain('"slowfx"');
    expect(error.message).toContain('"silent"');
    expect(error.message).toContain('400 ms');
    expect(error.data).toMatchObject({ code: 'SWB_TIMEOUT', server: 'slowfx', limitMs: 400 });
    await waitFor(() => cancelled, 10_000, 'downstream cancellation after timeout');
    // Runs 3x the request timeout, but with progress every 40 ms.
    expect(textOf(await callTool(client, 'slowfx__chatty', { ms: 1200 }))).toBe('finished');
  });

  it('caps a request that keeps sending progress at maxTotalMs', async () => {
    const fx = fixture('fx', (s) =>
      s.registerTool('forever', { inputSchema: {} }, async (_args, extra) => {
        let i = 0;
        while (!extra.signal.aborted) {
          await sleep(30);
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: ++i } });
        }
        return { content: [] };
      }),
    );
    const { hub } = await hubWith({ fixtures: { fx: { create: fx } }, config: { timeouts: { connectMs: 10_000, requestMs: 300, maxTotalMs: 900 } } });
    const { client } = await connectClient(hub);
    const error = (await callTool(client, 'fx__forever').catch((e: unknown) => e)) as McpError;
    expect(error.code).toBe(-32001);
    expect(error.message).toContain('maximum total time of 900 ms');
  });
});

describe('server to client requests', () => {
  const asker = fixture('asker', (s) => {
    s.registerTool('sample', { inputSchema: {} }, async (_args, extra) => {
      const result = await extra.sendRequest(
        { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 } },
        CreateMessageResultSchema,
      );
      return { content: [{ type: 'text', text: `sampled: ${(result.content as { text: string }).text}` }] };
    });
    s.registerTool('elicit', { inputSchema: {} }, async (_args, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { message: 'name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } },
        },
        ElicitResultSchema,
      );
      return { content: [{ type: 'text', text: `elicited: ${result.action} ${JSON.stringify(result.content)}` }] };
    });
  });

  it('relays sampling and elicitation to the calling session, and refuses a client without the capability', async () => {
    const { hub } = await hubWith({ fixtures: { asker: { create: asker } } });
    const { client: capable } = await connectClient(hub, {
      capabilities: { sampling: {}, elicitation: {} },
      setup: (c) => {
        c.setRequestHandler(CreateMessageRequestSchema, async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'from client A' } }));
        c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
      },
    });
    // A later session that cannot sample: the request must still go to the caller.
    const { client: plain } = await connectClient(hub);
    expect(textOf(await callTool(capable, 'asker__sample'))).toBe('sampled: from client A');
    expect(textOf(await callTool(capable, 'asker__elicit'))).toBe('elicited: accept {"name":"Ada"}');
    const refused = await callTool(plain, 'asker__sample');
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/did not declare the "sampling" capability/);
  });

  it('sends a roots/list with no call in flight to the newest session with roots, after telling servers roots changed', async () => {
    const rootsSeen: unknown[] = [];
    const watcher = fixture('watcher', (s) => {
      s.server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
        rootsSeen.push((await s.server.listRoots()).roots);
      });
      s.registerTool('noop', {}, async () => ({ content: [] }));
    });
    const { hub } = await hubWith({ fixtures: { watcher: { create: watcher } } });
    await connectClient(hub, {
      capabilities: { roots: { listChanged: true } },
      setup: (c) => c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///first', name: 'first' }] })),
    });
    await waitFor(() => rootsSeen.length >= 1, 10_000, 'first roots');
    const { client: second } = await connectClient(hub, {
      capabilities: { roots: { listChanged: true } },
      setup: (c) => c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///second', name: 'second' }] })),
    });
    await waitFor(() => rootsSeen.length >= 2, 10_000, 'second roots');
    expect(rootsSeen[0]).toEqual([{ uri: 'file:///first', name: 'first' }]);
    expect(rootsSeen[1]).toEqual([{ uri: 'file:///second', name: 'second' }]);
    // The client announcing a change makes servers ask again.
    await second.sendRootsListChanged();
    await waitFor(() => rootsSeen.length >= 3, 10_000, 'third roots');
  });

  it('answers a roots/list with no call in flight and no roots-capable client with a clear error', async () => {
    const errors: string[] = [];
    const early = fixture('early', (s) => {
      s.server.oninitialized = () => {
        s.server.listRoots().catch((error: Error) => errors.push(error.message));
      };
      s.registerTool('noop', {}, async () => ({ content: [] }));
    });
    await hubWith({ fixtures: { early: { create: early } } });
    await waitFor(() => errors.length > 0, 10_000, 'roots error');
    expect(errors[0]).toContain('no connected client supports roots');
    expect(errors[0]).toContain('"early"');
  });

  it('answers a roots/list with an error when the calling client lacks roots', async () => {
    const errors: string[] = [];
    const watcher = fixture('watcher', (s) => {
      s.registerTool('ask', {}, async () => {
        try {
          await s.server.listRoots();
          return { content: [{ type: 'text', text: 'got roots' }] };
        } catch (error) {
          errors.push((error as Error).message);
          return { content: [{ type: 'text', text: 'no roots' }] };
        }
      });
    });
    const { hub } = await hubWith({ fixtures: { watcher: { create: watcher } } });
    const { client } = await connectClient(hub);
    // listRoots without a related request: the hub sees the in-flight call and the caller lacks roots.
    expect(textOf(await callTool(client, 'watcher__ask'))).toBe('no roots');
    expect(errors[0]).toMatch(/roots/);
  });
});

describe('resources, completion, logging', () => {
  const docs = (name: string, uriBase: string) =>
    fixture(
      name,
      (s) => {
        s.registerResource('readme', `${uriBase}/readme`, { mimeType: 'text/plain' }, async (uri) => ({
          contents: [{ uri: uri.href, text: `${name} readme` }],
        }));
        s.registerResource('shared', 'shared://same', {}, async (uri) => ({ contents: [{ uri: uri.href, text: `${name} shared` }] }));
        s.registerResource(
          'item',
          new ResourceTemplate(`${uriBase}/items/{id}`, { list: undefined, complete: { id: (v) => ['1', '2', '3'].filter((x) => x.startsWith(v)) } }),
          {},
          async (uri, vars) => ({ contents: [{ uri: uri.href, text: `${name} item ${String(vars.id)}` }] }),
        );
        s.registerPrompt('greet', { argsSchema: { who: completable(z.string(), (v) => ['world', 'wide'].filter((x) => x.startsWith(v))) } }, ({ who }) => ({
          messages: [{ role: 'user', content: { type: 'text', text: `hi ${who}` } }],
        }));
        s.server.setRequestHandler(SubscribeRequestSchema, async () => ({}));
        s.server.setRequestHandler(UnsubscribeRequestSchema, async () => ({}));
        s.registerTool('touch', { inputSchema: { uri: z.string() } }, async ({ uri }) => {
          await s.server.sendResourceUpdated({ uri });
          return { content: [] };
        });
        s.registerTool('log', { inputSchema: {} }, async (_args, extra) => {
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'warning', data: `note from ${name}` } });
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'debug', logger: 'inner', data: 'fine detail' } });
          return { content: [] };
        });
      },
      { capabilities: { resources: { subscribe: true, listChanged: true }, logging: {} } },
    );

  it('routes reads by owner and template, resolves a shared URI to the first server by id, and keeps URIs', async () => {
    const { hub, logs } = await hubWith({ fixtures: { one: { create: docs('one', 'one://docs') }, two: { create: docs('two', 'two://docs') } } });
    const { client } = await connectClient(hub);
    const resources = await listAll(client, 'resources/list', 'resources');
    expect(resources.map((r) => r.uri).sort()).toEqual(['one://docs/readme', 'shared://same', 'two://docs/readme']);
    const templates = await listAll(client, 'resources/templates/list', 'resourceTemplates');
    expect(templates.map((t) => t.uriTemplate).sort()).toEqual(['one://docs/items/{id}', 'two://docs/items/{id}']);
    expect((await client.readResource({ uri: 'two://docs/readme' })).contents).toEqual([{ uri: 'two://docs/readme', text: 'two readme' }]);
    expect((await client.readResource({ uri: 'two://docs/items/7' })).contents).toEqual([{ uri: 'two://docs/items/7', text: 'two item 7' }]);
    expect((await client.readResource({ uri: 'one://docs/items/9' })).contents[0]).toMatchObject({ text: 'one item 9' });
    expect((await client.readResource({ uri: 'shared://same' })).contents[0]).toMatchObject({ text: 'one shared' });
    expect(logs.filter((l) => l.level === 'warn' && l.message.includes('shared://same'))).toHaveLength(1);
  });

  it('sends a read of a URI nobody lists to the resource servers in id order until one answers', async () => {
    const raw = (name: string, answer: boolean) => (method: string, params: Record<string, unknown> | undefined) => {
      if (method === 'initialize') return { protocolVersion: '2025-06-18', capabilities: { resources: {} }, serverInfo: { name, version: '1' } };
      if (method === 'resources/list') return { resources: [] };
      if (method === 'resources/templates/list') throw new Error('no templates here');
      if (method === 'resources/read') {
        if (!answer) throw new Error(`${name} does not know ${String(params?.uri)}`);
        return { contents: [{ uri: params?.uri, text: `${name} made it up` }] };
      }
      throw new Error(`unexpected ${method}`);
    };
    const { hub } = await hubWith({ fixtures: { a: { raw: raw('a', false) }, b: { raw: raw('b', true) } } });
    expect(hub.status().map((s) => s.state)).toEqual(['ready', 'ready']);
    const { client } = await connectClient(hub);
    expect((await client.readResource({ uri: 'mystery://x' })).contents).toEqual([{ uri: 'mystery://x', text: 'b made it up' }]);
  });

  it('delivers resources/updated only to subscribed sessions', async () => {
    const { hub } = await hubWith({ fixtures: { one: { create: docs('one', 'one://docs') } } });
    const updatesA: string[] = [];
    const updatesB: string[] = [];
    const { client: a } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updatesA.push(n.params.uri)),
    });
    const { client: b } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updatesB.push(n.params.uri)),
    });
    await a.subscribeResource({ uri: 'one://docs/readme' });
    await callTool(b, 'one__touch', { uri: 'one://docs/readme' });
    await waitFor(() => updatesA.length === 1, 10_000, 'update for A');
    await callTool(b, 'one__touch', { uri: 'one://docs/other' });
    await a.unsubscribeResource({ uri: 'one://docs/readme' });
    await callTool(b, 'one__touch', { uri: 'one://docs/readme' });
    await sleep(100);
    expect(updatesA).toEqual(['one://docs/readme']);
    expect(updatesB).toEqual([]);
  });

  it('routes completion by prompt name and by resource template', async () => {
    const { hub } = await hubWith({ fixtures: { one: { create: docs('one', 'one://docs') }, two: { create: docs('two', 'two://docs') } } });
    const { client } = await connectClient(hub);
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'two__greet' }, argument: { name: 'who', value: 'w' } });
    expect(prompt.completion.values).toEqual(['world', 'wide']);
    const resource = await client.complete({ ref: { type: 'ref/resource', uri: 'two://docs/items/{id}' }, argument: { name: 'id', value: '' } });
    expect(resource.completion.values).toEqual(['1', '2', '3']);
    expect((await client.getPrompt({ name: 'one__greet', arguments: { who: 'there' } })).messages[0]!.content).toEqual({ type: 'text', text: 'hi there' });
  });

  it('fans logging/setLevel out and forwards log messages with the server name to the calling session', async () => {
    const levels: string[] = [];
    const withLevels = (name: string) => {
      const make = docs(name, `${name}://docs`);
      return () => {
        const s = make();
        s.server.setRequestHandler(SetLevelRequestSchema, async (r) => {
          levels.push(`${name}:${r.params.level}`);
          return {};
        });
        return s;
      };
    };
    const { hub } = await hubWith({ fixtures: { one: { create: withLevels('one') }, two: { create: withLevels('two') } } });
    const messagesA: Array<Record<string, unknown>> = [];
    const messagesB: Array<Record<string, unknown>> = [];
    const { client: a } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messagesA.push(n.params)),
    });
    await connectClient(hub, { setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messagesB.push(n.params)) });
    await a.setLoggingLevel('info');
    expect(levels.sort()).toEqual(['one:info', 'two:info']);
    await callTool(a, 'two__log');
    await waitFor(() => messagesA.length >= 1, 10_000, 'log message');
    await sleep(50);
    // The debug one is below A's level; B has no call in flight on "two".
    expect(messagesA).toEqual([{ level: 'warning', logger: 'two', data: 'note from two' }]);
    expect(messagesB).toEqual([]);
  });
});

describe('log messages of a server shared by several sessions', () => {
  it('keeps back a log that could belong to either of two sessions, then delivers each session only its own', async () => {
    const gate: { release?: () => void } = {};
    const chatty = () => {
      const s = new McpServer({ name: 'chatty', version: '1.0.0' }, { capabilities: { logging: {} } });
      s.registerTool('wait-and-log', { inputSchema: { who: z.string(), hold: z.boolean().optional() } }, async ({ who, hold }, extra) => {
        if (hold) await new Promise<void>((resolve) => (gate.release = resolve));
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'warning', data: `private to ${who}` } });
        return { content: [{ type: 'text', text: `done ${who}` }] };
      });
      return s;
    };
    const { hub } = await hubWith({ fixtures: { chatty: { create: chatty } } });
    const messages: Record<string, string[]> = { a: [], b: [] };
    const connect = (who: 'a' | 'b') =>
      connectClient(hub, {
        setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages[who]!.push(String(n.params.data))),
      });
    const { client: a } = await connect('a');
    const { client: b } = await connect('b');

    // Both sessions are inside a call on "chatty" when A's log arrives: nobody can tell whose it is.
    const held = callTool(b, 'chatty__wait-and-log', { who: 'b', hold: true });
    await waitFor(() => gate.release !== undefined, 10_000, 'b in flight');
    await callTool(a, 'chatty__wait-and-log', { who: 'a' });
    gate.release!();
    await held;
    await sleep(50);
    expect(messages).toEqual({ a: [], b: ['private to b'] });

    // From now on the sessions take turns on "chatty", so each log reaches only its own session.
    await Promise.all([callTool(a, 'chatty__wait-and-log', { who: 'a' }), callTool(b, 'chatty__wait-and-log', { who: 'b' })]);
    await sleep(50);
    expect(messages).toEqual({ a: ['private to a'], b: ['private to b', 'private to b'] });
  });
});

describe('events and instructions', () => {
  it('emits call.started/call.finished for tools, prompts and resources', async () => {
    const fx = echoServer('fx', (s) => {
      s.registerResource('r', 'fx://r', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'r' }] }));
      s.registerTool('bad', {}, async () => ({ content: [{ type: 'text', text: 'it broke' }], isError: true }));
    });
    const { hub, events } = await hubWith({ fixtures: { fx: { create: fx } }, callEvents: true });
    const { client } = await connectClient(hub, { sessionId: 'sess-1' });
    await callTool(client, 'fx__echo', { text: 'a' });
    await callTool(client, 'fx__bad');
    await client.getPrompt({ name: 'fx__hello' });
    await client.readResource({ uri: 'fx://r' });
    const finished = events.filter((e): e is Extract<SwitchboardEvent, { type: 'call.finished' }> => e.type === 'call.finished');
    expect(finished.map((e) => [e.kind, e.item, e.success, e.sessionId, e.server.id])).toEqual([
      ['tool', 'echo', true, 'sess-1', 'fx'],
      ['tool', 'bad', false, 'sess-1', 'fx'],
      ['prompt', 'hello', true, 'sess-1', 'fx'],
      ['resource', 'fx://r', true, 'sess-1', 'fx'],
    ]);
    expect(finished[1]!.error).toBe('it broke');
    expect(finished[0]!.arguments).toEqual({ text: 'a' });
    const started = events.filter((e) => e.type === 'call.started');
    expect(started).toHaveLength(4);
    for (const e of finished) expect(e.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('builds no call events when nobody receives them (EventBus.wants), and answers the call the same', async () => {
    const emitted: SwitchboardEvent[] = [];
    const quiet: EventBus = {
      emit: (event) => void emitted.push(event),
      on: () => () => undefined,
      wants: (type) => !type.startsWith('call.'),
    };
    const { hub } = await hubWith({ fixtures: { fx: { create: echoServer('fx') } }, extra: { events: quiet } });
    const { client } = await connectClient(hub, { sessionId: 'sess-q' });
    expect(textOf(await callTool(client, 'fx__echo', { text: 'quiet' }))).toBe('fx: quiet');
    expect(emitted.filter((e) => e.type.startsWith('call.'))).toEqual([]);
    expect(emitted.some((e) => e.type === 'server.state')).toBe(true); // the rest is emitted as before
  });

  it('merges downstream instructions under each server name and appends configured ones', async () => {
    const { server } = await import('../test/support/harness.js');
    const { hub } = await hubWith({
      fixtures: {
        a: { create: fixture('a', (s) => s.registerTool('x', {}, async () => ({ content: [] })), { instructions: 'Use a for apples.' }) },
        b: { create: fixture('b', (s) => s.registerTool('y', {}, async () => ({ content: [] }))) },
      },
      servers: [server('a'), server('b', { instructions: 'Configured note for b.' })],
    });
    expect(hub.instructions()).toBe('## a\n\nUse a for apples.\n\n## b\n\nConfigured note for b.');
    const { client } = await connectClient(hub);
    expect(client.getInstructions()).toBe(hub.instructions());
    expect(client.getServerCapabilities()).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
      completions: {},
    });
    await expect(client.ping()).resolves.toEqual({});
  });
});
