import { tsString, type KindTemplate } from './context.js';

export const filterTemplate: KindTemplate = {
  description: () => 'A Switchboard filter plugin: decides which tools and prompts clients see and may call.',

  index: ({ id }) => `import { SwitchboardError, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** The options a config gives as \`[${JSON.stringify(id)}, { ... }]\`. */
export const optionsSchema = z
  .object({
    /** Tools and prompts to hide: \`name\` on every server, or \`server/name\`. */
    hide: z.array(z.string()).default([]),
    /** Tools that stay visible but whose calls are refused: \`name\` or \`server/name\`. */
    refuse: z.array(z.string()).default([]),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

const matches = (list: ReadonlySet<string>, serverId: string, name: string) => list.has(name) || list.has(serverId + '/' + name);

/**
 * A filter: \`tool()\` and \`prompt()\` decide visibility when the catalog is built (a hidden tool cannot be called
 * either); \`beforeToolCall()\` may refuse a visible tool's call by throwing.
 */
export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'filter',
  options: optionsSchema,
  setup(_deps, options) {
    const hidden = new Set(options.hide);
    const refused = new Set(options.refuse);
    return {
      tool: (server, tool) => !matches(hidden, server.id, tool.name),
      prompt: (server, prompt) => !matches(hidden, server.id, prompt.name),
      beforeToolCall(call) {
        if (matches(refused, call.server.id, call.tool)) {
          throw new SwitchboardError('SWB_TOOL_DENIED', call.exposedName + ' is refused by ' + ${tsString(id)}, {
            fix: 'Remove it from the "refuse" option of ' + ${tsString(id)} + '.',
          });
        }
      },
    };
  },
});

export default plugin;
`,

  test: ({ id }) => `import type { ServerDefinition } from '@mcp-switchboard/plugin-api';
import { createTestKernel } from '@mcp-switchboard/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const fs: ServerDefinition = { id: 'fs', name: 'fs', source: 'test', enabled: true, transport: 'stdio', command: 'fs-mcp', args: [], env: {} };
const other: ServerDefinition = { ...fs, id: 'other', name: 'other' };
const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
const call = (server: ServerDefinition, name: string) => ({ server, tool: name, exposedName: server.id + '__' + name, arguments: {}, sessionId: 's1' });

describe(${tsString(id)}, () => {
  it('hides and refuses what its options say, and nothing else', async () => {
    const kernel = await createTestKernel({ plugins: [[plugin, { hide: ['delete_file', 'fs/move_file'], refuse: ['write_file'] }]] });
    await kernel.start();
    try {
      const filter = kernel.contributionsOf('filter').find((c) => c.plugin.plugin.id === plugin.id)!.contribution;
      expect(filter.tool!(fs, tool('delete_file'))).toBe(false);
      expect(filter.tool!(fs, tool('move_file'))).toBe(false);
      expect(filter.tool!(other, tool('move_file'))).toBe(true);
      expect(filter.prompt!(fs, { name: 'delete_file' })).toBe(false);
      // beforeToolCall may throw or return a rejected promise; an async wrapper handles both.
      const check = async (server: ServerDefinition, name: string) => filter.beforeToolCall!(call(server, name));
      await expect(check(fs, 'read_file')).resolves.toBeUndefined();
      await expect(check(fs, 'write_file')).rejects.toMatchObject({ code: 'SWB_TOOL_DENIED' });
    } finally {
      await kernel.stop();
    }
  });

  it('refuses unknown options', async () => {
    await expect(createTestKernel({ plugins: [[plugin, { hidden: [] }]] })).rejects.toMatchObject({ code: 'SWB_PLUGIN_OPTIONS' });
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { hide: ['delete_file'], refuse: ['fs/write_file'] }]),

  readme: () => `Decides which tools and prompts clients see and may call. As generated, it hides the tools and prompts
listed in \`hide\` and refuses calls to the tools listed in \`refuse\` (\`SWB_TOOL_DENIED\`).

| option | default | meaning |
|---|---|---|
| \`hide\` | \`[]\` | tools and prompts to hide: \`name\` on every server, or \`server/name\` |
| \`refuse\` | \`[]\` | tools that stay listed but whose calls are refused: \`name\` or \`server/name\` |`,
};
