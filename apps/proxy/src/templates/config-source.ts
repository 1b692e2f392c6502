import { tsString, type KindTemplate } from './context.js';

export const configSourceTemplate: KindTemplate = {
  description: () => 'A Switchboard config-source plugin: supplies MCP server definitions.',

  index: ({ id }) => `import { coreServices, definePlugin, mcpServerEntrySchema, serverFromEntry } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** The options a config gives as \`[${JSON.stringify(id)}, { ... }]\`. */
export const optionsSchema = z
  .object({
    /** Servers to add, in the Claude Desktop \`mcpServers\` format. */
    servers: z.record(z.string(), mcpServerEntrySchema).default({}),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

/**
 * A config source: \`load()\` returns server definitions; Switchboard merges them with the other sources by id.
 * Replace the body of \`load()\` with your own lookup (an HTTP API, a database, a file), and add \`watch()\` to push
 * changes.
 */
export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'config-source',
  options: optionsSchema,
  deps: { logger: coreServices.logger },
  setup({ logger }, options) {
    return {
      async load() {
        const servers = Object.entries(options.servers).map(([name, entry]) => serverFromEntry(name, entry, ${tsString(id)}));
        logger.debug('servers loaded', { count: servers.length });
        return servers;
      },
    };
  },
});

export default plugin;
`,

  test: ({ id }) => `import { createTestKernel } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe(${tsString(id)}, () => {
  it('supplies the servers given in its options', async () => {
    const kernel = await createTestKernel({
      plugins: [[plugin, { servers: { echo: { command: 'echo-mcp', args: ['--quiet'] } } }]],
    });
    await kernel.start();
    try {
      const source = kernel.contributionsOf('config-source').find((c) => c.plugin.plugin.id === plugin.id)!.contribution;
      expect(await source.load()).toEqual([
        { id: 'echo', name: 'echo', source: ${tsString(id)}, enabled: true, transport: 'stdio', command: 'echo-mcp', args: ['--quiet'], env: {} },
      ]);
    } finally {
      await kernel.stop();
    }
  });

  it('refuses unknown options', async () => {
    await expect(createTestKernel({ plugins: [[plugin, { server: {} }]] })).rejects.toMatchObject({ code: 'SWB_PLUGIN_OPTIONS' });
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { servers: { echo: { command: 'echo-mcp' } } }]),

  readme: () => `Supplies MCP server definitions to Switchboard. As generated, it returns the servers listed in its
\`servers\` option (Claude Desktop \`mcpServers\` format); replace \`load()\` in \`src/index.ts\` with your own
lookup.

| option | default | meaning |
|---|---|---|
| \`servers\` | \`{}\` | servers to add, by name, in the \`mcpServers\` format |`,
};
