/**
 * Test harness for the hub: in-memory downstream servers behind a tiny connector, an upstream SDK Client over a
 * linked in-memory pair, and recording logger/event bus.
 */
import type {
  ConfigSource,
  DownstreamConnector,
  EventBus,
  FilterContribution,
  ServerDefinition,
  SwitchboardConfig,
  SwitchboardEvent,
} from '@mcp-switchboard/plugin-api';
import { createMemoryLogger, type MemoryLogLine, type MemoryLogger } from '@mcp-switchboard/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { Hub } from '../../src/hub.js';
import type { HubOptions } from '../../src/types.js';

export const Loose = z.object({}).loose();

/** A log line as the test kit's memory logger records it. */
export type LogLine = MemoryLogLine;

/** The test kit's memory logger: every line of the logger and its children, for assertions. */
export function recordingLogger(): MemoryLogger {
  return createMemoryLogger();
}

/**
 * Records every event. Unless `callEvents`, it tells the hub (`wants`) that nobody receives `call.started` and
 * `call.finished`, as in a run without reporters: tool calls then take the relay (Router.relayToolCall). With
 * `callEvents`, they go through the promise pipeline and are reported.
 */
export function recordingEvents(callEvents = callEventsByDefault): EventBus & { events: SwitchboardEvent[] } {
  const events: SwitchboardEvent[] = [];
  const listeners = new Set<(e: SwitchboardEvent) => void>();
  return {
    events,
    wants: (type) => callEvents || (type !== 'call.started' && type !== 'call.finished'),
    emit(event) {
      events.push(event);
      for (const l of listeners) l(event);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function config(overrides: Partial<SwitchboardConfig> = {}): SwitchboardConfig {
  return {
    mcpServers: {},
    namespace: { mode: 'always', separator: '__', maxLength: 64 },
    timeouts: { connectMs: 20_000, requestMs: 20_000, maxTotalMs: 60_000 },
    startupBudgetMs: 10_000,
    pageSize: 1000,
    ...overrides,
  } as SwitchboardConfig;
}

export function server(id: string, extra: Partial<ServerDefinition> = {}): ServerDefinition {
  return { id, name: id, source: 'test', enabled: true, transport: 'stdio', command: 'fixture', args: [], env: {}, ...extra } as ServerDefinition;
}

export function staticSource(servers: ServerDefinition[]): ConfigSource {
  return { load: async () => servers };
}

export interface FixtureSpec {
  /** Builds a fresh McpServer for each connection. */
  create?: () => McpServer;
  /** Delay before the fixture starts reading (delays initialize). */
  initDelayMs?: number;
  /** The fixture starts reading (answers initialize) only once this settles: a server that is slow to start. */
  gate?: Promise<unknown>;
  /** The connector throws this. */
  connectError?: Error;
  /** The "server" answers initialize with an error. */
  failInitialize?: string;
  /** A hand-written server: answers each request with what this returns (no SDK on that side). */
  raw?: (method: string, params: Record<string, unknown> | undefined) => unknown;
}

/** A connector whose servers are in-memory McpServers, chosen by server id. */
export function fixtureConnector(
  specs: Record<string, FixtureSpec>,
  types: DownstreamConnector['types'] = ['stdio', 'streamable-http', 'sse', 'websocket'],
): DownstreamConnector & { servers: Map<string, McpServer> } {
  const servers = new Map<string, McpServer>();
  return {
    servers,
    types,
    async connect(definition) {
      const spec = specs[definition.id];
      if (!spec) throw new Error(`no fixture for ${definition.id}`);
      if (spec.connectError) throw spec.connectError;
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      if (spec.raw) {
        const answer = spec.raw;
        serverSide.onmessage = (msg) => {
          if (!('id' in msg) || !('method' in msg)) return;
          void Promise.resolve()
            .then(() => answer(msg.method, msg.params as Record<string, unknown> | undefined))
            .then(
              (result) => serverSide.send({ jsonrpc: '2.0', id: msg.id, result: result as Record<string, unknown> }),
              (error: Error) => serverSide.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32603, message: error.message } }),
            );
        };
        await serverSide.start();
        return { transport: clientSide };
      }
      if (spec.failInitialize) {
        const message = spec.failInitialize;
        serverSide.onmessage = (msg) => {
          if ('id' in msg && 'method' in msg) {
            void serverSide.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32603, message } });
          }
        };
        await serverSide.start();
        return { transport: clientSide };
      }
      const mcp = spec.create!();
      servers.set(definition.id, mcp);
      const connect = () => void mcp.connect(serverSide);
      if (spec.gate) void spec.gate.then(connect);
      else if (spec.initDelayMs) setTimeout(connect, spec.initDelayMs);
      else connect();
      return { transport: clientSide };
    },
  };
}

export interface ClientOptions {
  capabilities?: ClientCapabilities;
  profile?: string;
  sessionId?: string;
  setup?: (client: Client) => void;
}

/** Connects an SDK Client to the hub through a linked in-memory pair. */
export async function connectClient(hub: Hub, options: ClientOptions = {}): Promise<{ client: Client; transport: Transport }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await hub.connect(serverSide, {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  });
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(clientSide);
  return { client, transport: clientSide };
}

export interface TestHub {
  hub: Hub;
  logs: LogLine[];
  events: SwitchboardEvent[];
  connector: ReturnType<typeof fixtureConnector>;
}

let callEventsByDefault = false;

/**
 * From now on (in this test file) hubs and event recorders want call events unless told otherwise: tool calls take
 * the promise pipeline. For running the same tests once more that way (test/pipeline-calls.test.ts).
 */
export function wantCallEventsByDefault(): void {
  callEventsByDefault = true;
}

export async function startHub(options: {
  fixtures: Record<string, FixtureSpec>;
  servers?: ServerDefinition[];
  config?: Partial<SwitchboardConfig>;
  filters?: HubOptions['filters'];
  profile?: string;
  extra?: Partial<HubOptions>;
  connectorTypes?: DownstreamConnector['types'];
  /** Whether the hub is told call events are received (see recordingEvents); default: see wantCallEventsByDefault. */
  callEvents?: boolean;
}): Promise<TestHub> {
  const logger = recordingLogger();
  const events = recordingEvents(options.callEvents);
  const connector = fixtureConnector(options.fixtures, options.connectorTypes);
  const servers = options.servers ?? Object.keys(options.fixtures).map((id) => server(id));
  const hub = new Hub({
    config: config(options.config),
    sources: [staticSource(servers)],
    connectors: [connector],
    filters: options.filters ?? [],
    events,
    logger,
    ...(options.profile ? { profile: options.profile } : {}),
    ...options.extra,
  });
  await hub.start();
  return { hub, logs: logger.lines, events: events.events, connector };
}

/** All pages of a list through the client, following nextCursor. */
export async function listAll(client: Client, method: string, key: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  do {
    const result = await client.request({ method, params: cursor ? { cursor } : {} } as never, Loose);
    items.push(...((result[key] as Array<Record<string, unknown>>) ?? []));
    cursor = result.nextCursor as string | undefined;
  } while (cursor);
  return items;
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function callTool(client: Client, name: string, args: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  return client.request({ method: 'tools/call', params: { name, arguments: args } } as never, Loose, options);
}

/** A client connected straight to a server (no hub), declaring what the hub declares downstream. */
export async function connectDirect(mcp: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  const client = new Client({ name: 'direct', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  await client.connect(clientSide);
  return client;
}
