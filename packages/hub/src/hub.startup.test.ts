import { SwitchboardError, type ConfigSource, type SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Hub } from './hub.js';
import {
  callTool,
  config,
  connectClient,
  fixtureConnector,
  listAll,
  recordingEvents,
  recordingLogger,
  server,
  startHub,
  staticSource,
  waitFor,
  type TestHub,
} from '../test/support/harness.js';
import { echoServer, textOf } from '../test/support/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

describe('startup and failures', () => {
  it('keeps serving when one connector throws ENOENT and another server fails at initialize', async () => {
    const enoent = Object.assign(new Error('spawn nonexistent-cmd ENOENT'), { code: 'ENOENT' });
    current = await startHub({
      fixtures: {
        good: { create: echoServer('good') },
        missing: { connectError: enoent },
        broken: { failInitialize: 'cannot initialize: bad config' },
      },
    });
    const { hub, logs } = current;
    await hub.settled();
    const status = Object.fromEntries(hub.status().map((s) => [s.id, s]));
    expect(status.good!.state).toBe('ready');
    expect(status.missing!.state).toBe('failed');
    expect(status.missing!.error).toContain('"missing"');
    expect(status.missing!.error).toContain('spawn nonexistent-cmd ENOENT');
    expect(status.broken!.state).toBe('failed');
    expect(status.broken!.error).toContain('"broken"');
    expect(status.broken!.error).toContain('cannot initialize: bad config');
    expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('"missing"'), expect.stringContaining('"broken"')]),
    );
    const { client } = await connectClient(hub);
    expect((await listAll(client, 'tools/list', 'tools')).map((t) => t.name)).toEqual(['good__echo']);
    expect(textOf(await callTool(client, 'good__echo', { text: 'still here' }))).toBe('good: still here');
    // A name under a failed server's prefix says which server is down and why.
    const down = await callTool(client, 'missing__anything').catch((e: unknown) => e as Error);
    expect(down.message).toContain('Server "missing" is not available (state: failed)');
    expect(down.message).toContain('ENOENT');
  });

  it('fails a server whose transport type has no connector, naming it', async () => {
    current = await startHub({
      fixtures: { good: { create: echoServer('good') } },
      servers: [server('good'), server('remote', { transport: 'sse', url: 'http://127.0.0.1:1/sse', headers: {} } as never)],
      connectorTypes: ['stdio'],
    });
    await current.hub.settled();
    const remote = current.hub.status().find((s) => s.id === 'remote')!;
    expect(remote.state).toBe('failed');
    expect(remote.error).toMatch(/"remote".*no connector for transport "sse"/);
  });

  it('sends no list_changed to a client whose first list already waited for every server', async () => {
    current = await startHub({
      fixtures: { fast: { create: echoServer('fast') }, slow: { create: echoServer('slow'), initDelayMs: 300 } },
      config: { startupBudgetMs: 10_000 },
    });
    const { hub } = current;
    let changed = 0;
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++),
    });
    const first = await listAll(client, 'tools/list', 'tools');
    expect(first.map((t) => t.name)).toEqual(['fast__echo', 'slow__echo']);
    // The debounced notification for the slow server's arrival would come now; the client already has it all.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.ping();
    expect(changed).toBe(0);
  });

  it('answers the first list within the startup budget with the ready servers, then announces the slow one', async () => {
    current = await startHub({
      fixtures: { fast: { create: echoServer('fast') }, slow: { create: echoServer('slow'), initDelayMs: 1500 } },
      config: { startupBudgetMs: 300 },
    });
    const { hub, events } = current;
    const changedAt: number[] = [];
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void changedAt.push(Date.now())),
    });
    const first = await listAll(client, 'tools/list', 'tools');
    expect(first.map((t) => t.name)).toEqual(['fast__echo']);
    expect(hub.isReady()).toBe(true);
    expect(hub.status().find((s) => s.id === 'slow')!.state).toBe('starting');
    // A list_changed sent after the slow server became ready.
    const slowReady = () => events.find((e) => e.type === 'server.state' && e.server.id === 'slow' && e.state === 'ready')?.at;
    await waitFor(() => slowReady() !== undefined && changedAt.some((t) => t >= slowReady()!), 20_000, 'tools/list_changed for slow');
    const later = await listAll(client, 'tools/list', 'tools');
    expect(later.map((t) => t.name)).toEqual(['fast__echo', 'slow__echo']);
    expect(textOf(await callTool(client, 'slow__echo', { text: 'late' }))).toBe('slow: late');
  });

  it('makes the first list wait for a server still starting within the budget', async () => {
    current = await startHub({
      fixtures: { fast: { create: echoServer('fast') }, slow: { create: echoServer('slow'), initDelayMs: 300 } },
      config: { startupBudgetMs: 30_000 },
    });
    const { client } = await connectClient(current.hub);
    const first = await listAll(client, 'tools/list', 'tools');
    expect(first.map((t) => t.name)).toEqual(['fast__echo', 'slow__echo']);
  });

  it('logs a failing config source and serves the others', async () => {
    const logger = recordingLogger();
    const failing: ConfigSource = {
      load: async () => {
        throw new Error('api unreachable');
      },
    };
    const hub = new Hub({
      config: config(),
      sources: [failing, staticSource([server('good')])],
      connectors: [fixtureConnector({ good: { create: echoServer('good') } })],
      filters: [],
      events: recordingEvents(),
      logger,
    });
    current = { hub, logs: logger.lines, events: [], connector: fixtureConnector({}) };
    await hub.start();
    await hub.settled();
    expect(hub.status().map((s) => [s.id, s.state])).toEqual([['good', 'ready']]);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('SWB_SOURCE_FAILED') && l.message.includes('api unreachable'))).toBe(true);
  });

  it('merges sources by id (later wins), skips disabled servers and applies the selected profile', async () => {
    const logger = recordingLogger();
    const connector = fixtureConnector({ a: { create: echoServer('a') }, b: { create: echoServer('b') }, c: { create: echoServer('c') } });
    const make = (profile?: string) =>
      new Hub({
        config: config({ profiles: { work: { servers: ['a', 'b'] }, solo: { servers: ['c'] } } }),
        sources: [
          staticSource([server('a', { prefix: 'first' }), server('b'), server('c')]),
          staticSource([server('a', { prefix: 'second' }), server('b', { enabled: false })]),
        ],
        connectors: [connector],
        filters: [],
        events: recordingEvents(),
        logger,
        ...(profile ? { profile } : {}),
      });
    expect(() => make('nope')).toThrow(SwitchboardError);
    expect(() => make('nope')).toThrow(/unknown profile "nope".*work, solo/);
    const hub = make('work');
    current = { hub, logs: logger.lines, events: [], connector };
    await hub.start();
    await hub.settled();
    expect(hub.status().map((s) => [s.id, s.state])).toEqual([
      ['a', 'ready'],
      ['b', 'disabled'],
    ]);
    expect(hub.tools().map((t) => t.exposedName)).toEqual(['second__echo']);
    expect(hub.profiles()).toEqual(['work', 'solo']);
  });

  it('restricts a session to its profile and rejects an unknown session profile', async () => {
    current = await startHub({
      fixtures: { a: { create: echoServer('a') }, b: { create: echoServer('b') } },
      config: { profiles: { onlyB: { servers: ['b'] } } },
    });
    await current.hub.settled();
    const { client: all } = await connectClient(current.hub);
    const { client: onlyB } = await connectClient(current.hub, { profile: 'onlyB' });
    expect((await all.listTools()).tools.map((t) => t.name)).toEqual(['a__echo', 'b__echo']);
    expect((await onlyB.listTools()).tools.map((t) => t.name)).toEqual(['b__echo']);
    await expect(callTool(onlyB, 'a__echo', { text: 'x' })).rejects.toMatchObject({ code: -32602 });
    const [, serverSide] = (await import('@modelcontextprotocol/sdk/inMemory.js')).InMemoryTransport.createLinkedPair();
    await expect(current.hub.connect(serverSide, { profile: 'ghost' })).rejects.toMatchObject({ code: 'SWB_PROFILE_UNKNOWN' });
  });

  it('marks a server that dies while ready as failed, drops its tools and tells clients', async () => {
    // maxFailures 1: the first crash opens the circuit (restarts are covered in hub.supervision.test.ts).
    current = await startHub({
      fixtures: { a: { create: echoServer('a') }, b: { create: echoServer('b') } },
      config: {
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
    });
    const { hub, connector, events } = current;
    await hub.settled();
    let changed = 0;
    const { client } = await connectClient(hub, {
      setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1)),
    });
    expect((await client.listTools()).tools).toHaveLength(2);
    await connector.servers.get('b')!.close(); // the server goes away
    await waitFor(() => changed > 0, 10_000, 'list_changed');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['a__echo']);
    const b = hub.status().find((s) => s.id === 'b')!;
    expect(b.state).toBe('failed');
    expect(b.error).toContain('"b"');
    const err = await callTool(client, 'b__echo', { text: 'x' }).catch((e: unknown) => e as Error);
    expect(err.message).toContain('Server "b" is not available (state: failed)');
    const states = events.filter((e): e is Extract<SwitchboardEvent, { type: 'server.state' }> => e.type === 'server.state' && e.server.id === 'b');
    expect(states.map((e) => e.state)).toEqual(['starting', 'ready', 'failed']);
  });

  it('emits server.state, server.discovered and catalog.changed; stop() is idempotent and closes sessions', async () => {
    current = await startHub({ fixtures: { a: { create: echoServer('a') } } });
    const { hub, events } = current;
    await hub.settled();
    expect(events.some((e) => e.type === 'server.discovered' && e.server.id === 'a' && e.catalog.tools.length === 1)).toBe(true);
    expect(events.some((e) => e.type === 'catalog.changed' && e.tools === 1 && e.prompts === 1)).toBe(true);
    const { client } = await connectClient(hub);
    let closed = false;
    client.onclose = () => void (closed = true);
    await Promise.all([hub.stop(), hub.stop()]);
    await hub.stop();
    expect(closed).toBe(true);
    expect(hub.status()[0]!.state).toBe('stopped');
  });

  it('stops cleanly while a server is still starting', async () => {
    current = await startHub({ fixtures: { slow: { create: echoServer('slow'), initDelayMs: 500 } } });
    const { hub } = current;
    expect(hub.status()[0]!.state).toBe('starting');
    await hub.stop();
    await hub.settled();
    expect(hub.status()[0]!.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 700)); // the fixture would have answered by now
    expect(hub.status()[0]!.state).toBe('stopped');
    await expect(connectClient(hub)).rejects.toThrow(/stopping/);
  });

  it('calls the shutdown handler on requestShutdown', async () => {
    current = await startHub({ fixtures: {} });
    const reasons: string[] = [];
    current.hub.onShutdownRequest = (r) => reasons.push(r);
    current.hub.requestShutdown('stdin closed');
    expect(reasons).toEqual(['stdin closed']);
  });

  it('starts and stops servers when a watched source changes', async () => {
    const logger = recordingLogger();
    const events = recordingEvents();
    let push: ((s: ReturnType<typeof server>[]) => void) | undefined;
    const source: ConfigSource = {
      load: async () => [server('a')],
      watch: (fn) => {
        push = fn;
        return () => (push = undefined);
      },
    };
    const connector = fixtureConnector({ a: { create: echoServer('a') }, b: { create: echoServer('b') } });
    const hub = new Hub({ config: config(), sources: [source], connectors: [connector], filters: [], events, logger });
    current = { hub, logs: logger.lines, events: events.events, connector };
    await hub.start();
    await hub.settled();
    const { client } = await connectClient(hub);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['a__echo']);
    push!([server('b')]);
    await hub.settled();
    await waitFor(async () => (await client.listTools()).tools.map((t) => t.name).join() === 'b__echo', 10_000, 'b only');
    expect(events.events.some((e) => e.type === 'config.changed' && e.added.includes('b') && e.removed.includes('a'))).toBe(true);
  });
});

describe('connector choice', () => {
  it('uses the first connector of the type that accepts the server', async () => {
    const general = fixtureConnector({ plain: { create: echoServer('plain') } });
    const special = fixtureConnector({ claimed: { create: echoServer('claimed') } });
    const picky = { ...special, types: special.types, connect: special.connect.bind(special), accepts: (s: { id: string }) => s.id === 'claimed' };
    current = await startHub({
      fixtures: {},
      servers: [server('plain'), server('claimed')],
      extra: { connectors: [picky, general] },
    });
    await current.hub.settled();
    const states = Object.fromEntries(current.hub.status().map((s) => [s.id, s.state]));
    expect(states).toEqual({ plain: 'ready', claimed: 'ready' });
    const { client } = await connectClient(current.hub);
    expect(textOf(await callTool(client, 'claimed__echo', { text: 'mine' }))).toBe('claimed: mine');
    expect(textOf(await callTool(client, 'plain__echo', { text: 'general' }))).toBe('plain: general');
  });
});

describe('link failures during a call', () => {
  it('names the server when the link fails to carry a request (e.g. write EPIPE on a dying pipe)', async () => {
    const inner = fixtureConnector({ brittle: { create: echoServer('brittle') } });
    const brittle = {
      types: inner.types,
      async connect(definition: Parameters<typeof inner.connect>[0], context: Parameters<typeof inner.connect>[1]) {
        const link = await inner.connect(definition, context);
        const send = link.transport.send.bind(link.transport);
        link.transport.send = async (message, options) => {
          if ('method' in message && message.method === 'tools/call') throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
          return send(message, options);
        };
        return link;
      },
    };
    current = await startHub({ fixtures: {}, servers: [server('brittle')], extra: { connectors: [brittle] } });
    await current.hub.settled();
    const { client } = await connectClient(current.hub);
    const failure = await callTool(client, 'brittle__echo', { text: 'x' }).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toContain('Server "brittle" could not be reached during');
    expect(failure.message).toContain('write EPIPE');
  });
});
