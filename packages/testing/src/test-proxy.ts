import type { Kernel } from '@mcp-switchboard/kernel';
import {
  definePlugin,
  type CallToolResult,
  type ServerDefinition,
  type SwitchboardEvent,
  type Tool,
  type Transport,
  type UpstreamSession,
} from '@mcp-switchboard/plugin-api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { MemoryLogger } from './memory-logger.js';
import { createTestKernel, type TestKernelOptions } from './test-kernel.js';

export interface TestProxyOptions {
  /** Your plugins (and any others), as for createTestKernel: `plugin` or `[plugin, options]`. */
  plugins?: TestKernelOptions['plugins'];
  /** In-process MCP servers by id: a factory making an SDK `McpServer`, served with no child process. */
  servers?: Record<string, () => McpServer>;
  /** Config file contents (written to a temp folder): `namespace`, `profiles`, `mcpServers` for your own source… */
  config?: object;
  /** Serve only this profile's servers. */
  profile?: string;
  /** How long a filter's or middleware's call hook may take. Default: the hub's (10 s). */
  hookTimeoutMs?: number;
}

/** A running kernel + hub + plugins with a connected MCP client, all in this process. */
export interface TestProxy {
  readonly kernel: Kernel;
  /** An SDK client connected as a user's client would be. */
  readonly client: Client;
  /** Every event emitted so far, in order (what a reporter receives). */
  readonly events: readonly SwitchboardEvent[];
  /** The kernel's memory logger (every plugin's lines, with `plugin` fields). */
  readonly logger: MemoryLogger;
  /** All listed tools, every page. */
  listTools(): Promise<Tool[]>;
  /** Calls a tool by its exposed name; a JSON-RPC error rejects. */
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Connects another client (e.g. to another profile). */
  connect(options?: { profile?: string }): Promise<Client>;
  /** What a plugin publishes through `info()` (e.g. the port it bound). */
  info(pluginId: string): Readonly<Record<string, unknown>> | undefined;
  /** Closes the clients, stops the hub, then the kernel (flush, dispose). Idempotent. */
  close(): Promise<void>;
}

/** What the kit needs of the hub; imported at run time so the kit does not depend on it at build time. */
interface HubLike {
  start(): Promise<void>;
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  connect(transport: Transport, options?: { profile?: string }): Promise<UpstreamSession>;
}
type HubModule = { Hub: new (options: Record<string, unknown>) => HubLike };

const TEST_SERVER_META = 'switchboard-test-proxy';

/** The kit's own source and connector for the in-process servers. */
function inProcessServers(servers: Record<string, () => McpServer>) {
  const definitions: ServerDefinition[] = Object.keys(servers).map((id) => ({
    id,
    name: id,
    source: 'test-proxy',
    enabled: true,
    transport: 'in-process',
    meta: { plugin: TEST_SERVER_META },
  }));
  const source = definePlugin({ id: 'test-proxy-servers', kind: 'config-source', setup: () => ({ load: async () => definitions }) });
  const connector = definePlugin({
    id: 'test-proxy-connector',
    kind: 'transport',
    setup() {
      const running = new Set<McpServer>();
      return {
        connectors: [
          {
            types: ['in-process'],
            accepts: (server) => server.meta?.plugin === TEST_SERVER_META,
            async connect(server) {
              const mcp = servers[server.id]!();
              const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
              await mcp.connect(serverSide);
              running.add(mcp);
              return { transport: clientSide };
            },
          },
        ],
        dispose: async () => void (await Promise.all([...running].map((mcp) => mcp.close().catch(() => undefined)))),
      };
    },
  });
  return [source, connector];
}

const Loose = z.object({}).loose();

/**
 * Starts kernel + hub + plugins + a connected client in this process, as `mcp-switchboard` would run them, so a
 * plugin's end-to-end test needs no CLI and no child process. Needs `@mcp-switchboard/hub` installed (a
 * devDependency of your plugin). Always `close()` it (in `afterEach`).
 */
export async function createTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const hubSpecifier = '@mcp-switchboard/hub';
  const { Hub } = (await import(hubSpecifier)) as HubModule;
  const kernel = await createTestKernel({
    plugins: [...inProcessServers(options.servers ?? {}), ...(options.plugins ?? [])],
    ...(options.config !== undefined ? { config: options.config } : {}),
  });
  const events: SwitchboardEvent[] = [];
  kernel.events.on((event) => void events.push(event));
  const clients: Client[] = [];
  let hub: HubLike | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await hub?.stop();
      await kernel.stop();
    })());
  try {
    await kernel.start();
    hub = new Hub({
      config: kernel.config.current,
      sources: kernel.contributed('config-source'),
      connectors: kernel.connectors,
      filters: kernel.contributed('filter'),
      middleware: kernel.contributed('middleware'),
      events: kernel.events,
      logger: kernel.logger.child({ component: 'hub' }),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.hookTimeoutMs !== undefined ? { hookTimeoutMs: options.hookTimeoutMs } : {}),
    });
    await hub.start();
    await hub.settled();
  } catch (error) {
    await close();
    throw error;
  }
  const connect = async (connectOptions: { profile?: string } = {}) => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await hub!.connect(serverSide, connectOptions);
    const client = new Client({ name: 'switchboard-test-proxy', version: '1.0.0' });
    await client.connect(clientSide);
    clients.push(client);
    return client;
  };
  const client = await connect(options.profile ? { profile: options.profile } : {});
  return {
    kernel,
    client,
    events,
    logger: kernel.logger as MemoryLogger,
    async listTools() {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    },
    async callTool(name, args = {}) {
      return (await client.request({ method: 'tools/call', params: { name, arguments: args } }, Loose)) as CallToolResult;
    },
    connect,
    info: (pluginId) => kernel.info(pluginId),
    close,
  };
}
