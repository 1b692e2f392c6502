import { PassThrough } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServerDefinition, UpstreamHost, UpstreamSession } from '@mcp-switchboard/plugin-api';
import { createMemoryLogger } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import defaultExport, { StdioConnector, StdioUpstream, plugin, transportStdioOptionsSchema } from './index.js';
import { processAlive } from './process-groups.js';

const silent = createMemoryLogger();

/** An UpstreamHost that starts the transport the way the hub does (the SDK calls start() on connect). */
function fakeHost() {
  const shutdowns: string[] = [];
  const transports: Transport[] = [];
  let sessionClosed = 0;
  const host: UpstreamHost = {
    async connect(transport): Promise<UpstreamSession> {
      transports.push(transport);
      await transport.start();
      return {
        id: 'stdio',
        async close() {
          sessionClosed++;
          await transport.close();
        },
        onClose() {},
      };
    },
    profiles: () => [],
    isReady: () => true,
    requestShutdown: (reason) => shutdowns.push(reason),
  };
  return { host, shutdowns, transports, sessionClosed: () => sessionClosed };
}

describe('transport-stdio plugin', () => {
  it('is exported as default and as `plugin`, with the right id, kind and deps', () => {
    expect(defaultExport).toBe(plugin);
    expect(plugin).toMatchObject({ id: 'transport-stdio', kind: 'transport', $switchboardPlugin: true });
    expect(Object.keys(plugin.deps)).toEqual(['logger']);
  });

  it('contributes the stdio front door and a connector for stdio servers', async () => {
    const contribution = await plugin.setup({ logger: silent }, transportStdioOptionsSchema.parse(undefined));
    expect(contribution.upstream?.name).toBe('stdio');
    expect(contribution.upstream?.describe?.()).toBe('stdio');
    expect(contribution.connectors?.map((c) => [...c.types])).toEqual([['stdio']]);
    await contribution.dispose?.();
  });

  it('has options with defaults and refuses unknown ones', () => {
    expect(transportStdioOptionsSchema.parse(undefined)).toEqual({
      maxMessageBytes: 4 * 1024 * 1024,
      killGraceMs: 2000,
      drainTimeoutMs: 5000,
      guardStdout: true,
    });
    expect(transportStdioOptionsSchema.parse({ killGraceMs: 10 }).killGraceMs).toBe(10);
    expect(transportStdioOptionsSchema.safeParse({ killGraceMS: 10 }).success).toBe(false);
    expect(transportStdioOptionsSchema.safeParse({ maxMessageBytes: -1 }).success).toBe(false);
  });
});

describe('StdioUpstream', () => {
  it('connects one front door; stdin closing fires onclose once and asks the host to shut down', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const { host, shutdowns, transports } = fakeHost();
    const upstream = new StdioUpstream({ stdin, stdout, guardStdout: false, logger: silent });
    await upstream.start(host);
    expect(transports).toHaveLength(1);
    let closes = 0;
    transports[0]!.onclose = () => closes++;
    stdin.end();
    await new Promise((resolve) => (stdin.closed ? resolve(undefined) : stdin.once('close', resolve)));
    expect(shutdowns).toEqual(['stdin closed']);
    expect(closes).toBe(1);
    await upstream.stop();
    await upstream.stop();
    expect(shutdowns).toEqual(['stdin closed']);
    expect(closes).toBe(1);
  });

  it('stop() waits for requests already received, closes the session, and does not request a shutdown', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const { host, shutdowns, transports, sessionClosed } = fakeHost();
    const upstream = new StdioUpstream({ stdin, stdout, guardStdout: false });
    await upstream.start(host);
    const door = transports[0]!;
    const got: JSONRPCMessage[] = [];
    door.onmessage = (message) => got.push(message);
    stdin.write('{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toHaveLength(1);

    let stopped = false;
    const stopping = upstream.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    await door.send({ jsonrpc: '2.0', id: 1, result: { tools: [] } });
    await stopping;
    expect(sessionClosed()).toBe(1);
    expect(shutdowns).toEqual([]);
    expect(stdout.read()?.toString()).toBe('{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n');
  });

  it('guards stdout: stray writes go to stderr while serving', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const { host } = fakeHost();
    const upstream = new StdioUpstream({ stdin, stdout, stderr });
    await upstream.start(host);
    stdout.write('console.log noise\n');
    expect(stderr.read()?.toString()).toBe('console.log noise\n');
    expect(stdout.read()).toBeNull();
    await upstream.stop();
  });
});

describe('StdioConnector', () => {
  const server = (over: Partial<ServerDefinition> = {}): ServerDefinition =>
    ({
      id: 'sleeper',
      name: 'sleeper',
      source: 'file',
      enabled: true,
      transport: 'stdio',
      command: 'sleep',
      args: ['60'],
      env: {},
      ...over,
    }) as ServerDefinition;

  it('returns an unstarted link whose pid appears once started; closeAll stops it', async () => {
    const connector = new StdioConnector({ killGraceMs: 500 });
    const link = await connector.connect(server(), { logger: silent, signal: new AbortController().signal });
    expect(link.pid).toBeUndefined();
    await link.transport.start();
    const pid = link.pid!;
    expect(pid).toBeTypeOf('number');
    expect(processAlive(pid)).toBe(true);
    expect(connector.liveCount).toBe(1);
    await connector.closeAll();
    expect(processAlive(pid)).toBe(false);
    expect(connector.liveCount).toBe(0);
  });

  it('kills the server when the connect signal aborts', async () => {
    const connector = new StdioConnector({ killGraceMs: 500 });
    const controller = new AbortController();
    const link = await connector.connect(server(), { logger: silent, signal: controller.signal });
    let closed = false;
    link.transport.onclose = () => (closed = true);
    await link.transport.start();
    controller.abort();
    await (link.transport as unknown as { done: Promise<void> }).done;
    expect(closed).toBe(true);
    expect(processAlive(link.pid!)).toBe(false);
  });

  it('refuses servers of other transport types', async () => {
    const connector = new StdioConnector();
    const remote = { ...server(), transport: 'streamable-http', url: 'http://127.0.0.1:1/mcp', headers: {} } as ServerDefinition;
    expect(connector.accepts(remote)).toBe(false);
    expect(connector.accepts(server())).toBe(true);
    await expect(connector.connect(remote, { logger: silent, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'SWB_CONNECTOR_MISSING',
    });
  });
});
