import { tsString, type KindTemplate } from './context.js';

export const middlewareTemplate: KindTemplate = {
  description: () => 'A Switchboard middleware plugin: renames and re-describes tools, and wraps their calls.',

  index: ({ id }) => `import { definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** The options a config gives as \`[${JSON.stringify(id)}, { ... }]\`. */
export const optionsSchema = z
  .object({
    /** Exposed names: \`{ "everything__echo": "say" }\` lists and calls that tool as \`say\`. */
    rename: z.record(z.string(), z.string()).default({}),
    /** Descriptions to show instead of the server's, by exposed name (before renaming). */
    describe: z.record(z.string(), z.string()).default({}),
    /** Argument names whose values are replaced by "[redacted]" in results' text. */
    redact: z.array(z.string()).default([]),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

/**
 * A middleware: \`tool()\` returns changes to a listed tool (the hub keeps routing the new name to the server's
 * tool); \`afterToolCall()\` may return a replacement result.
 */
export const plugin = definePlugin({
  id: ${tsString(id)},
  kind: 'middleware',
  options: optionsSchema,
  setup(_deps, options) {
    return {
      tool(item) {
        const name = options.rename[item.exposedName];
        const description = options.describe[item.exposedName];
        if (name === undefined && description === undefined) return undefined;
        return { ...(name ? { name } : {}), ...(description ? { description } : {}) };
      },
      afterToolCall(call, result) {
        const secrets = options.redact.map((key) => call.arguments?.[key]).filter((v): v is string => typeof v === 'string' && v !== '');
        if (secrets.length === 0) return undefined;
        const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
        return { ...result, content: result.content.map((part) => (part.type === 'text' ? { ...part, text: scrub(part.text) } : part)) };
      },
    };
  },
});

export default plugin;
`,

  test: ({ id }) => `import type { MiddlewareContribution, ServerDefinition, Tool } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const everything: ServerDefinition = { id: 'everything', name: 'everything', source: 'test', enabled: true, transport: 'stdio', command: 'x', args: [], env: {} };
const listed = (exposedName: string) => ({
  server: everything,
  originalName: 'echo',
  exposedName,
  definition: { name: exposedName, inputSchema: { type: 'object' as const } } as Tool,
  profile: undefined,
});

async function setUp(options: unknown): Promise<MiddlewareContribution> {
  return plugin.setup({}, plugin.options!.parse(options));
}

describe(${tsString(id)}, () => {
  it('renames and re-describes the tools its options name, and leaves the others', async () => {
    const middleware = await setUp({ rename: { everything__echo: 'say' }, describe: { everything__echo: 'Says it back.' } });
    expect(middleware.tool!(listed('everything__echo'))).toEqual({ name: 'say', description: 'Says it back.' });
    expect(middleware.tool!(listed('everything__add'))).toBeUndefined();
  });

  it('redacts the values of the named arguments from results', async () => {
    const middleware = await setUp({ redact: ['token'] });
    const call = { callId: 'c1', sessionId: 's1', server: everything, tool: 'echo', exposedName: 'everything__echo', arguments: { token: 'hunter2' } };
    const result = await middleware.afterToolCall!(call, { content: [{ type: 'text', text: 'Echo: hunter2' }] });
    expect(result).toEqual({ content: [{ type: 'text', text: 'Echo: [redacted]' }] });
  });

  it('refuses unknown options', () => {
    expect(plugin.options!.safeParse({ renames: {} }).success).toBe(false);
  });
});
`,

  configEntry: ({ id }) => JSON.stringify([id, { rename: { everything__echo: 'say' }, describe: { everything__echo: 'Says it back.' } }]),

  readme: () => `Renames and re-describes tools, and redacts argument values from results. Clients call a renamed tool by
its new name; Switchboard routes it to the server's tool.

| option | default | meaning |
|---|---|---|
| \`rename\` | \`{}\` | exposed name → new name |
| \`describe\` | \`{}\` | exposed name → description to show |
| \`redact\` | \`[]\` | argument names whose values are replaced by \`[redacted]\` in results |`,
};
