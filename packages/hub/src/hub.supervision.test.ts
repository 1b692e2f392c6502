/**
 * Supervision through the hub with in-memory servers: restarts with backoff, the circuit breaker, pings,
 * transport faults, revival, waiting calls, idle timeouts, per-tool timeouts and stop during backoff.
 * Small real delays make the machinery run; the tests assert what happens, never how long it took.
 */
import type { DownstreamConnector, ServerDefinition, SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  PingRequestSchema,
  PromptListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  ToolListChangedNotificationSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Hub } from './hub.js';
import type { SupervisionSettings } from './connections/supervision.js';
import {
  callTool,
  config,
  connectClient,
  listAll,
  recordingEvents,
  recordingLogger,
  server,
  staticSource,
  waitFor,
  type LogLine,
} from '../test/support/harness.js';
import { echoServer, fixture, textOf } from '../test/support/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type StateEvent = Extract<SwitchboardEvent, { type: 'server.state' }>;
type Step = { create: () => McpServer; initDelayMs?: number } | { crash: true } | { error: Error };

/** A connector whose every connect follows a plan: a fresh in-memory server, a crash during initialize, or an error. */
function scriptedConnector(plan: (id: string, attempt: number) => Step) {
  const connects = new Map<string, number>();
  const servers = new Map<string, McpServer>();
  const links = new Map<string, Transport>();
  const connector: DownstreamConnector = {
    types: ['stdio'],
    async connect(definition) {
      const attempt = (connects.get(definition.id) ?? 0) + 1;
      connects.set(definition.id, attempt);
      const step = plan(definition.id, attempt);
      if ('error' in step) throw step.error;
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      links.set(definition.id, clientSide);
      if ('crash' in step) {
        // The process "exits" as soon as it is spoken to.
        serverSide.onmessage = () => void serverSide.close();
        await serverSide.start();
        return { transport: clientSide };
      }
      const mcp = step.create();
      servers.set(definition.id, mcp);
      // A slow start: the server reads nothing (initialize waits) for a while.
      if (step.initDelayMs) setTimeout(() => void mcp.connect(serverSide), step.initDelayMs);
      else await mcp.connect(serverSide);
      return { transport: clientSide };
    },
  };
  return {
    connector,
    connects: (id: string) => connects.get(id) ?? 0,
    /** The running server of `id` goes away (like a process that exits). */
    crash: (id: string) => servers.get(id)!.close(),
    link: (id: string) => links.get(id)!,
  };
}

const fast: SupervisionSettings = {
  backoffInitialMs: 10,
  backoffMaxMs: 50,
  maxFailures: 5,
  failureWindowMs: 60_000,
  circuitOpenMs: 60_000,
  pingIntervalMs: 0,
  callWaitMs: 10_000,
};

let current: Hub | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function supervisedHub(options: {
  connector: DownstreamConnector;
  servers: ServerDefinition[];
  supervision?: Partial<SupervisionSettings>;
  timeouts?: { connectMs: number; requestMs: number; maxTotalMs: number };
}): Promise<{ hub: Hub; events: SwitchboardEvent[]; logs: LogLine[]; on: (fn: (e: SwitchboardEvent) => void) => void }> {
  const logger = recordingLogger();
  const events = recordingEvents();
  const hub = new Hub({
    config: config({ supervision: { ...fast, ...options.supervision }, ...(options.timeouts ? { timeouts: options.timeouts } : {}) }),
    sources: [staticSource(options.servers)],
    connectors: [options.connector],
    filters: [],
    events,
    logger,
  });
  current = hub;
  await hub.start();
  await hub.settled();
  return { hub, events: events.events, logs: logger.lines, on: (fn) => void events.on(fn) };
}

function statesOf(events: SwitchboardEvent[], id: string): StateEvent[] {
  return events.filter((e): e is StateEvent => e.type === 'server.state' && e.server.id === id);
}

function statusOf(hub: Hub, id: string) {
  return hub.status().find((s) => s.id === id)!;
}

/** Counts list_changed notifications a client receives. */
async function countingClient(hub: Hub) {
  const counts = { tools: 0, prompts: 0 };
  const { client } = await connectClient(hub, {
    setup: (c) => {
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => void (counts.tools += 1));
      c.setNotificationHandler(PromptListChangedNotificationSchema, () => void (counts.prompts += 1));
    },
  });
  return { client, counts };
}

async function toolNames(client: Client): Promise<string[]> {
  return (await listAll(client, 'tools/list', 'tools')).map((t) => t.name as string);
}

describe('restart with backoff and the circuit breaker', () => {
  it('opens the circuit after maxFailures within the window (failed, items dropped, list_changed), then tries once more', async () => {
    let healthy = false;
    const s = scriptedConnector((_id, attempt) => (attempt === 1 || healthy ? { create: echoServer('x') } : { crash: true }));
    const { hub, events, logs } = await supervisedHub({
      connector: s.connector,
      servers: [server('x'), server('ok')],
      supervision: { maxFailures: 3, circuitOpenMs: 400, callWaitMs: 50 },
    });
    const { client, counts } = await countingClient(hub);
    expect(await toolNames(client)).toEqual(['ok__echo', 'x__echo']);

    await s.crash('x'); // failure 1 (a crash), then two restarts that crash during initialize: failures 2 and 3
    await waitFor(() => statusOf(hub, 'x').state === 'failed', 10_000, 'circuit open');
    const failed = statusOf(hub, 'x');
    expect(failed.error).toMatch(/server "x" failed 3 times within 60 s: circuit open, next try at \S+ \(in \d+ ms\)\. Last error: server "x" failed to start/);
    expect(failed.nextRetryAt).toBeGreaterThan(Date.now() - 1000);
    expect(failed.restarts).toBe(2);
    expect(s.connects('x')).toBe(3);
    expect(hub.servers().find((h) => h.id === 'x')).toEqual({ id: 'x', state: 'failed', error: failed.error, tools: 0, restarts: 2 });
    expect(logs.some((l) => l.level === 'error' && l.message.includes('circuit open'))).toBe(true);
    // The crash and the first failed restart are warnings; the failure that opens the circuit is an error.
    expect(logs.filter((l) => l.level === 'warn' && l.message.includes('"x"') && l.message.includes('(attempt ')).length).toBe(2);

    // Its tools are gone, clients were told, and a call says why.
    await waitFor(() => counts.tools >= 1, 5000, 'tools/list_changed');
    expect(await toolNames(client)).toEqual(['ok__echo']);
    const refused = await callTool(client, 'x__echo', { text: 'hi' }).catch((e: unknown) => e as McpError);
    expect(refused.message).toContain('Server "x" is not available (state: failed)');
    expect(refused.message).toContain('circuit open');
    expect(statesOf(events, 'x').map((e) => e.state)).toEqual(['starting', 'ready', 'restarting', 'failed']);

    // Half-open: after circuitOpenMs one more try; it fails, so the circuit opens again.
    await waitFor(() => s.connects('x') === 4 && statusOf(hub, 'x').state === 'failed', 10_000, 'half-open try');
    expect(statusOf(hub, 'x').error).toContain('failed again on its one try after the circuit opened');

    // The next try succeeds: back in the catalog, clients told.
    healthy = true;
    await waitFor(() => statusOf(hub, 'x').state === 'ready', 10_000, 'ready after the circuit');
    await waitFor(() => counts.tools >= 2, 5000, 'second tools/list_changed');
    expect(await toolNames(client)).toEqual(['ok__echo', 'x__echo']);
    expect(textOf(await callTool(client, 'x__echo', { text: 'back' }))).toBe('x: back');
    expect(statusOf(hub, 'x').error).toBeUndefined();
    expect(statusOf(hub, 'x').nextRetryAt).toBeUndefined();
    expect(statesOf(events, 'x').map((e) => e.state)).toEqual(['starting', 'ready', 'restarting', 'failed', 'restarting', 'failed', 'restarting', 'ready']);
    expect(statusOf(hub, 'ok').restarts).toBe(0);
  });

  it('stop() during a backoff cancels the restart', async () => {
    const s = scriptedConnector(() => ({ create: echoServer('x') }));
    const { hub, events } = await supervisedHub({ connector: s.connector, servers: [server('x')], supervision: { backoffInitialMs: 300, backoffMaxMs: 300 } });
    await s.crash('x');
    await waitFor(() => statusOf(hub, 'x').state === 'restarting', 5000, 'restarting');
    expect(statusOf(hub, 'x').nextRetryAt).toBeDefined();
    await hub.stop();
    expect(statusOf(hub, 'x').state).toBe('stopped');
    expect(statusOf(hub, 'x').nextRetryAt).toBeUndefined();
    await sleep(600); // well past the backoff
    expect(s.connects('x')).toBe(1);
    expect(statusOf(hub, 'x').state).toBe('stopped');
    expect(statesOf(events, 'x').map((e) => e.state)).toEqual(['starting', 'ready', 'restarting', 'stopped']);
  });

  it('stop() while the circuit is open cancels the half-open try', async () => {
    const s = scriptedConnector(() => ({ crash: true }));
    const { hub } = await supervisedHub({ connector: s.connector, servers: [server('x')], supervision: { maxFailures: 2, circuitOpenMs: 200 } });
    await waitFor(() => statusOf(hub, 'x').state === 'failed', 5000, 'circuit open');
    const tries = s.connects('x');
    await hub.stop();
    await sleep(400);
    expect(s.connects('x')).toBe(tries);
    expect(statusOf(hub, 'x').state).toBe('stopped');
  });
});

describe('detection', () => {
  it('restarts a server whose pings stop being answered; an error answer to a ping counts as alive; no ping while starting', async () => {
    let hangPings = false;
    const pinged = fixture('p', (s) => {
      s.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `p: ${text}` }] }));
      const hangs = hangPings; // only the instance started while hangPings is set never answers
      s.server.setRequestHandler(PingRequestSchema, async () => {
        if (hangs) await new Promise(() => undefined);
        return {};
      });
    });
    const noPing = fixture('np', (s) => {
      s.registerTool('echo', { inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'np' }] }));
      s.server.setRequestHandler(PingRequestSchema, async () => {
        throw new McpError(ErrorCode.MethodNotFound, 'no ping here');
      });
    });
    let slowStarts = 0;
    const s = scriptedConnector((id) => {
      if (id === 'p') return { create: pinged };
      if (id === 'np') return { create: noPing };
      slowStarts += 1;
      return { create: echoServer('slow'), initDelayMs: 400 };
    });
    // Global pings off; per server 100 ms (a ping not answered within that is a failure).
    const { hub, events } = await supervisedHub({
      connector: s.connector,
      servers: [server('p', { pingIntervalMs: 100 }), server('np', { pingIntervalMs: 100 }), server('slow', { pingIntervalMs: 100 })],
    });
    await sleep(400); // several ping rounds
    expect(hub.status().map((st) => [st.id, st.state, st.restarts])).toEqual([
      ['np', 'ready', 0],
      ['p', 'ready', 0],
      ['slow', 'ready', 0],
    ]);
    expect(slowStarts).toBe(1);

    hangPings = true;
    await s.crash('p'); // the next instance hangs on pings
    await waitFor(() => s.connects('p') === 3 && statusOf(hub, 'p').state === 'ready', 10_000, 'restart after the hanging pings');
    const reasons = statesOf(events, 'p')
      .filter((e) => e.state === 'restarting')
      .map((e) => e.error ?? '');
    expect(reasons[1]).toMatch(/server "p" did not answer a ping within 100 ms/);
    hangPings = false;
    const { client } = await connectClient(hub);
    expect(textOf(await callTool(client, 'p__echo', { text: 'alive' }))).toBe('p: alive');
    expect(statusOf(hub, 'np').restarts).toBe(0);
  });

  it('restarts a server whose transport reports repeated errors (garbage on stdout), tolerating a few', async () => {
    const s = scriptedConnector(() => ({ create: echoServer('g') }));
    const { hub, events } = await supervisedHub({ connector: s.connector, servers: [server('g')] });
    const link = s.link('g');
    link.onerror!(new Error('server "g" wrote a stdout line that is not JSON-RPC: hello'));
    link.onerror!(new Error('server "g" wrote a stdout line that is not JSON-RPC: world'));
    expect(statusOf(hub, 'g').state).toBe('ready');
    link.onerror!(new Error('server "g" wrote a stdout line that is not JSON-RPC: again'));
    expect(statusOf(hub, 'g').state).toBe('restarting');
    expect(statesOf(events, 'g').at(-1)!.error).toMatch(
      /server "g" reported 3 transport errors within 5 s \(last: .*not JSON-RPC: again\); its link is faulty/,
    );
    await waitFor(() => statusOf(hub, 'g').state === 'ready', 10_000, 'ready again');
    expect(s.connects('g')).toBe(2);
    const { client } = await connectClient(hub);
    expect(textOf(await callTool(client, 'g__echo', { text: 'ok' }))).toBe('g: ok');
  });
});

describe('revival', () => {
  it('keeps the lists while restarting and sends list_changed only when the revived lists differ (exactly once)', async () => {
    let version = 1;
    const versioned = () =>
      echoServer('v', (s) => {
        if (version >= 2) s.registerTool('added', { inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'new' }] }));
      })();
    const s = scriptedConnector(() => ({ create: versioned }));
    const { hub, on } = await supervisedHub({ connector: s.connector, servers: [server('v')], supervision: { backoffInitialMs: 100, backoffMaxMs: 100 } });
    const { client, counts } = await countingClient(hub);
    expect(await toolNames(client)).toEqual(['v__echo']);
    await listAll(client, 'prompts/list', 'prompts');

    let listedWhileRestarting: Promise<string[]> | undefined;
    on((e) => {
      if (e.type === 'server.state' && e.state === 'restarting' && !listedWhileRestarting) listedWhileRestarting = toolNames(client);
    });

    // Same lists after the restart: nothing to announce.
    await s.crash('v');
    await waitFor(() => statusOf(hub, 'v').restarts === 1 && statusOf(hub, 'v').state === 'ready', 10_000, 'first revival');
    expect(await listedWhileRestarting!).toEqual(['v__echo']);
    await sleep(200); // past the list_changed debounce
    await client.ping();
    expect(counts).toEqual({ tools: 0, prompts: 0 });

    // A new tool after the restart: one tools/list_changed, no prompts/list_changed.
    version = 2;
    await s.crash('v');
    await waitFor(() => statusOf(hub, 'v').restarts === 2 && statusOf(hub, 'v').state === 'ready', 10_000, 'second revival');
    await waitFor(() => counts.tools === 1, 5000, 'tools/list_changed');
    await sleep(200);
    await client.ping();
    expect(counts).toEqual({ tools: 1, prompts: 0 });
    expect(await toolNames(client)).toEqual(['v__echo', 'v__added']);
    expect(textOf(await callTool(client, 'v__added'))).toBe('new');
  });

  it('re-applies the last log level and the resource subscriptions after a restart', async () => {
    const seen: string[] = [];
    let instance = 0;
    const make = () => {
      const n = ++instance;
      return fixture(
        'r',
        (s) => {
          s.registerResource('doc', 'r://doc', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'doc' }] }));
          s.server.setRequestHandler(SetLevelRequestSchema, async (req) => {
            seen.push(`${n}:level:${req.params.level}`);
            return {};
          });
          s.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
            seen.push(`${n}:subscribe:${req.params.uri}`);
            return {};
          });
          s.server.setRequestHandler(UnsubscribeRequestSchema, async () => ({}));
        },
        { capabilities: { resources: { subscribe: true }, logging: {} } },
      )();
    };
    const s = scriptedConnector(() => ({ create: make }));
    const { hub } = await supervisedHub({ connector: s.connector, servers: [server('r')] });
    const { client } = await connectClient(hub);
    await client.setLoggingLevel('warning');
    await client.subscribeResource({ uri: 'r://doc' });
    expect(seen).toEqual(['1:level:warning', '1:subscribe:r://doc']);
    await s.crash('r');
    await waitFor(() => statusOf(hub, 'r').restarts === 1 && statusOf(hub, 'r').state === 'ready', 10_000, 'revival');
    expect(seen.filter((x) => x.startsWith('2:')).sort()).toEqual(['2:level:warning', '2:subscribe:r://doc']);
  });
});

describe('calls while a server is down', () => {
  it('fails a call in flight at the crash at once, and a call that waits longer than callWaitMs names the server and its state', async () => {
    let crashes = false;
    const hanging = () =>
      echoServer('w', (s) => {
        s.registerTool('hang', { inputSchema: {} }, async (_args, extra) => {
          await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
          return { content: [] };
        });
      })();
    const s = scriptedConnector(() => (crashes ? { crash: true } : { create: hanging }));
    const { hub } = await supervisedHub({
      connector: s.connector,
      servers: [server('w')],
      supervision: { backoffInitialMs: 5000, backoffMaxMs: 5000, callWaitMs: 150 },
    });
    const { client } = await connectClient(hub);
    const inFlight = callTool(client, 'w__hang').catch((e: unknown) => e as McpError);
    await sleep(50);
    crashes = true;
    await s.crash('w');
    const lost = await inFlight;
    expect(lost).toBeInstanceOf(McpError);
    expect(lost.message).toContain('Server "w" went away during tools/call "hang" (state: restarting)');
    expect(lost.data).toMatchObject({ code: 'SWB_SERVER_UNAVAILABLE', server: 'w', state: 'restarting' });

    const waited = await callTool(client, 'w__echo', { text: 'x' }).catch((e: unknown) => e as McpError);
    expect(waited).toBeInstanceOf(McpError);
    expect(waited.message).toMatch(
      /Server "w" is restarting \(attempt 1, next try in \d+ s\); gave up after 150 ms\. Last error: server "w" closed the connection/,
    );
    expect(waited.data).toMatchObject({ code: 'SWB_SERVER_UNAVAILABLE', server: 'w', state: 'restarting', waitedMs: 150, attempt: 1 });
  });

  it('stops an idle server, keeps its lists, and starts it again for the next call', async () => {
    const slowTool = () =>
      echoServer('i', (s) => {
        s.registerTool('slow', { inputSchema: { ms: z.number() } }, async ({ ms }) => {
          await sleep(ms);
          return { content: [{ type: 'text', text: 'slow done' }] };
        });
      })();
    const s = scriptedConnector(() => ({ create: slowTool }));
    const { hub, logs } = await supervisedHub({ connector: s.connector, servers: [server('i', { idleTimeoutMs: 150 })] });
    const { client, counts } = await countingClient(hub);
    expect(await toolNames(client)).toEqual(['i__echo', 'i__slow']);
    // A call longer than the idle timeout keeps it running.
    expect(textOf(await callTool(client, 'i__slow', { ms: 400 }))).toBe('slow done');
    expect(s.connects('i')).toBe(1);

    await waitFor(() => statusOf(hub, 'i').state === 'stopped', 5000, 'idle stop');
    expect(statusOf(hub, 'i').idle).toBe(true);
    expect(statusOf(hub, 'i').tools).toBe(2);
    expect(await toolNames(client)).toEqual(['i__echo', 'i__slow']);
    expect(logs.some((l) => l.level === 'info' && l.message.includes('"i" stopped after') && l.message.includes('idle'))).toBe(true);

    expect(textOf(await callTool(client, 'i__echo', { text: 'wake up' }))).toBe('i: wake up');
    expect(s.connects('i')).toBe(2);
    expect(statusOf(hub, 'i').state).toBe('ready');
    expect(statusOf(hub, 'i').restarts).toBe(0);
    await sleep(100);
    await client.ping();
    expect(counts.tools).toBe(0);
  });
});

describe('per-tool timeouts', () => {
  it('applies a tool’s own timeout (naming server, tool and limit), the server default to its other tools, and resets on progress', async () => {
    const tools = fixture('t', (s) => {
      s.registerTool('silent', { inputSchema: {} }, async (_args, extra) => {
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
        return { content: [] };
      });
      s.registerTool('sleepy', { inputSchema: { ms: z.number() } }, async ({ ms }) => {
        await sleep(ms);
        return { content: [{ type: 'text', text: 'slept' }] };
      });
      s.registerTool('chatty', { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
        const end = Date.now() + ms;
        let i = 0;
        while (Date.now() < end && !extra.signal.aborted) {
          await sleep(30);
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: ++i } });
        }
        return { content: [{ type: 'text', text: extra.signal.aborted ? 'aborted' : 'finished' }] };
      });
    });
    const s = scriptedConnector(() => ({ create: tools }));
    const { hub } = await supervisedHub({
      connector: s.connector,
      servers: [
        server('t', {
          timeouts: { tools: { silent: { requestMs: 150 }, chatty: { requestMs: 150, maxTotalMs: 2000 }, sleepy: {} } },
        }),
      ],
      timeouts: { connectMs: 10_000, requestMs: 20_000, maxTotalMs: 60_000 },
    });
    const { client } = await connectClient(hub);
    const error = (await callTool(client, 't__silent').catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32001);
    expect(error.message).toContain(
      'Server "t" did not answer tools/call "silent" within 150 ms (no progress in that time; the limit configured for tool "silent")',
    );
    expect(error.data).toMatchObject({ code: 'SWB_TIMEOUT', server: 't', tool: 'silent', limitMs: 150 });
    // The server default (20 s) for a tool without its own limit.
    expect(textOf(await callTool(client, 't__sleepy', { ms: 400 }))).toBe('slept');
    // Progress every 30 ms keeps a 150 ms limit alive for 600 ms.
    expect(textOf(await callTool(client, 't__chatty', { ms: 600 }))).toBe('finished');
    expect(statusOf(hub, 't').state).toBe('ready');
  });
});

describe('status', () => {
  it('reports restarts, the next retry and a redacted error; servers() has the front-door shape', async () => {
    const token = 'tok-abcdef123456';
    const s = scriptedConnector(() => ({ error: new Error(`auth failed with ${token} for https://me:hunter22@api.example.com/x?api_key=zzz999&page=2`) }));
    const { hub, events, logs } = await supervisedHub({
      connector: s.connector,
      servers: [server('sec', { env: { API_TOKEN: token, PLAIN: 'visible-value' } })],
      supervision: { maxFailures: 2 },
    });
    await waitFor(() => statusOf(hub, 'sec').state === 'failed', 5000, 'circuit open');
    const status = statusOf(hub, 'sec');
    expect(status.restarts).toBe(1);
    expect(status.nextRetryAt).toBeTypeOf('number');
    const [health] = hub.servers();
    expect(Object.keys(health!).sort()).toEqual(['error', 'id', 'restarts', 'state', 'tools']);
    expect(health).toMatchObject({ id: 'sec', state: 'failed', tools: 0, restarts: 1 });
    const texts = [status.error!, ...statesOf(events, 'sec').map((e) => e.error ?? ''), ...logs.map((l) => `${l.message} ${JSON.stringify(l.fields)}`)];
    for (const text of texts) {
      expect(text).not.toContain(token);
      expect(text).not.toContain('hunter22');
      expect(text).not.toContain('zzz999');
    }
    expect(status.error).toContain('auth failed with **** for https://me:****@api.example.com/x?api_key=****&page=2');
  });
});
