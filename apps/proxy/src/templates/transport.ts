import { tsString, type KindTemplate } from './context.js';

export const transportTemplate: KindTemplate = {
  description: () => 'A Switchboard transport plugin: a downstream connector for an MCP server that runs in-process.',

  index: ({ id }) => `import { coreServices, definePlugin, type ServerDefinition } from '@mcp-switchboard/plugin-api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** The options a config gives as \`[${JSON.stringify(id)}, { ... }]\`. */
export const optionsSchema = z
  .object({
    /** Who the \`hello\` tool greets when called without a name. */
    greeting: z.string().default('world'),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

/** The in-process server this package runs. \`meta.plugin\` tells the connector below that it is ours. */
export const server: ServerDefinition = {
  id: ${tsString(id)},
  name: ${tsString(id)},
  source: ${tsString(id)},
  enabled: true,
  transport: 'in-process',
  meta: { plugin: ${tsString(id)} },
};

/** Lists the in-process server, so Switchboard knows it exists. */
export const serversPlugin = definePlugin({
  id: ${tsString(`${id}-servers`)},
  kind: 'config-source',
  setup: () => ({ load: async () => [server] }),
});

/**
 * The transport: a downstream connector for \`in-process\` servers that are ours. It links Switchboard to an MCP
 * server in this process with a pair of in-memory transports: no child process, no socket. A transport plugin
 * may also contribute \`upstream\`, a front door through which clients reach Switchboard.
 */
export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'transport',
  options: optionsSchema,
  deps: { logger: coreServices.logger },
  setup({ logger }, options) {
    const running = new Set<McpServer>();
    return {
      connectors: [
        {
          types: ['in-process'],
          accepts: (definition) => definition.meta?.plugin === ${tsString(id)},
          async connect(definition) {
            const mcp = new McpServer({ name: definition.name, version: '1.0.0' });
            mcp.registerTool(
              'hello',
              { description: 'Greets someone.', inputSchema: { name: z.string().optional() } },
              async ({ name }) => ({ content: [{ type: 'text', text: 'Hello, ' + (name ?? options.greeting) + '!' }] }),
            );
            const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
            await mcp.connect(serverSide);
            running.add(mcp);
            mcp.server.onclose = () => running.delete(mcp);
            logger.debug('in-process server linked', { server: definition.id });
            return { transport: clientSide };
          },
        },
      ],
      async dispose() {
        await Promise.all([...running].map((mcp) => mcp.close()));
      },
    };
  },
});

/** Both plugins: listing the package once in \`plugins\` loads the pair (options go to the transport). */
export default [serversPlugin, plugin];
`,

  test: ({ id }) => `import { createTestKernel } from '@mcp-switchboard/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describe, expect, it } from 'vitest';
import { plugin, server, serversPlugin } from './index.js';

describe(${tsString(id)}, () => {
  it('lists its in-process server and connects a client to it', async () => {
    const kernel = await createTestKernel({ plugins: [serversPlugin, [plugin, { greeting: 'tests' }]] });
    await kernel.start();
    try {
      const source = kernel.contributionsOf('config-source').find((c) => c.plugin.plugin.id === serversPlugin.id)!.contribution;
      expect(await source.load()).toEqual([server]);

      const transport = kernel.contributionsOf('transport').find((c) => c.plugin.plugin.id === plugin.id)!.contribution;
      const connector = transport.connectors!.find((c) => c.accepts?.(server))!;
      expect(connector.accepts!({ ...server, meta: { plugin: 'someone-else' } })).toBe(false);
      const link = await connector.connect(server, { logger: kernel.logger, signal: new AbortController().signal });
      const client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(link.transport);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['hello']);
      expect((await client.callTool({ name: 'hello', arguments: {} })).content).toEqual([{ type: 'text', text: 'Hello, tests!' }]);
      expect((await client.callTool({ name: 'hello', arguments: { name: 'Ada' } })).content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
      await client.close();
    } finally {
      await kernel.stop();
    }
  });

  it('refuses unknown options', async () => {
    await expect(createTestKernel({ plugins: [[plugin, { greet: 'x' }]] })).rejects.toMatchObject({ code: 'SWB_PLUGIN_OPTIONS' });
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { greeting: 'world' }]),

  readme: ({ id }) => `Runs an MCP server inside the Switchboard process and connects Switchboard to it. The package holds two
plugins: a config source that lists the \`in-process\` server \`${id}\`, and a transport whose downstream connector
links to it with in-memory transports. Clients see its tool as \`${id}__hello\`.

| option | default | meaning |
|---|---|---|
| \`greeting\` | \`"world"\` | who \`hello\` greets when called without a name |`,

  dependencies: ({ versions }) => ({ '@modelcontextprotocol/sdk': versions.sdk }),
};
